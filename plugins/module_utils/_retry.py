# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""The collection's single retry policy.

Jittered exponential backoff ("full jitter") with a bound on the number of attempts and on the
total time spent waiting. Retried: throttling codes (KMS's `Rejected.Throttling` too), any HTTP 429
on every product, service-unavailable codes, HTTP 5xx and transport failures (timeouts, refused or dropped connections), plus any extra codes a caller names
for eventual consistency (for example a role that ECS does not see yet). The service's
`x-acs-retry-after` hint is honoured. Everything else fails at once.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time

from ._errors import AlicloudParameterError, from_exception, is_api_exception, wrapped_own_error

TRANSIENT_CODES = frozenset((
    'Throttling',
    'Throttling.User',
    'Throttling.Api',
    'Throttling.Tenant',
    'Throttling.AK',
    'Throttling.Resource',
    'Rejected.Throttling',  # KMS: "QPS Limit Exceeded", HTTP 429
    'ServiceUnavailable',
    'ServiceUnavailableTemporary',
    'SerivceUnvailableTemporary',  # sic: KMS spells it this way
    'InternalError',
    'InternalFailure',
    'Transport.Timeout',
    'Transport.ConnectionFailed',
    'Transport.UnreadableAnswer',  # a 200 with an empty or cut-short body (issue 19 / 14.6)
))


_LISTENERS = threading.local()


@contextlib.contextmanager
def transient_listener(callback):
    """Within (in this thread only): `callback(err)` hears of every transient answer (`RetryPolicy.is_transient`) a
    `RetryPolicy.run` gets, retried or not, as do the listeners of enclosing uses (the binding engine's concurrency
    gate listens, see _ecs.Concurrency)."""
    stack = getattr(_LISTENERS, 'stack', None)
    if stack is None:
        stack = _LISTENERS.stack = []
    stack.append(callback)
    try:
        yield
    finally:
        stack.pop()


def _heard(err):
    for callback in list(getattr(_LISTENERS, 'stack', None) or ()):
        callback(err)


class RetryPolicy:
    """Decides whether and how long to wait before trying a failed call again.

    `sleep` and `rand` are injectable so that unit tests run instantly and deterministically.
    """

    def __init__(self, *, max_attempts=8, base_delay=0.5, max_delay=20.0, max_total_wait=90.0,
                 sleep=time.sleep, rand=random.random, clock=time.monotonic):
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_total_wait = max_total_wait
        self.sleep = sleep
        self.rand = rand
        self.clock = clock

    @staticmethod
    def is_transient(err):
        """Throttling (any code, and any HTTP 429), unavailability, 5xx and transport failures: worth another try after a pause."""
        if err.code in TRANSIENT_CODES or err.code.startswith('Throttling'):
            return True
        return bool(err.status and (err.status == 429 or err.status >= 500))

    def delay(self, attempt, err=None):
        """Seconds to wait before attempt number `attempt + 1` (attempt counts from 1)."""
        if err is not None and err.retry_after:
            # the service told us how long; add a little jitter so that parallel clients spread out
            return min(err.retry_after + self.rand() * self.base_delay, self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rand() * ceiling

    def run(self, func, *, extra_codes=(), extra_timeout=None, product=None, action=None, idempotent=True):
        """Call `func()` until it succeeds, fails with a non-retryable error, or the bounds are hit.

        `extra_codes` are retried only while the time spent waiting stays under `extra_timeout`
        (default: the policy's total bound), so an eventual-consistency wait is bounded separately
        from throttling.

        With `idempotent=False` (a write that takes effect again when sent again), a transport failure
        is not retried: after a timeout or a dropped connection the service may have carried the request
        out, so the error says that its outcome is unknown instead.
        """
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                return func()
            except Exception as exc:  # pylint: disable=broad-except
                if not is_api_exception(exc):
                    raise
                own = wrapped_own_error(exc)
                if isinstance(own, AlicloudParameterError):
                    # an option found invalid while the SDK asked for the credentials (built on first use):
                    # the user's error, reported as such, never a transport failure to retry
                    raise own from None  # pylint: disable=raising-bad-type  # (not None: checked on the line above)
                err = from_exception(exc, product=product, action=action)
                err.attempts = attempt
                transient = self.is_transient(err)
                if transient:
                    _heard(err)
                if transient and err.is_transport and not idempotent:
                    err.message += '; not sent again, because it may have taken effect: a rerun reads the state and converges'
                    raise err from None
                eventual = not transient and bool(extra_codes) and err.matches(*extra_codes)
                if not (transient or eventual):
                    raise err from None
                if transient and attempt >= self.max_attempts:
                    raise err from None
                bound = self.max_total_wait
                pause = self.delay(attempt, err)
                if eventual:
                    # waiting for the service to catch up: bounded by time, never a busy loop
                    bound = self.max_total_wait if extra_timeout is None else extra_timeout
                    pause = max(pause, self.base_delay)
                if waited + pause > bound:
                    # one last, shorter wait if any budget is left, else give up
                    pause = bound - waited
                    if pause <= 0:
                        raise err from None
                self.sleep(pause)
                waited += pause
