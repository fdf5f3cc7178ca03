# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator controls a reliability playbook calls between its tasks (ansible.builtin.command runs it).

    python emuctl.py set FAULTS_JSON   switch faults on (a JSON list of set_fault arguments)
    python emuctl.py settle            wait until every request slowed by a delay fault is answered, switch all faults off
    python emuctl.py cursor            the call-log position
    python emuctl.py digest            the call-log position and a digest of the emulator's state (what a failed
                                       task must leave unchanged)
    python emuctl.py hide              ECS sees no role from now on, until the test sets the consistency delay back
    python emuctl.py barrier N         wait until N processes reached the barrier in the directory RELIABILITY_BARRIER
                                       (two ansible-playbook runs then start site.yml at the same moment)

The emulator is the one at RELIABILITY_EMULATOR_URL; the faults switched on are remembered in RELIABILITY_FAULTS_FILE.

Each prints one JSON object with the call-log `cursor`; `settle` adds `consumed` (the calls each rule hit), so the
suite can split the log into phases and prove that every injected fault really fired.

Why `settle` waits: a delay fault holds a request *before* the emulator handles it. The client gives up at its
read timeout and retries, but the abandoned request is still carried out when its delay ends. The rerun of a
scenario must start after that, or it would race the abandoned request instead of testing the module.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time

from alicloud_emulator.testing import ControlClient

SETTLE_TIMEOUT = 30.0


def _load(path):
    if not os.path.exists(path):
        return {'rules': [], 'since': 0}
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def _save(path, state):
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(state, handle)


def set_faults(control, state_file, faults):
    state = {'since': control.cursor(), 'rules': [control.set_fault(**fault) for fault in faults]}
    _save(state_file, state)
    return {'cursor': state['since'], 'rules': [r['id'] for r in state['rules']]}


def settle(control, state_file):
    state = _load(state_file)
    remaining = {r['id']: r['count'] for r in control.faults()}
    consumed = {}
    for rule in state['rules']:
        left = remaining.get(rule['id'], 0)
        # a rule without a count stays until cleared: what it hit is read from the log below
        consumed[rule['id']] = None if rule['count'] is None else rule['count'] - left
    control.clear_faults()
    delayed = sum(n for r, n in zip(state['rules'], consumed.values()) if r['kind'] == 'delay' and n)
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        calls = control.calls(since=state['since'])
        if sum(1 for c in calls if c.get('fault') == 'delay') >= delayed:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f'emuctl settle: {delayed} delayed request(s) expected, not all answered after {SETTLE_TIMEOUT:g} s')
        time.sleep(0.05)
    _save(state_file, {'rules': [], 'since': control.cursor()})
    return {'cursor': control.cursor(), 'consumed': {str(k): v for k, v in consumed.items()}}


def digest(control):
    """SHA-256 of the state that API calls can change: accounts (roles, policies, keys, secrets) and instances.

    Left out: the call-log cursor, faults and settings (not API state), and temporary credentials, which the
    metadata service mints when an instance asks for them.
    """
    state = control.state()
    instances = [{k: v for k, v in i.items() if k != 'imds_credential'} for i in state['instances']]
    kept = {'accounts': state['accounts'], 'instances': instances}
    return {'cursor': control.cursor(), 'digest': hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()}


def hide(control):
    """Make every role invisible to ECS (a consistency delay of 11 days) until the test sets the delay back."""
    control.set_consistency_delay(1e6)
    return {'cursor': control.cursor()}


def barrier(directory, parties, timeout=120.0):
    """Block until `parties` processes called this with the same directory."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, f'{os.getpid()}.arrived'), 'w', encoding='utf-8'):
        pass
    deadline = time.monotonic() + timeout
    while len([f for f in os.listdir(directory) if f.endswith('.arrived')]) < parties:
        if time.monotonic() > deadline:
            raise SystemExit(f'emuctl barrier: fewer than {parties} arrived in {timeout:g} s')
        time.sleep(0.01)
    return {'parties': parties}


def main(argv):
    command = argv[0]
    if command == 'barrier':
        print(json.dumps(barrier(os.environ['RELIABILITY_BARRIER'], int(argv[1]))))
        return
    state_file = os.environ['RELIABILITY_FAULTS_FILE']
    control = ControlClient(os.environ['RELIABILITY_EMULATOR_URL'])
    if command == 'set':
        out = set_faults(control, state_file, json.loads(argv[1]))
    elif command == 'settle':
        out = settle(control, state_file)
    elif command == 'cursor':
        out = {'cursor': control.cursor()}
    elif command == 'digest':
        out = digest(control)
    elif command == 'hide':
        out = hide(control)
    else:
        raise SystemExit(f'emuctl: unknown command {command}')
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv[1:])
