# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import math

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ecs_binding
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import ECS_TRUST_POLICY
from ansible_collections.alicloud.instance_ram.plugins.modules import ecs_instance_ram_role, ecs_instance_ram_role_info
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ecs import (
    OTHER,
    REGION,
    ROLE,
    FakeEcs,
    FakeRam,
    fleet,
    run_module,
)
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.module import warnings

HEADER = f'RAM roles of instances in {REGION}'
FC_TRUST = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Principal': {'Service': ['fc.aliyuncs.com']}}]}


@pytest.fixture(name='ram')
def ram_fixture():
    return FakeRam({ROLE: ECS_TRUST_POLICY, 'FcRole': FC_TRUST})


def bind(capsys, monkeypatch, ecs, ram, **args):
    return run_module(ecs_instance_ram_role.main, capsys, monkeypatch, ecs, ram, **args)


def issue_fleet():
    """250 ids: 3 classic, 2 missing, 5 holding another role, 240 free VPC instances."""
    vpc = fleet(245)
    classic = ['c-1', 'c-2', 'c-3']
    missing = ['i-gone-1', 'i-gone-2']
    asked = vpc[:120] + classic + missing + vpc[120:]
    return FakeEcs(vpc=vpc, classic=classic, roles=dict.fromkeys(vpc[40:45], OTHER)), asked, vpc[40:45], classic, missing


@pytest.mark.parametrize('on_conflict, other_action, other_after, failed', [
    ('fail', 'failed', OTHER, 10), ('skip', 'skipped', OTHER, 5), ('replace', 'replaced', ROLE, 5),
])
def test_issue_fleet_each_on_conflict(capsys, monkeypatch, ram, on_conflict, other_action, other_after, failed):
    ecs, asked, others, classic, missing = issue_fleet()
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=asked, on_conflict=on_conflict)
    assert code == 1 and out['failed'] is True and out['changed'] is True
    results = {r['instance_id']: r for r in out['results']}
    assert [r['instance_id'] for r in out['results']] == asked
    for iid in classic:
        assert results[iid]['action'] == 'failed' and results[iid]['code'] == 'InvalidNetworkType.MismatchRamRole'
    for iid in missing:
        assert results[iid]['action'] == 'failed' and results[iid]['code'] == 'InvalidInstanceId.NotFound'
    for iid in others:
        assert (results[iid]['action'], results[iid]['role_before'], results[iid]['role_after']) == (other_action, OTHER, other_after)
    assert out['summary'] == {'attached': 240, 'detached': 0, 'replaced': 5 if on_conflict == 'replace' else 0, 'unchanged': 0,
                              'skipped': 5 if on_conflict == 'skip' else 0, 'failed': failed, 'total': 250}
    assert out['msg'].startswith(f'{failed} of 250 instance(s) failed: ')
    for iid in classic + missing + (others if on_conflict == 'fail' else []):
        assert f'{iid} (' in out['msg']
    assert ram.calls == ['GetRole']
    assert ecs.calls.count('AttachInstanceRamRole') == 3
    # reads: 3 chunks (5 clean pages) + the chunk with the bad ids fails once and needs one DescribeInstances
    assert ecs.calls.count('DescribeInstanceRamRole') == 6 and ecs.calls.count('DescribeInstances') == 1


def test_check_mode_then_real_then_rerun(capsys, monkeypatch, ram):
    ids = fleet(130)
    ecs = FakeEcs(vpc=ids, roles={ids[3]: ROLE})
    code, checked = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=ids, check_mode=True, diff=True)
    assert code == 0 and checked['changed'] is True and ecs.writes() == []
    assert checked['summary']['attached'] == 129 and checked['summary']['unchanged'] == 1
    assert ids[3] not in checked['diff']['before'] and checked['diff']['after'][ids[0]] == ROLE and checked['diff']['before'][ids[0]] is None
    ecs.calls.clear()
    code, done = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=ids, diff=True)
    assert code == 0 and {k: done[k] for k in ('changed', 'results', 'summary', 'diff')} == \
        {k: checked[k] for k in ('changed', 'results', 'summary', 'diff')}
    assert ecs.writes() == ['AttachInstanceRamRole'] * 2
    ecs.calls.clear()
    ram.calls.clear()
    code, again = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=ids + ids[:5], diff=True)
    assert code == 0 and again['changed'] is False and again['summary']['unchanged'] == 130
    assert again['diff'] == {'before': {}, 'after': {}, 'before_header': HEADER, 'after_header': HEADER}
    assert len(ram.calls) + len(ecs.calls) == 1 + math.ceil(130 / 50) and ecs.writes() == []


