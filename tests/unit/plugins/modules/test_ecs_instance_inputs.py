# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ecs_instance: inputs that would create a new instance on every run are refused or matched; partial writes reported."""

from __future__ import annotations

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ecs_instances
from ansible_collections.alicloud.instance_ram.plugins.module_utils._client import ClientFactory, is_write, write_record
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import ECS_TRUST_POLICY
from ansible_collections.alicloud.instance_ram.plugins.modules import ecs_instance, ecs_instance_ram_role
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ecs import (
    OTHER,
    ROLE,
    FakeClock,
    FakeEcs,
    FakeRam,
    run_module,
)

CREATE = {'image_id': 'img-1', 'instance_type': 'ecs.g7.large', 'vswitch_id': 'vsw-1', 'security_group_ids': ['sg-1']}


@pytest.fixture(name='clock')
def clock_fixture(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(_ecs_instances, 'time', fake)
    return fake


@pytest.fixture(name='ram')
def ram_fixture():
    return FakeRam({ROLE: ECS_TRUST_POLICY, OTHER: ECS_TRUST_POLICY})


def recording(monkeypatch, ecs):
    """The successful writes of `ecs`, as ApiClient.writes records them, for the factory's report of a failure."""
    done = []
    call = ecs.call

    def recorded(action, params=None, **kw):
        body = call(action, params, **kw)
        if is_write(action):
            done.append(write_record('ecs', action, {k: v for k, v in (params or {}).items() if v is not None}, body or {}))
        return body

    ecs.call = recorded
    monkeypatch.setattr(ClientFactory, 'writes', lambda self: list(done))
    return done


@pytest.mark.parametrize('name', ['', '   '])
def test_an_empty_name_is_refused_before_any_call(capsys, monkeypatch, ram, name):
    ecs = FakeEcs()
    code, out = run_module(ecs_instance.main, capsys, monkeypatch, ecs, ram, name=name, **CREATE)
    assert code == 1 and out['msg'].startswith('name: must not be empty') and ecs.calls == [] and ram.calls == []


@pytest.mark.parametrize('value', [True, None, ['a'], {'a': 'b'}])
def test_a_tag_value_that_is_no_string_is_refused_before_any_call(capsys, monkeypatch, ram, value):
    ecs = FakeEcs()
    code, out = run_module(ecs_instance.main, capsys, monkeypatch, ecs, ram, name='web', tags={'tier': value}, **CREATE)
    assert code == 1 and out['error']['option'] == 'tags' and "tag 'tier'" in out['msg'] and ecs.calls == []


def test_a_number_tag_value_matches_the_instance_the_service_holds(capsys, monkeypatch, ram, clock):
    ecs = FakeEcs()
    ecs.add('i-web1', name='web', tags={'tier': '1'})  # the service holds tag values as text
    code, out = run_module(ecs_instance.main, capsys, monkeypatch, ecs, ram, name='web', tags={'tier': 1}, count=1, **CREATE)
    assert code == 0 and out['changed'] is False and 'RunInstances' not in ecs.calls
    described = [p for a, p, r, t in ecs.log if a == 'DescribeInstances'][0]
    assert described['Tag'] == [{'Key': 'tier', 'Value': '1'}]


def test_created_then_the_wait_fails_reports_changed_and_the_new_ids(capsys, monkeypatch, ram, clock):
    ecs = FakeEcs()
    recording(monkeypatch, ecs)
    original = ecs.DescribeInstances
    reads = []

    def describe(params):
        reads.append(params)
        if len(reads) > 1:
            raise AlicloudApiError('NoPermission', 'denied', status=403, product='ecs', action='DescribeInstances')
        return original(params)

    ecs.DescribeInstances = describe
    code, out = run_module(ecs_instance.main, capsys, monkeypatch, ecs, ram, name='web', count=2, **CREATE)
    assert code == 1 and out['changed'] is True
    assert [r['action'] for r in out['done']] == ['RunInstances']
    created = out['done'][0]['CreatedInstanceIds']
    assert len(created) == 2 and all(iid in out['msg'] for iid in created)


def test_a_failed_batch_after_some_attached_reports_them(capsys, monkeypatch, ram):
    ecs = FakeEcs(vpc=['i-a', 'i-b'])
    done = recording(monkeypatch, ecs)
    ecs.instance_faults[('AttachInstanceRamRole', 'i-b')] = ('Forbidden.RAM', 'denied')
    code, out = run_module(ecs_instance_ram_role.main, capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-a', 'i-b'])
    assert code == 1 and out['changed'] is True and [r['action'] for r in done] == ['AttachInstanceRamRole']
    assert 'before this failure, the run did: AttachInstanceRamRole' in out['msg']


@pytest.mark.parametrize('existing', [[], ['i-web1']])
def test_check_mode_warns_and_predicts_for_a_role_an_earlier_task_creates(capsys, monkeypatch, clock, existing):
    ecs = FakeEcs()
    for iid in existing:
        ecs.add(iid, name='web')
    ram = FakeRam({})
    code, out = run_module(ecs_instance.main, capsys, monkeypatch, ecs, ram, check_mode=True, name='web', count=2,
                           role_name='NewRole', **CREATE)
    assert code == 0, out['msg']
    assert out['changed'] is True and ecs.writes() == []
    assert any('check mode goes on' in str(w) for w in out.get('warnings', [])), out.get('warnings')


@pytest.mark.parametrize('policy, words', [
    ({'Version': '2', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:Decrypt', 'Resource': '*'}]}, 'Version must be "1"'),
    ({'Version': '1', 'Statement': [{'Effect': 'Maybe', 'Action': 'kms:Decrypt', 'Resource': '*'}]}, 'Effect'),
])
def test_an_extra_policy_is_validated_before_any_call_naming_the_option(capsys, monkeypatch, ram, policy, words):
    ecs = FakeEcs(vpc=['i-a', 'i-b'])
    code, out = run_module(ecs_instance_ram_role.main, capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-a', 'i-b'],
                           policy=policy)
    assert code == 1 and out['msg'].startswith('policy: ') and words in out['msg'], out['msg']
    assert ecs.calls == [] and ram.calls == []
