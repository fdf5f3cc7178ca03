# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults of role bindings that need a scenario of their own: a batch where some instances fail, a replace whose
attach fails after the detach, and a new role that ECS does not see yet.

The promise for instances: each failed instance is named with its code, and with the request id when the
service answered for it; the others are done; an instance that had a role never ends without one.
"""

from __future__ import annotations

import json
import re
import threading

import pytest

from harness import ACCOUNT_ID
from scenario import Phase, emuctl_argv, phase_tasks, play

BIND = 'alicloud.instance_ram.ecs_instance_ram_role'


def failed_instances(msg):
    """{instance id: code} named by the module's failure message ('... failed: i-1 (Code), i-2 (Code)')."""
    return dict(re.findall(r'(i-[0-9a-z-]+) \(([A-Za-z0-9.]+)\)', msg))


def run_phase(h, name, job, rules=()):
    before = {i['instance_id']: i for i in h.control.instances(account_id=ACCOUNT_ID)}
    tasks = phase_tasks(name, job, list(rules), h.auth)
    run = h.run([play(name, tasks)], name.replace(' ', '-'))
    assert run.rc == 0, run.tail()
    return before, Phase(h, run, name, job, list(rules))


def test_a_batch_where_some_instances_fail(h):
    h.create_role('rel-batch')
    h.create_role('rel-other')
    good = h.seed_instances(count=120, prefix='rel-batch-')
    classic = h.seed_instances(count=3, prefix='rel-classic-', network_type='classic')
    holding = h.seed_instances(count=5, prefix='rel-holding-', ram_role_name='rel-other')
    missing = ['i-reliabilitymissing01', 'i-reliabilitymissing02']
    ids = good[:60] + classic + missing + holding + good[60:]
    job = [('bind', BIND, {'role_name': 'rel-batch', 'instance_ids': ids})]
    before, phase = run_phase(h, 'a batch where some instances fail', job)

    first, rerun = phase.first[0], phase.rerun[0]
    wanted = {**dict.fromkeys(classic, 'InvalidNetworkType.MismatchRamRole'), **dict.fromkeys(missing, 'InvalidInstanceId.NotFound'),
              **dict.fromkeys(holding, 'InstanceRamRole.Conflict')}
    for result in (first, rerun):
        assert result['_status'] == 'ignored' and failed_instances(result['msg']) == wanted, result['msg']
        assert {r['instance_id']: r['code'] for r in result['results'] if r['action'] == 'failed'} == wanted
    assert first['summary']['attached'] == 120 and rerun['summary']['unchanged'] == 120
    assert not [c for c in phase.calls if c['seq'] > phase.middle and c['write']], 'the rerun wrote'
    roles = h.instance_roles()
    assert all(roles[i] == 'rel-batch' for i in good) and all(roles[i] == 'rel-other' for i in holding)
    assert not any(roles[i] for i in classic)
    phase.writes_once(before, [('AttachInstanceRamRole', i, 'rel-batch') for i in good], roles)
    h.ledger.add('fault', 'ecs_instance_ram_role: a batch where some instances fail', target='ecs_instance_ram_role',
                 fault='some instances fail (classic, missing, holding another role)', outcome='done for the others; failures named; rerun writes nothing')


# The attach after the detach fails: with an error that is not retried, and with one retried until the attempts are spent.
REPLACE_FAULTS = {
    'a permission error': {'kind': 'error', 'code': 'Forbidden.RAM', 'status': 403, 'count': 1},
    'a 503 that outlasts every retry': {'kind': 'error', 'code': 'ServiceUnavailable', 'retry_after': 50, 'count': 8},
}


@pytest.mark.parametrize('fault', list(REPLACE_FAULTS))
def test_replace_whose_attach_fails_after_the_detach(h, fault):
    p = 'rel-repl-' + fault.split()[1][:4]
    h.create_role(f'{p}-new')
    h.create_role(f'{p}-old')
    held = h.seed_instances(count=60, prefix=f'{p}-h', ram_role_name=f'{p}-old')
    free = h.seed_instances(count=40, prefix=f'{p}-f')
    job = [('bind', BIND, {'role_name': f'{p}-new', 'instance_ids': held + free, 'on_conflict': 'replace'})]
    rules = [{**REPLACE_FAULTS[fault], 'product': 'ECS', 'action': 'AttachInstanceRamRole'}]
    before, phase = run_phase(h, f'replace: the attach fails with {fault}', job, rules)

    first = phase.first[0]
    code = rules[0]['code']
    assert first['_status'] == 'ignored'
    assert failed_instances(first['msg']) == dict.fromkeys(held + free, code), first['msg']
    assert re.search(r'request id(\(s\))? [0-9A-Za-z-]+', first['msg']), f'the failure names no request id: {first["msg"]}'
    rows = {r['instance_id']: r for r in first['results']}
    assert all(rows[i]['role_after'] == f'{p}-old' and 're-attached' in rows[i]['message'] for i in held)
    assert phase.rerun[0]['_status'] == 'ok' and phase.rerun[0]['summary'] == {
        'attached': 40, 'replaced': 60, 'detached': 0, 'unchanged': 0, 'skipped': 0, 'failed': 0, 'total': 100}
    roles = h.instance_roles(held + free)
    assert set(roles.values()) == {f'{p}-new'}
    # the first run: detach old, attach (fails), attach old again; the rerun: detach old, attach new
    expected = ([('DetachInstanceRamRole', i, f'{p}-old') for i in held] * 2 + [('AttachInstanceRamRole', i, f'{p}-old') for i in held]
                + [('AttachInstanceRamRole', i, f'{p}-new') for i in held + free])
    phase.writes_once(before, expected, roles)
    # never without a role: the log replayed call by call, from the state before
    assert_never_without_role(phase.calls, before, held)
    h.ledger.add('fault', f'ecs_instance_ram_role: replace, the attach after the detach fails with {fault}', target='ecs_instance_ram_role',
                 fault=f'attach after detach fails: {fault}', outcome='previous role re-attached; failure named; rerun finished')