def test_role_that_does_not_trust_ecs_fails_before_any_ecs_call(capsys, monkeypatch, ram):
    ecs = FakeEcs(vpc=['i-1'])
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name='FcRole', instance_ids=['i-1'])
    assert code == 1 and 'does not trust ecs.aliyuncs.com' in out['msg'] and '"ecs.aliyuncs.com"' in out['msg']
    assert out['error'] == {'option': 'role_name', 'rule': out['msg'][len('role_name: '):]}
    assert ecs.calls == []


def test_missing_role_fails_but_check_mode_warns_and_predicts(capsys, monkeypatch, ram):
    ecs = FakeEcs(vpc=['i-1'])
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name='NewRole', instance_ids=['i-1'])
    assert code == 1 and "RAM role 'NewRole' does not exist" in out['msg'] and ecs.calls == []
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name='NewRole', instance_ids=['i-1'], check_mode=True)
    assert code == 0 and out['changed'] is True and out['results'][0]['action'] == 'attached'
    assert 'does not exist' in json.dumps(out['warnings'])


def test_extra_policy_is_validated_and_sent_compact(capsys, monkeypatch, ram):
    ecs = FakeEcs(vpc=['i-1'])
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-1'], policy='{"Version": "1"}')
    assert code == 1 and out['msg'].startswith('policy: ') and ram.calls == []
    policy = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': ['kms:Decrypt'], 'Resource': ['*']}]}
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-1'], policy=policy)
    assert code == 0
    sent = [p for a, p, r, t in ecs.log if a == 'AttachInstanceRamRole'][0]
    assert json.loads(sent['Policy']) == policy and ' ' not in sent['Policy']
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-1'],
                     policy={'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': ['kms:Decrypt'], 'Resource': ['x' * 1100]}]})
    assert code == 1 and 'at most 1024 characters' in out['msg']


def test_absent_without_ids_detaches_every_holder(capsys, monkeypatch, ram):
    ids = fleet(60)
    ecs = FakeEcs(vpc=ids, roles={**dict.fromkeys(ids[:55], ROLE), ids[55]: OTHER})
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, state='absent', diff=True)
    assert code == 0 and out['changed'] is True and out['summary']['detached'] == 55 and out['summary']['total'] == 55
    assert ram.calls == [] and ecs.calls == ['DescribeInstanceRamRole', 'DescribeInstanceRamRole', 'DetachInstanceRamRole']
    assert out['diff']['after'] == dict.fromkeys(ids[:55])
    ecs.calls.clear()
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, state='absent')
    assert code == 0 and out['changed'] is False and out['results'] == [] and ecs.calls == ['DescribeInstanceRamRole']


def test_absent_with_ids_and_no_role_detaches_whatever_they_hold(capsys, monkeypatch, ram):
    ecs = FakeEcs(vpc=['i-1', 'i-2', 'i-3'], roles={'i-1': ROLE, 'i-2': OTHER})
    code, out = bind(capsys, monkeypatch, ecs, ram, instance_ids=['i-1', 'i-2', 'i-3'], state='absent')
    assert code == 0 and [r['action'] for r in out['results']] == ['detached', 'detached', 'unchanged']
    assert out['role_name'] is None and all(v['role'] is None for v in ecs.instances.values())


@pytest.mark.parametrize('args, missing', [
    ({'instance_ids': ['i-1']}, 'role_name'),
    ({'role_name': ROLE}, 'instance_ids'),
    ({'state': 'absent'}, 'role_name, instance_ids'),
])
def test_required_options(capsys, monkeypatch, ram, args, missing):
    code, out = bind(capsys, monkeypatch, FakeEcs(), ram, **args)
    assert code == 1 and missing in out['msg']


def test_region_is_required(capsys, monkeypatch, ram):
    for name in ('ALIBABA_CLOUD_REGION_ID', 'ALICLOUD_REGION_ID', 'ALICLOUD_REGION'):
        monkeypatch.delenv(name, raising=False)
    code, out = bind(capsys, monkeypatch, FakeEcs(), ram, role_name=ROLE, instance_ids=['i-1'], region_id=None)
    assert code == 1 and out['error']['option'] == 'region_id'


def test_whole_call_read_error_fails_with_the_api_code(capsys, monkeypatch, ram):
    ecs = FakeEcs(vpc=['i-1'])
    denied = AlicloudApiError('Forbidden.RAM', 'not allowed', status=403, request_id='R-1', product='ecs', action='DescribeInstanceRamRole')
    ecs.faults['DescribeInstanceRamRole'] = [denied]
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-1'])
    assert code == 1 and out['error']['code'] == 'Forbidden.RAM' and 'R-1' in out['msg']


