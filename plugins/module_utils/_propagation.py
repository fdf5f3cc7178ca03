# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""Waiting out propagation: right after a binding or a policy attachment the service may not honour it yet.

Reference §0b.15: after AttachInstanceRamRole the metadata service may not serve the role for a few seconds, and
after AttachPolicyToRole KMS may still deny. A verification run right after either retries those two answers
("no role bound yet", `Forbidden.NoPermission`) for a bounded time, and reports the last answer when it runs out.
Pure Python (no SDK): the caller passes the attempt, and tests pass their own sleep and clock.
"""

from __future__ import annotations

import time

PAUSES = (1.0, 2.0, 3.0, 5.0)  # then 5 s between attempts
NO_ROLE_YET = 'Metadata.NoRoleBound'
DENIED_YET = ('Forbidden.NoPermission', 'NoPermission')


def until_propagated(attempt, pending, timeout, *, sleep=None, clock=None):
    """Run `attempt()` until `pending(outcome)` is false or `timeout` seconds have passed: (last outcome, attempts).

    `attempt` returns an outcome (it must not raise for the answers it wants retried); the last one is returned
    when the time runs out. A `timeout` of 0 means one attempt. `sleep` and `clock` default to the time module's.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + max(0.0, float(timeout or 0))
    attempts = 0
    while True:
        outcome = attempt()
        attempts += 1
        if not pending(outcome):
            return outcome, attempts
        pause = PAUSES[min(attempts - 1, len(PAUSES) - 1)]
        left = deadline - clock()
        if left <= 0:
            return outcome, attempts
        sleep(min(pause, left))


def still_after(attempts, timeout):
    """What a message adds when the answer it reports was the same over the whole wait ('' after a single attempt)."""
    return f' (still after {attempts} attempts over wait_timeout {timeout} s)' if attempts > 1 else ''
