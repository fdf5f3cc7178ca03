# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import uuid

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ecs_instances
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import ECS_TRUST_POLICY
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy
from ansible_collections.alicloud.instance_ram.plugins.modules import ecs_instance, ecs_instance_info
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ecs import (
    OTHER,
    ROLE,
    FakeClock,
    FakeEcs,
    FakeRam,
    run_module,
)

CREATE = {'name': 'web', 'tags': {'app': 'kms'}, 'image_id': 'img-1', 'instance_type': 'ecs.g7.large', 'vswitch_id': 'vsw-1',
          'security_group_ids': ['sg-1']}
PASSWORD = 'Sup3r-Secret-Passw0rd'


@pytest.fixture(name='clock')
def clock_fixture(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(_ecs_instances, 'time', fake)
    return fake


@pytest.fixture(name='ecs')
def ecs_fixture(clock):
    # behind the collection's retry policy, whose waits advance the clock too
    ecs = FakeEcs(policy=RetryPolicy(sleep=clock.sleep, rand=lambda: 1.0))

    def boot(fake):
        # instances created by RunInstances run once some time has passed
        if clock.now > 0:
            for inst in fake.instances.values():
                if inst['status'] == 'Pending':
                    inst['status'] = 'Running'
    ecs.before['DescribeInstances'] = boot
    ecs.before['DeleteInstances'] = boot
    return ecs


@pytest.fixture(name='ram')
def ram_fixture():
    return FakeRam({ROLE: ECS_TRUST_POLICY, OTHER: ECS_TRUST_POLICY})


def run(capsys, monkeypatch, ecs, ram, **args):
    return run_module(ecs_instance.main, capsys, monkeypatch, ecs, ram, **args)


def test_create_check_then_real_then_rerun(capsys, monkeypatch, ecs, ram, clock):
    args = dict(CREATE, count=3, role_name=ROLE, password=PASSWORD)
    code, checked = run(capsys, monkeypatch, ecs, ram, check_mode=True, diff=True, **args)
    assert code == 0 and checked['changed'] is True and ecs.writes() == []
    assert checked['created_instance_ids'] == [] and checked['instances'] == []
    assert checked['diff'] == {'before': {'count': 0, 'instances': {}, 'new_instances': 0, 'new_instances_role': None},
                               'after': {'count': 3, 'instances': {}, 'new_instances': 3, 'new_instances_role': ROLE},
                               'before_header': 'instances named web in cn-hangzhou', 'after_header': 'instances named web in cn-hangzhou'}

    code, done = run(capsys, monkeypatch, ecs, ram, diff=True, **args)
    assert code == 0 and done['changed'] is True and done['diff'] == checked['diff']
    assert done['created_instance_ids'] == ['i-new001', 'i-new002', 'i-new003']
    assert [(i['instance_id'], i['status'], i['ram_role'], i['tags']) for i in done['instances']] == [
        (iid, 'Running', ROLE, {'app': 'kms'}) for iid in done['created_instance_ids']]
    run_call = [p for a, p, r, t in ecs.log if a == 'RunInstances'][0]
    assert run_call['Amount'] == 3 and run_call['RamRoleName'] == ROLE and run_call['InstanceName'] == 'web'
    assert str(uuid.UUID(run_call['ClientToken'])) == run_call['ClientToken']
    assert clock.sleeps == [1.0]
    assert PASSWORD not in json.dumps(done)
    assert ram.calls == ['GetRole', 'GetRole']

    ecs.calls.clear()
    ram.calls.clear()
    code, again = run(capsys, monkeypatch, ecs, ram, **args)
    assert code == 0 and again['changed'] is False and ecs.writes() == []
    assert again['role_summary']['unchanged'] == 3 and len(again['instances']) == 3
    assert ecs.calls == ['DescribeInstances', 'DescribeInstanceRamRole'] and ram.calls == ['GetRole']


def test_existing_matching_instances_get_the_role_through_the_binding_code(capsys, monkeypatch, ecs, ram):
    ecs.add('i-a', name='web', tags={'app': 'kms', 'extra': '1'})
    ecs.add('i-b', name='web', tags={'app': 'kms'}, role=OTHER)
    ecs.add('i-c', name='web', tags={'app': 'other'})
    ecs.add('i-d', name='web2', tags={'app': 'kms'})
    code, out = run(capsys, monkeypatch, ecs, ram, count=3, role_name=ROLE, on_conflict='replace', client_token='tok-1', **CREATE)
    assert code == 0 and out['changed'] is True
    assert [(r['instance_id'], r['action']) for r in out['role_results']] == [('i-a', 'attached'), ('i-b', 'replaced')]
    assert out['created_instance_ids'] == ['i-new001']
    assert {i['instance_id']: i['ram_role'] for i in out['instances']} == {'i-a': ROLE, 'i-b': ROLE, 'i-new001': ROLE}
    assert ecs.instances['i-c']['role'] is None and ecs.instances['i-d']['role'] is None
    assert [p for a, p, r, t in ecs.log if a == 'RunInstances'][0]['ClientToken'] == 'tok-1-2'  # derived from the 2 found
    assert ecs.writes() == ['DetachInstanceRamRole', 'AttachInstanceRamRole', 'RunInstances']


def test_other_role_with_default_on_conflict_fails_after_creating_the_rest(capsys, monkeypatch, ecs, ram):
    ecs.add('i-b', name='web', tags={'app': 'kms'}, role=OTHER)
    code, out = run(capsys, monkeypatch, ecs, ram, count=2, role_name=ROLE, **CREATE)
    assert code == 1 and 'i-b (InstanceRamRole.Conflict)' in out['msg']
    assert out['created_instance_ids'] == ['i-new001'] and out['role_summary']['failed'] == 1


def test_count_down_deletes_surplus_not_running_first_then_newest(capsys, monkeypatch, ecs, ram, clock):
    ecs.add('i-old', name='web', tags={'app': 'kms'}, created='2026-01-01T00:00Z')
    ecs.add('i-mid', name='web', tags={'app': 'kms'}, created='2026-02-01T00:00Z')
    ecs.add('i-new', name='web', tags={'app': 'kms'}, created='2026-03-01T00:00Z')
    ecs.add('i-stop', name='web', tags={'app': 'kms'}, status='Stopped', created='2025-01-01T00:00Z')
    code, checked = run(capsys, monkeypatch, ecs, ram, name='web', tags={'app': 'kms'}, count=2, check_mode=True)
    assert code == 0 and checked['deleted_instance_ids'] == ['i-new', 'i-stop'] and ecs.writes() == []
    code, out = run(capsys, monkeypatch, ecs, ram, name='web', tags={'app': 'kms'}, count=2)
    assert code == 0 and out['changed'] is True and out['deleted_instance_ids'] == ['i-new', 'i-stop']
    assert sorted(ecs.instances) == ['i-mid', 'i-old'] and [i['instance_id'] for i in out['instances']] == ['i-old', 'i-mid']
    assert ram.calls == [] and clock.sleeps == []


def test_absent_deletes_every_match(capsys, monkeypatch, ecs, ram):
    for iid in ('i-1', 'i-2'):
        ecs.add(iid, name='web', tags={'app': 'kms'}, role=ROLE)
    ecs.add('i-3', name='web')
    code, out = run(capsys, monkeypatch, ecs, ram, name='web', tags={'app': 'kms'}, role_name=ROLE, state='absent', diff=True)
    assert code == 0 and out['changed'] is True and out['deleted_instance_ids'] == ['i-1', 'i-2'] and out['instances'] == []
    assert out['diff']['before'] == {'count': 2, 'instances': {'i-1': ROLE, 'i-2': ROLE}, 'new_instances': 0, 'new_instances_role': None}
    assert list(ecs.instances) == ['i-3'] and ram.calls == []
    code, out = run(capsys, monkeypatch, ecs, ram, name='web', tags={'app': 'kms'}, state='absent')
    assert code == 0 and out['changed'] is False


def test_missing_create_options_fail_before_any_write(capsys, monkeypatch, ecs, ram):
    code, out = run(capsys, monkeypatch, ecs, ram, name='web', count=2, image_id='img-1', instance_type='t')
    assert code == 1 and out['error']['option'] == 'vswitch_id' and 'create the 2 missing' in out['msg'] and ecs.writes() == []


def test_unusable_role_creates_nothing(capsys, monkeypatch, ecs, ram):
    code, out = run(capsys, monkeypatch, ecs, ram, count=1, role_name='Missing', **CREATE)
    assert code == 1 and 'does not exist' in out['msg'] and ecs.writes() == []


def test_wait_timeout_names_the_instances(capsys, monkeypatch, ecs, ram):
    ecs.before.clear()  # instances never leave Pending
    code, out = run(capsys, monkeypatch, ecs, ram, count=1, wait_timeout=30, **CREATE)
    assert code == 1 and out['error']['code'] == 'WaitTimeout' and 'i-new001' in out['msg']


def test_no_wait_returns_pending_instances(capsys, monkeypatch, ecs, ram, clock):
    code, out = run(capsys, monkeypatch, ecs, ram, count=2, wait=False, **CREATE)
    assert code == 0 and [i['status'] for i in out['instances']] == ['Pending', 'Pending'] and clock.sleeps == []


def test_count_down_right_after_a_create_deletes_instances_still_initializing(capsys, monkeypatch, ecs, ram, clock):
    # DeleteInstances refuses an instance that is still starting, even with Force: retried within wait_timeout
    code, out = run(capsys, monkeypatch, ecs, ram, count=3, wait=False, **CREATE)
    assert code == 0 and [i['status'] for i in out['instances']] == ['Pending'] * 3
    ecs.calls.clear()
    code, out = run(capsys, monkeypatch, ecs, ram, count=1, wait=False, wait_timeout=120, **CREATE)
    assert code == 0 and out['changed'] is True and len(out['deleted_instance_ids']) == 2 and len(ecs.instances) == 1
    assert ecs.calls.count('DeleteInstances') == 2 and 0 < sum(clock.sleeps) <= 120
    assert [(r, t) for a, p, r, t in ecs.log if a == 'DeleteInstances'][-1] == (('IncorrectInstanceStatus',), 120)


def test_instances_that_never_finish_starting_fail_the_delete_after_wait_timeout(capsys, monkeypatch, ecs, ram, clock):
    ecs.before.clear()  # instances never leave Pending
    for iid in ('i-1', 'i-2'):
        ecs.add(iid, name='web', tags={'app': 'kms'}, status='Starting')
    code, out = run(capsys, monkeypatch, ecs, ram, name='web', tags={'app': 'kms'}, state='absent', wait_timeout=30)
    assert code == 1 and out['error']['code'] == 'IncorrectInstanceStatus.Initializing' and len(ecs.instances) == 2
    assert sum(clock.sleeps) == pytest.approx(30)


def test_absent_of_instances_deleted_meanwhile_is_done(capsys, monkeypatch, ecs, ram):
    for iid in ('i-1', 'i-2'):
        ecs.add(iid, name='web', tags={'app': 'kms'})
    ecs.before['DeleteInstances'] = lambda fake: fake.instances.pop('i-1', None)  # a concurrent run deletes one first
    code, out = run(capsys, monkeypatch, ecs, ram, name='web', tags={'app': 'kms'}, state='absent')
    assert code == 0 and out['deleted_instance_ids'] == ['i-1', 'i-2'] and ecs.instances == {}
    assert ecs.writes() == ['DeleteInstances', 'DeleteInstances']


# ---------------------------------------------------------------- the _info twin

def test_info_filters_and_reads_roles_of_vpc_instances_only(capsys, monkeypatch, ecs):
    ecs.add('i-1', name='web', tags={'app': 'kms'}, role=ROLE)
    ecs.add('c-1', name='web', tags={'app': 'kms'}, network='classic')
    ecs.add('i-2', name='db', tags={'app': 'kms'})
    code, out = run_module(ecs_instance_info.main, capsys, monkeypatch, ecs, name='web', tags={'app': 'kms'})
    assert code == 0 and out['changed'] is False
    assert [(i['instance_id'], i['network_type'], i['ram_role'], i['vpc_id']) for i in out['instances']] == [
        ('i-1', 'vpc', ROLE, 'vpc-1'), ('c-1', 'classic', None, None)]
    assert ecs.calls == ['DescribeInstances', 'DescribeInstanceRamRole']
    ecs.calls.clear()
    code, out = run_module(ecs_instance_info.main, capsys, monkeypatch, ecs, instance_ids=['i-2', 'i-gone', 'i-2'])
    assert [i['instance_id'] for i in out['instances']] == ['i-2']
    assert json.loads([p for a, p, r, t in ecs.log if a == 'DescribeInstances'][-1]['InstanceIds']) == ['i-2', 'i-gone']


@pytest.mark.parametrize('value', [1, 4])
def test_max_concurrency_binds_many_existing_instances_with_the_same_calls(capsys, monkeypatch, ecs, ram, value):
    for n in range(450):
        ecs.add(f'i-{n:03d}', name='web', tags={'app': 'kms'}, role=OTHER if n % 50 == 3 else None)
    code, out = run(capsys, monkeypatch, ecs, ram, count=450, role_name=ROLE, on_conflict='replace', max_concurrency=value, **CREATE)
    assert code == 0 and out['role_summary'] == {'attached': 441, 'detached': 0, 'replaced': 9, 'unchanged': 0, 'skipped': 0,
                                                 'failed': 0, 'total': 450}
    assert [r['instance_id'] for r in out['role_results']] == [f'i-{n:03d}' for n in range(450)]
    assert sorted(ecs.calls) == sorted(['DescribeInstances'] * 5 + ['DescribeInstanceRamRole'] * 9 + ['DetachInstanceRamRole'] * 5
                                       + ['AttachInstanceRamRole'] * 5)