# ---------------------------------------------------------------- the _info twin

def info(capsys, monkeypatch, ecs, **args):
    return run_module(ecs_instance_ram_role_info.main, capsys, monkeypatch, ecs, **args)


def test_info_by_ids_reports_unreadable_ones(capsys, monkeypatch):
    ids = fleet(120)
    ecs = FakeEcs(vpc=ids, classic=['c-1'], roles={ids[0]: ROLE, ids[1]: OTHER})
    code, out = info(capsys, monkeypatch, ecs, instance_ids=[ids[0], 'c-1', 'i-gone', *ids[1:]], check_mode=True)
    assert code == 0 and out['changed'] is False
    found = out['instance_ram_roles']
    assert found[0] == {'instance_id': ids[0], 'role_name': ROLE, 'code': None, 'message': None}
    assert (found[1]['code'], found[2]['code']) == ('InvalidNetworkType.MismatchRamRole', 'InvalidInstanceId.NotFound')
    assert found[3]['role_name'] == OTHER and found[4]['role_name'] is None and len(found) == 122
    assert ecs.writes() == []


def test_info_filters_by_role(capsys, monkeypatch):
    ids = fleet(80)
    ecs = FakeEcs(vpc=ids, roles={**dict.fromkeys(ids[:70], ROLE), ids[70]: OTHER})
    code, out = info(capsys, monkeypatch, ecs, role_name=ROLE)
    assert code == 0 and [f['instance_id'] for f in out['instance_ram_roles']] == ids[:70]
    assert ecs.calls == ['DescribeInstanceRamRole'] * 2
    code, out = info(capsys, monkeypatch, ecs, role_name=OTHER, instance_ids=ids[65:75])
    assert [f['instance_id'] for f in out['instance_ram_roles']] == [ids[70]]


# ---------------------------------------------------------------- what the real service answers (reference section 0b)

def test_absent_without_ids_of_a_role_ecs_does_not_know_changes_nothing(capsys, monkeypatch, ram):
    # DescribeInstanceRamRole by an unknown RamRoleName answers InvalidRamRole.NotFound: no instance holds it
    ecs = FakeEcs(vpc=['i-1'], roles={'i-1': OTHER})
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name='DeletedRole', state='absent')
    assert code == 0 and out['changed'] is False and out['results'] == [] and ecs.calls == ['DescribeInstanceRamRole']


def test_absent_detaches_a_role_that_ecs_reports_in_another_case(capsys, monkeypatch, ram):
    ecs = FakeEcs(vpc=['i-1', 'i-2'], roles={'i-1': ROLE.lower(), 'i-2': OTHER}, ecs_roles=(ROLE.lower(), OTHER))
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-1', 'i-2'], state='absent')
    assert code == 0 and [r['action'] for r in out['results']] == ['detached', 'unchanged']
    assert ecs.instances['i-1']['role'] is None and ecs.instances['i-2']['role'] == OTHER
    ecs.instances['i-2']['role'] = ROLE.lower()
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-2'])  # on_conflict=fail: the same role
    assert code == 0 and out['changed'] is False and out['results'][0]['action'] == 'unchanged'


def test_failed_replace_warns_that_the_extra_policy_is_not_restored(capsys, monkeypatch, ram):
    ecs = FakeEcs(vpc=['i-1'], roles={'i-1': OTHER})
    ecs.instance_faults[('AttachInstanceRamRole', 'i-1')] = ('InvalidUser.PassRoleForbidden', 'no PassRole')
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-1'], on_conflict='replace')
    assert code == 1 and out['results'][0]['role_after'] == OTHER and ecs.instances['i-1']['role'] == OTHER
    assert 'without the extra policy' in out['results'][0]['message']
    assert [w for w in warnings(out) if '(i-1)' in w and 'extra policy' in w and 'cannot be restored' in w]


def test_info_of_a_role_ecs_does_not_know_is_empty(capsys, monkeypatch):
    ecs = FakeEcs(vpc=['i-1'], roles={'i-1': OTHER})
    code, out = info(capsys, monkeypatch, ecs, role_name='DeletedRole')
    assert code == 0 and out['instance_ram_roles'] == []