def assert_never_without_role(calls, before, held):
    """At the end of the log, each instance in `held` holds a role again (a detach is always followed by an attach)."""
    roles = {i: before[i]['ram_role'] for i in held}
    empty_since = {}
    for call in calls:
        if call['product'] != 'ECS' or call['status'] != 200 or call['action'] not in ('AttachInstanceRamRole', 'DetachInstanceRamRole'):
            continue
        for iid in (x for x in json.loads(call['params']['InstanceIds']) if x in roles):
            if call['action'] == 'DetachInstanceRamRole' and roles[iid]:
                roles[iid] = None
                empty_since[iid] = call['seq']
            elif call['action'] == 'AttachInstanceRamRole' and roles[iid] is None:
                roles[iid] = call['params']['RamRoleName']
                empty_since.pop(iid, None)
    assert not empty_since, f'instances left without a role: {sorted(empty_since)[:5]}'


class ShowRolesWhenRefused(threading.Thread):
    """Each time ECS refuses a role it does not see (InvalidRamRole.NotFound), let it see every role again.

    With emuctl hide right after each CreateRole, the first use of a new role meets the delay for sure, however
    slow the machine, and the module's retry is what gets it through.
    """

    def __init__(self, control):
        super().__init__(daemon=True)
        self.control = control
        self.stop = threading.Event()
        self.refusals = 0

    def run(self):
        seen = self.control.cursor()
        while not self.stop.wait(0.1):
            calls = self.control.calls(since=seen)
            seen = calls[-1]['seq'] if calls else seen
            refused = sum(1 for c in calls if c['code'] == 'InvalidRamRole.NotFound')
            if refused:
                self.refusals += refused
                self.control.set_consistency_delay(0)


def test_a_new_role_that_ecs_does_not_see_yet(h):
    fleet = h.seed_instances(count=30, prefix='rel-cons-')
    job = [('role for new instances', 'alicloud.instance_ram.ram_role', {'name': 'rel-cons-new'}),
           ('hide it', 'ansible.builtin.command', {'argv': emuctl_argv('hide')}),
           ('new instances', 'alicloud.instance_ram.ecs_instance',
            {'name': 'rel-cons-new', 'count': 2, 'role_name': 'rel-cons-new', 'image_id': 'aliyun_3_x64_20G_alibase_20240819.vhd',
             'instance_type': 'ecs.g7.large', 'vswitch_id': 'vsw-reliability', 'client_token': 'rel-cons-new'}),
           ('role', 'alicloud.instance_ram.ram_role', {'name': 'rel-cons', 'policies': ['AliyunKMSCryptoUserAccess']}),
           ('hide it too', 'ansible.builtin.command', {'argv': emuctl_argv('hide')}),
           ('bind', BIND, {'role_name': 'rel-cons', 'instance_ids': fleet})]
    watcher = ShowRolesWhenRefused(h.control)
    watcher.start()
    try:
        before, phase = run_phase(h, 'a new role that ECS does not see yet', job)
    finally:
        watcher.stop.set()
        watcher.join()
    h.control.set_consistency_delay(0)
    assert all(r['_status'] == 'ok' for r in phase.first + phase.rerun), 'a task failed'
    assert not [c for c in phase.calls if c['seq'] > phase.middle and c['write']], 'the rerun wrote'
    assert not [n for (n, module, dummy), r in zip(job, phase.rerun) if module != 'ansible.builtin.command' and r.get('changed')]
    not_yet = [c['action'] for c in phase.calls if c['code'] == 'InvalidRamRole.NotFound']
    assert 'AttachInstanceRamRole' in not_yet and 'RunInstances' in not_yet, f'the delay was not met: {not_yet}'
    roles = h.instance_roles()
    assert all(roles[i] == 'rel-cons' for i in fleet)
    created = [i for i, r in roles.items() if i not in before]
    assert len(created) == 2 and all(roles[i] == 'rel-cons-new' for i in created)
    created_by = [c for c in phase.calls if c['action'] == 'RunInstances' and c['status'] == 200]
    assert len(created_by) == 1, 'RunInstances took effect more than once'
    expected = ([('CreateRole', 'rel-cons'), ('AttachPolicyToRole', 'rel-cons', 'System', 'AliyunKMSCryptoUserAccess'),
                 ('CreateRole', 'rel-cons-new'), ('RunInstances',) + tuple(sorted(created_by[0]['params'].items()))]
                + [('AttachInstanceRamRole', i, 'rel-cons') for i in fleet])
    phase.writes_once(before, expected, {i: roles[i] for i in fleet})
    h.ledger.add('fault', 'ram_role + ecs_instance_ram_role + ecs_instance: a new role invisible to ECS until its first use was refused', target='modules',
                 fault='consistency delay', outcome='converged')
