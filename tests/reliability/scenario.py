# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building blocks of the suite's playbooks and the checks every fault scenario shares.

A fault *phase* is: switch faults on, run the job (each task may fail: `ignore_errors`), settle (wait for
requests a delay fault still holds, switch the faults off), run the job again, and mark the end. Each marker
task prints the call-log cursor, so the log can be cut into phases afterwards.
"""

from __future__ import annotations

import json
import re
import sys

from harness import HERE, assert_writes_once

GROUP = 'group/alicloud.instance_ram.alicloud'

# The faults of issue 9. `count` is how many matching calls each rule hits; every one of them is retried by the
# collection (throttling, 5xx and transport failures) unless the call is not safe to repeat.
FAULTS = {
    'throttling burst': {'kind': 'throttle', 'count': 2},
    'throttling with retry-after': {'kind': 'throttle', 'code': 'Throttling.User', 'count': 3, 'retry_after': 100},
    'internal error 500': {'kind': 'error', 'count': 1},
    'service unavailable 503': {'kind': 'error', 'code': 'ServiceUnavailable', 'count': 1},
    'response slower than the read timeout': {'kind': 'delay', 'delay_ms': 3000, 'count': 1},
    'dropped connection': {'kind': 'drop', 'count': 1},
}
READ_TIMEOUT = 2.0  # seconds, given to the modules in the phase of the delay fault, which outlasts it

# An API failure names its code and, when the service answered, the request id; a transport failure names itself;
# a failure of the instance metadata service names the step and its own code (Metadata.*).
FAILURE_NAMED = re.compile(r'(request id(\(s\))? [0-9A-Za-z-]+|Transport\.(Timeout|ConnectionFailed)|METADATA \w+: Metadata\.\w+)')


def task(name, module, args, **extra):
    return {'name': name, module: args, **extra}


def emuctl_argv(*args):
    return [sys.executable, str(HERE / 'emuctl.py'), *args]


def emuctl(name, *args):
    """A task that runs tests/reliability/emuctl.py."""
    return {'name': name, 'ansible.builtin.command': {'argv': emuctl_argv(*args)}, 'changed_when': False}


def block(name, tasks, defaults):
    return {'name': name, 'module_defaults': {GROUP: defaults}, 'block': tasks}


def play(name, tasks, hosts='localhost'):
    return {'name': name, 'hosts': hosts, 'gather_facts': False, 'tasks': tasks}


def fault_rules(fault, actions, count=None):
    """The set_fault arguments of `fault` on each (product, action), hitting `count` calls each if given."""
    return [{**fault, 'product': product, 'action': action, **({'count': count} if count else {})} for product, action in actions]


def phase_tasks(label, job, rules, defaults):
    """The tasks of one phase; `job` is a list of (name, module, args)."""
    def run(kind):
        return [task(f'{label}: {kind}: {name}', module, args, ignore_errors=True) for name, module, args in job]
    return [
        emuctl(f'{label}: faults on', 'set', json.dumps(rules)),
        block(f'{label}: first run', run('first'), defaults),
        emuctl(f'{label}: settle', 'settle'),
        block(f'{label}: rerun', run('rerun'), defaults),
        emuctl(f'{label}: end', 'cursor'),
    ]


def assert_failure_named(result, where):
    """A failed task says what failed: the API code (in `error`) and the request id, or the transport failure."""
    msg = result.get('msg', '')
    assert FAILURE_NAMED.search(msg), f'{where}: the failure does not name a request id or a transport failure: {msg!r}'
    code = (result.get('error') or {}).get('code')
    if code:
        assert code in msg, f'{where}: the failure message does not name the API code {code}: {msg!r}'


class Phase:
    """The outcome of one phase, read from a finished run."""

    def __init__(self, h, run, label, job, rules):
        self.label = label
        self.start = run.cursor(f'{label}: faults on')['cursor']
        settle = run.cursor(f'{label}: settle')
        self.middle = settle['cursor']
        self.end = run.cursor(f'{label}: end')['cursor']
        self.consumed = list(settle['consumed'].values())
        self.rules = rules
        self.first = [run.result(f'{label}: first: {name}') for name, dummy, dummy2 in job]
        self.rerun = [run.result(f'{label}: rerun: {name}') for name, dummy, dummy2 in job]
        self.calls = [c for c in h.control.calls(since=self.start) if c['seq'] <= self.end]

    @property
    def converged(self):
        return all(r['_status'] == 'ok' for r in self.first)

    def check(self, may_fail=False):
        """The shared promises: every fault fired; the first run converged (or failed naming what failed); the
        rerun finished the job, and changed nothing when the first run had done it all. Returns 'converged' or
        'failed cleanly, rerun finished'."""
        where = self.label
        hit = [c for c in self.calls if c.get('fault')]
        assert len(hit) == sum(self.consumed) > 0 or not self.rules, f'{where}: the faults hit {sum(self.consumed)} calls, the log shows {len(hit)}'
        if self.converged:
            # every faulted call was retried through (a run that stopped at a failure may not reach later calls)
            for rule, consumed in zip(self.rules, self.consumed):
                assert consumed == rule['count'], f"{where}: the fault on {rule['action']} hit {consumed} of {rule['count']} calls"
        for result in self.first:
            if result['_status'] != 'ok':
                assert may_fail, f"{where}: the first run failed although every fault was retryable: {result.get('msg')}"
                assert_failure_named(result, where)
        for result in self.rerun:
            assert result['_status'] == 'ok', f"{where}: the rerun failed: {result.get('msg')}"
        if self.converged:
            changed = [r for r in self.rerun if r.get('changed')]
            assert not changed, f'{where}: the first run converged, but the rerun changed something'
            rerun_writes = [c['action'] for c in self.calls if c['seq'] > self.middle and c['write']]
            assert not rerun_writes, f'{where}: the first run converged, but the rerun wrote {rerun_writes}'
            return 'converged'
        return 'failed cleanly, rerun finished'

    def writes_once(self, instances, expected, actual_roles=None):
        return assert_writes_once(self.calls, instances, expected, actual_roles, where=self.label)