def test_info_filters_by_role_without_regard_to_case(capsys, monkeypatch):
    ecs = FakeEcs(vpc=['i-1', 'i-2'], roles={'i-1': ROLE.lower(), 'i-2': OTHER}, ecs_roles=(ROLE.lower(), OTHER), fold_case=True)
    code, out = info(capsys, monkeypatch, ecs, role_name=ROLE, instance_ids=['i-1', 'i-2'])
    assert [f['instance_id'] for f in out['instance_ram_roles']] == ['i-1']
    code, out = info(capsys, monkeypatch, ecs, role_name=ROLE)
    assert [f['instance_id'] for f in out['instance_ram_roles']] == ['i-1']


@pytest.mark.parametrize('limit', [50, 100])
def test_a_fleet_of_250_is_read_50_ids_a_call_whatever_the_limit(capsys, monkeypatch, ram, limit):
    ids = fleet(250)
    ecs = FakeEcs(vpc=ids, describe_limit=limit)
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=ids)
    assert code == 0 and out['summary']['attached'] == 250
    assert ecs.calls == ['DescribeInstanceRamRole'] * 5 + ['AttachInstanceRamRole'] * 3


def test_check_role_false_skips_the_ram_read_and_labels_name_the_hosts_in_the_diff(capsys, monkeypatch, ram):
    ids = fleet(3)
    ecs = FakeEcs(vpc=ids, roles={ids[2]: ROLE})
    labels = {ids[0]: 'web-1', ids[2]: 'web-3'}
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=ids, check_role=False, labels=labels, diff=True)
    assert code == 0 and ram.calls == []
    assert out['diff'] == {'before': {f'{ids[0]} (web-1)': None, ids[1]: None},
                           'after': {f'{ids[0]} (web-1)': ROLE, ids[1]: ROLE}, 'before_header': HEADER, 'after_header': HEADER}
    # the results keep the bare ids
    assert [r['instance_id'] for r in out['results']] == ids


# ---------------------------------------------------------------- max_concurrency (issue 17)

@pytest.mark.parametrize('on_conflict', ['fail', 'replace'])
def test_max_concurrency_gives_the_sequential_result_and_calls(capsys, monkeypatch, ram, on_conflict):
    outs, calls = [], []
    for value in (1, 8):
        ecs, asked, dummy, dummy2, dummy3 = issue_fleet()
        code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=asked, on_conflict=on_conflict, max_concurrency=value)
        assert code == 1 and out.pop('invocation')['module_args']['max_concurrency'] == value
        outs.append(out)
        calls.append(sorted(ecs.calls))
    assert outs[0] == outs[1] and calls[0] == calls[1]


@pytest.mark.parametrize('value', [0, 33])
def test_max_concurrency_out_of_range_fails_before_any_call(capsys, monkeypatch, ram, value):
    ecs = FakeEcs(vpc=['i-1'])
    code, out = bind(capsys, monkeypatch, ecs, ram, role_name=ROLE, instance_ids=['i-1'], max_concurrency=value)
    assert code == 1 and out['msg'].startswith('max_concurrency: must be between 1 and 32') and ecs.calls == [] and ram.calls == []


def test_info_max_concurrency_gives_the_sequential_answer(capsys, monkeypatch):
    answers = []
    for value in (1, 4):
        ids = fleet(420)
        ecs = FakeEcs(vpc=ids, classic=['c-1'], roles={i: OTHER for i in ids[::9]})
        code, out = info(capsys, monkeypatch, ecs, instance_ids=[*ids[:200], 'c-1', 'i-gone', *ids[200:]], max_concurrency=value)
        assert code == 0
        answers.append((out['instance_ram_roles'], sorted(ecs.calls)))
    assert answers[0] == answers[1] and len(answers[0][0]) == 422


def test_binding_diff_shows_only_the_changes_labelled_by_host():
    outcome = _ecs_binding.outcome
    results = [outcome('i-1', None, ROLE, 'attached'), outcome('i-2', ROLE, ROLE, 'unchanged'),
               outcome('i-3', None, None, 'failed', 'InvalidNetworkType.MismatchRamRole', 'classic'),
               # a failed replace that could not put the old role back: the instance lost its role
               outcome('i-4', OTHER, None, 'failed', 'Boom', 'lost its role'), outcome('i-5', OTHER, ROLE, 'replaced')]
    diff = ecs_instance_ram_role.binding_diff(results, REGION, {'i-4': 'web-4', 'i-2': 'web-2'}).as_dict()
    assert diff == {'before': {'i-1': None, 'i-4 (web-4)': OTHER, 'i-5': OTHER}, 'after': {'i-1': ROLE, 'i-4 (web-4)': None, 'i-5': ROLE},
                    'before_header': HEADER, 'after_header': HEADER}
    assert ecs_instance_ram_role.binding_diff(results[1:3], REGION).as_dict()['before'] == {}
