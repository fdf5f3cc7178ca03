# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ram
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import ECS_TRUST_POLICY
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ram import check_document
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy
from ansible_collections.alicloud.instance_ram.plugins.modules import ram_role
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.module import warnings
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ram import FakeCloud, install, run_module

ECS_TEXT = json.dumps(ECS_TRUST_POLICY)
# the ECS trust policy written differently: scalar vs list, key order, Version as a number, a Sid
ECS_REWRITTEN = {'Version': 1, 'Statement': [{'Sid': 'ecs', 'Principal': {'Service': 'ecs.aliyuncs.com'},
                                              'Effect': 'Allow', 'Action': ['sts:AssumeRole']}]}
RAM_TRUST = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow',
                                            'Principal': {'RAM': ['acs:ram::1234567890123456:user/ci']}}]}
CURRENT = _ram.normalize_role({'RoleName': 'r', 'AssumeRolePolicyDocument': ECS_TEXT, 'Description': 'old', 'MaxSessionDuration': 7200})


@pytest.fixture(name='cloud')
def cloud_fixture(monkeypatch):
    return install(monkeypatch)


def run(capsys, check_mode=False, **args):
    return run_module(ram_role.main, capsys, check_mode=check_mode, **args)


# ---------------------------------------------------------------- plan (pure)

@pytest.mark.parametrize('trust, description, duration, expected', [
    (None, None, None, {}),
    (ECS_REWRITTEN, 'old', 7200, {}),
    (None, 'new', None, {'NewDescription': 'new', 'NewMaxSessionDuration': 7200}),
    (None, None, 3600, {'NewMaxSessionDuration': 3600}),
    (RAM_TRUST, None, None, {'NewAssumeRolePolicyDocument': json.dumps(RAM_TRUST, separators=(',', ':')), 'NewMaxSessionDuration': 7200}),
    (RAM_TRUST, 'new', 43200, {'NewAssumeRolePolicyDocument': json.dumps(RAM_TRUST, separators=(',', ':')),
                               'NewDescription': 'new', 'NewMaxSessionDuration': 43200}),
])
def test_role_updates_send_only_changes_and_always_the_duration(trust, description, duration, expected):
    # the plan is the module's (snake_case changes), the request _ram.update_role's: together they send exactly this
    document = check_document(trust, 'assume_role_policy_document', trust=True) if trust else None
    updates = ram_role.role_updates(CURRENT, document, description, duration)
    assert bool(updates) is bool(expected)
    fake = FakeCloud()
    fake.add_role('r', ECS_TRUST_POLICY, description='old', duration=7200)
    if updates:
        after = _ram.update_role(fake.client('ram'), CURRENT, **updates)
        assert fake.call_of('UpdateRole')[2] == {'RoleName': 'r', **expected}
        assert after == _ram.normalize_role(fake.roles['r'])
        # the check-mode prediction of what the service then holds
        managed = ('assume_role_policy_document', 'description', 'max_session_duration')
        predicted = _ram.updated_role(CURRENT, **updates)
        assert {k: predicted[k] for k in managed} == {k: after[k] for k in managed}
    assert fake.writes() == (['UpdateRole'] if expected else [])


S_KMS = {'name': 'AliyunKMSFullAccess', 'type': 'System'}
C_APP = {'name': 'app', 'type': 'Custom'}


@pytest.mark.parametrize('attached, wanted, purge, expected', [
    ([S_KMS], None, True, ([], [])),
    ([S_KMS], [S_KMS], True, ([], [])),
    ([], [S_KMS, C_APP], False, ([S_KMS, C_APP], [])),
    ([S_KMS], [C_APP], False, ([C_APP], [])),
    ([S_KMS], [C_APP], True, ([C_APP], [S_KMS])),
    ([S_KMS, C_APP], [], True, ([], [S_KMS, C_APP])),
])
def test_policy_changes(attached, wanted, purge, expected):
    assert ram_role.policy_changes(attached, wanted, purge) == expected


def test_diff_view_shows_the_trust_policy_normalised():
    role = {'role_name': 'r', 'assume_role_policy_document': ECS_REWRITTEN, 'description': '', 'max_session_duration': 3600}
    view = ram_role.diff_view(role)
    assert view['assume_role_policy_document'] == {'Version': '1', 'Statement': [
        {'Action': ['sts:AssumeRole'], 'Effect': 'Allow', 'Principal': {'Service': ['ecs.aliyuncs.com']}}]}
    assert view['policies'] == [] and ram_role.diff_view(None) == {}


# ---------------------------------------------------------------- create

def test_create_check_mode_then_real_predict_the_same(cloud, capsys):
    args = {'name': 'EcsRamRoleTest', 'description': 'kms access', 'policies': ['AliyunKMSFullAccess']}
    code, checked = run(capsys, check_mode=True, diff=True, **args)
    assert code == 0 and checked['changed'] is True
    assert cloud.actions() == ['GetRole', 'GetPolicy'] and cloud.writes() == []
    assert checked['role']['role_id'] is None and checked['role']['policies'] == [S_KMS]
    assert checked['created'] is True

    cloud.calls.clear()
    code, real = run(capsys, diff=True, **args)
    assert code == 0 and real['changed'] is True and real['created'] is True
    # the call budget of a first creation with one policy: 4 calls, no ListPoliciesForRole on the new role
    assert cloud.actions() == ['GetRole', 'GetPolicy', 'CreateRole', 'AttachPolicyToRole']
    assert cloud.call_of('GetPolicy')[2] == {'PolicyType': 'System', 'PolicyName': 'AliyunKMSFullAccess'}
    assert cloud.call_of('CreateRole')[2] == {'RoleName': 'EcsRamRoleTest', 'AssumeRolePolicyDocument': json.dumps(ECS_TRUST_POLICY, separators=(',', ':')),
                                              'Description': 'kms access'}
    # a write right after CreateRole waits for RAM to see the role
    assert cloud.call_of('AttachPolicyToRole')[3:] == (('EntityNotExist.Role',), 120)
    assert real['diff'] == checked['diff'] and real['diff']['before'] == {}
    assert real['diff']['after'] == {'role_name': 'EcsRamRoleTest', 'assume_role_policy_document': ECS_TRUST_POLICY | {'Statement': [
        {'Action': ['sts:AssumeRole'], 'Effect': 'Allow', 'Principal': {'Service': ['ecs.aliyuncs.com']}}]},
        'description': 'kms access', 'max_session_duration': 3600, 'policies': [S_KMS]}
    service_fields = ('role_id', 'arn', 'create_date', 'update_date')
    assert {k: v for k, v in real['role'].items() if k not in service_fields} == {k: v for k, v in checked['role'].items() if k not in service_fields}
    assert real['role']['arn'] == 'acs:ram::1234567890123456:role/EcsRamRoleTest'
    assert cloud.attached['EcsRamRoleTest'] == [('System', 'AliyunKMSFullAccess')]


def test_create_with_custom_policy_by_name_stays_within_five_calls(cloud, capsys):
    cloud.add_policy('app-secrets', {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:GetSecretValue', 'Resource': '*'}]})
    code, out = run(capsys, name='app', policies=['app-secrets'])
    assert code == 0 and out['role']['policies'] == [{'name': 'app-secrets', 'type': 'Custom'}]
    assert cloud.actions() == ['GetRole', 'GetPolicy', 'GetPolicy', 'CreateRole', 'AttachPolicyToRole']


def test_create_without_policy_waits_for_the_role(cloud, capsys):
    code, out = run(capsys, name='bare', max_session_duration=7200, wait_timeout=30)
    assert code == 0 and out['role']['max_session_duration'] == 7200 and out['role']['policies'] == []
    assert cloud.actions() == ['GetRole', 'CreateRole', 'GetRole']
    assert cloud.calls[-1][3:] == (('EntityNotExist.Role',), 30)
    cloud.calls.clear()
    run(capsys, name='bare2', wait=False)
    assert cloud.actions() == ['GetRole', 'CreateRole']


def test_concurrent_creation_is_converged_not_failed(cloud, capsys):
    cloud.add_role('race', description='theirs')
    cloud.fail('GetRole', 'EntityNotExist.Role')  # our first read misses the role the other run is creating
    code, out = run(capsys, name='race', description='ours', policies=['System/AliyunKMSFullAccess'])
    # the other run created it: this one updated it
    assert code == 0 and out['changed'] is True and out['created'] is False
    assert cloud.actions() == ['GetRole', 'GetPolicy', 'CreateRole',
                               'GetRole', 'ListPoliciesForRole', 'GetPolicy', 'UpdateRole', 'AttachPolicyToRole']
    assert cloud.roles['race']['Description'] == 'ours' and cloud.attached['race'] == [('System', 'AliyunKMSFullAccess')]


# ---------------------------------------------------------------- idempotence and updates

def seed(cloud, **kw):
    kw.setdefault('policies', ['System/AliyunKMSFullAccess'])
    return cloud.add_role('r', description='old', duration=7200, **kw)


def test_noop_rerun_is_two_reads(cloud, capsys):
    seed(cloud)
    code, out = run(capsys, diff=True, name='r', assume_role_policy_document=ECS_REWRITTEN, description='old', max_session_duration=7200,
                    policies=['AliyunKMSFullAccess'])
    assert code == 0 and out['changed'] is False and out['created'] is False
    assert cloud.actions() == ['GetRole', 'ListPoliciesForRole']
    assert out['diff']['before'] == out['diff']['after']
    assert out['role']['assume_role_policy_document'] == ECS_TRUST_POLICY
    assert out['role']['policies'] == [S_KMS] and out['role']['max_session_duration'] == 7200


def test_trust_policy_as_json_text_is_the_same(cloud, capsys):
    seed(cloud)
    code, out = run(capsys, name='r', trust_policy=json.dumps(ECS_REWRITTEN, indent=4))
    assert code == 0 and out['changed'] is False and cloud.writes() == []


def test_description_update_keeps_the_duration(cloud, capsys):
    seed(cloud)
    code, checked = run(capsys, check_mode=True, diff=True, name='r', description='new')
    assert code == 0 and checked['changed'] is True and cloud.writes() == []
    code, real = run(capsys, diff=True, name='r', description='new')
    assert checked['created'] is real['created'] is False
    assert cloud.call_of('UpdateRole')[2] == {'RoleName': 'r', 'NewDescription': 'new', 'NewMaxSessionDuration': 7200}
    assert cloud.roles['r']['MaxSessionDuration'] == 7200 and cloud.roles['r']['Description'] == 'new'
    assert real['diff'] == checked['diff']
    assert real['diff']['before']['description'] == 'old' and real['diff']['after']['description'] == 'new'
    assert real['diff']['after']['max_session_duration'] == 7200
    assert real['role'] == checked['role'] | {'update_date': real['role']['update_date']}


def test_trust_policy_update(cloud, capsys):
    seed(cloud)
    code, out = run(capsys, diff=True, name='r', assume_role_policy_document=RAM_TRUST)
    assert code == 0 and out['changed'] is True
    assert set(cloud.call_of('UpdateRole')[2]) == {'RoleName', 'NewAssumeRolePolicyDocument', 'NewMaxSessionDuration'}
    assert out['role']['assume_role_policy_document'] == RAM_TRUST
    assert out['diff']['after']['assume_role_policy_document']['Statement'][0]['Principal'] == {'RAM': ['acs:ram::1234567890123456:user/ci']}


def test_policies_added_without_purge_keep_the_others(cloud, capsys):
    cloud.add_policy('app', {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'oss:GetObject', 'Resource': '*'}]})
    seed(cloud)
    code, out = run(capsys, diff=True, name='r', policies=['Custom/app'])
    assert code == 0 and out['changed'] is True
    assert cloud.actions() == ['GetRole', 'ListPoliciesForRole', 'GetPolicy', 'AttachPolicyToRole']
    assert out['role']['policies'] == [S_KMS, C_APP]
    assert out['diff']['before']['policies'] == [S_KMS] and out['diff']['after']['policies'] == [S_KMS, C_APP]


def test_purge_policies_detaches_the_unlisted(cloud, capsys):
    seed(cloud, policies=['System/AliyunKMSFullAccess', 'System/AliyunECSReadOnlyAccess'])
    code, out = run(capsys, name='r', policies=[{'name': 'AliyunKMSFullAccess', 'type': 'system'}], purge_policies=True)
    assert code == 0 and out['changed'] is True
    assert cloud.writes() == ['DetachPolicyFromRole'] and 'GetPolicy' not in cloud.actions()
    assert cloud.attached['r'] == [('System', 'AliyunKMSFullAccess')] and out['role']['policies'] == [S_KMS]


def test_races_on_attachments_count_as_done(cloud, capsys):
    seed(cloud, policies=['System/AliyunECSReadOnlyAccess'])
    cloud.fail('AttachPolicyToRole', 'EntityAlreadyExists.Role.Policy')
    cloud.fail('DetachPolicyFromRole', 'EntityNotExist.Role.Policy')
    code, out = run(capsys, name='r', policies=['AliyunKMSFullAccess'], purge_policies=True)
    assert code == 0 and out['changed'] is True and out['role']['policies'] == [S_KMS]


def test_broad_trust_policy_warns(cloud, capsys):
    seed(cloud)
    anyone = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'RAM': ['*']}}]}
    code, out = run(capsys, name='r', assume_role_policy_document=anyone)
    assert code == 0 and any('any principal' in w for w in warnings(out))


# ---------------------------------------------------------------- bad input: nothing sent

@pytest.mark.parametrize('args, option, rule', [
    ({'name': 'bad name!'}, 'name', 'InvalidParameter.RoleName.InvalidChars'),
    ({'name': 'r' * 65}, 'name', 'InvalidParameter.RoleName.Length'),
    ({'name': 'r', 'max_session_duration': 3599}, 'max_session_duration', 'between 3600 and 43200'),
    ({'name': 'r', 'max_session_duration': 43201}, 'max_session_duration', 'InvalidParameter.MaxSessionDuration'),
    ({'name': 'r', 'assume_role_policy_document': '{"Version": "1", "Statement": ['}, 'assume_role_policy_document', 'malformed JSON'),
    ({'name': 'r', 'assume_role_policy_document': {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole'}]}},
     'assume_role_policy_document', 'needs a Principal'),
    ({'name': 'r', 'description': 'x' * 1025}, 'description', 'InvalidParameter.Description.Length'),
    ({'name': 'r', 'policies': ['Managed/x']}, 'policies', 'System or Custom'),
    ({'name': 'r', 'policies': ['bad_name']}, 'policies', 'InvalidParameter.PolicyName.InvalidChars'),
])
def test_bad_input_fails_before_any_call(cloud, capsys, args, option, rule):
    code, out = run(capsys, **args)
    assert code == 1 and out['error']['option'] == option and rule in out['msg']
    assert cloud.calls == []


@pytest.mark.parametrize('existing', [False, True])
def test_unknown_policy_fails_before_any_write(cloud, capsys, existing):
    if existing:
        seed(cloud)
    code, out = run(capsys, name='r', description='new', policies=['AliyunKMSFullAccess', 'no-such-policy'])
    assert code == 1 and out['error']['option'] == 'policies'
    assert 'no-such-policy' in out['msg'] and 'EntityNotExist.Policy' in out['msg']
    assert cloud.writes() == [] and ('r' in cloud.roles) is existing


@pytest.mark.parametrize('existing', [False, True])
def test_check_mode_predicts_a_policy_an_earlier_task_creates(cloud, capsys, existing):
    # a playbook checked as a whole: ram_policy (check mode) would create it, then ram_role lists it
    if existing:
        seed(cloud)
    args = {'name': 'r', 'policies': ['AliyunKMSFullAccess', 'Custom/app-secrets']}
    code, out = run(capsys, check_mode=True, **args)
    assert code == 0 and out['changed'] is True and cloud.writes() == []
    assert {'name': 'app-secrets', 'type': 'Custom'} in out['role']['policies']
    assert any('app-secrets does not exist' in w and 'check mode goes on' in w for w in warnings(out))
    # a real run without that earlier task still fails before any write
    code, out = run(capsys, **args)
    assert code == 1 and out['error']['option'] == 'policies' and cloud.writes() == []


def test_api_error_names_code_and_request_id(cloud, capsys):
    cloud.fail('CreateRole', 'LimitExceeded.Role')
    code, out = run(capsys, name='r')
    assert code == 1 and out['error']['code'] == 'LimitExceeded.Role' and 'R-fault' in out['msg']


# ---------------------------------------------------------------- absent

def test_absent_detaches_then_deletes(cloud, capsys):
    seed(cloud, policies=['System/AliyunKMSFullAccess', 'System/AliyunECSReadOnlyAccess'])
    code, checked = run(capsys, check_mode=True, diff=True, name='r', state='absent')
    assert code == 0 and checked['changed'] is True and cloud.writes() == []
    code, real = run(capsys, diff=True, name='r', state='absent')
    assert code == 0 and real['changed'] is True and 'r' not in cloud.roles
    assert cloud.writes() == ['DetachPolicyFromRole', 'DetachPolicyFromRole', 'DeleteRole']
    assert real['diff'] == checked['diff'] and real['diff']['after'] == {} and 'role' not in real and real['created'] is False
    assert real['diff']['before']['policies'] == [{'name': 'AliyunECSReadOnlyAccess', 'type': 'System'}, S_KMS]
    cloud.calls.clear()
    code, again = run(capsys, name='r', state='absent')
    assert code == 0 and again['changed'] is False and cloud.actions() == ['GetRole']


def test_absent_refuses_while_instances_use_the_role(cloud, capsys):
    seed(cloud)
    cloud.bindings = {'i-2': 'r', 'i-1': 'r', 'i-3': 'other'}
    code, out = run(capsys, name='r', state='absent')
    assert code == 1 and out['instance_ids'] == ['i-1', 'i-2'] and 'i-1, i-2' in out['msg'] and 'cn-hangzhou' in out['msg']
    assert cloud.writes() == [] and cloud.actions('ecs') == ['DescribeInstanceRamRole']
    code, out = run(capsys, name='r', state='absent', force=True)
    assert code == 0 and out['changed'] is True and 'r' not in cloud.roles
    assert any('i-1, i-2' in w for w in warnings(out))


def test_absent_needs_a_region_unless_forced(cloud, capsys):
    seed(cloud)
    code, out = run(capsys, name='r', state='absent', region_id=None)
    assert code == 1 and out['error']['option'] == 'region_id' and cloud.writes() == []
    code, out = run(capsys, name='r', state='absent', region_id=None, force=True)
    assert code == 0 and out['changed'] is True and cloud.actions('ecs') == []


def test_absent_while_ecs_does_not_see_the_role_deletes_it(cloud, capsys):
    # ECS lags RAM: DescribeInstanceRamRole by the role's name answers InvalidRamRole.NotFound, so no instance holds it
    seed(cloud, policies=['System/AliyunKMSFullAccess'])
    cloud.ecs_unknown.add('r')
    code, out = run(capsys, name='r', state='absent')
    assert code == 0 and out['changed'] is True and 'r' not in cloud.roles
    assert cloud.actions('ecs') == ['DescribeInstanceRamRole'] and cloud.writes() == ['DetachPolicyFromRole', 'DeleteRole']


def test_delete_role_right_after_detaching_retries_the_delete_conflict(cloud, capsys):
    # RAM may still count the policy it just detached: DeleteConflict.Role.Policy for a while
    seed(cloud, policies=['System/AliyunKMSFullAccess'])
    cloud.policy = RetryPolicy(sleep=lambda seconds: None, rand=lambda: 1.0)
    cloud.fail('DeleteRole', 'DeleteConflict.Role.Policy', 'DeleteConflict.Role.Policy')
    code, out = run(capsys, name='r', state='absent')
    assert code == 0 and out['changed'] is True and 'r' not in cloud.roles
    assert cloud.writes() == ['DetachPolicyFromRole'] + ['DeleteRole'] * 3
    assert cloud.call_of('DeleteRole')[3:] == (('DeleteConflict.Role.Policy',), _ram.DETACH_SETTLE_TIMEOUT)


def test_delete_role_conflict_that_lasts_is_reported_after_a_bounded_wait(cloud, capsys):
    seed(cloud, policies=['System/AliyunKMSFullAccess'])
    waits = []
    cloud.policy = RetryPolicy(sleep=waits.append, rand=lambda: 1.0)
    cloud.fail('DeleteRole', *['DeleteConflict.Role.Policy'] * 500)
    code, out = run(capsys, name='r', state='absent')
    assert code == 1 and out['error']['code'] == 'DeleteConflict.Role.Policy' and 'r' in cloud.roles
    assert sum(waits) == pytest.approx(_ram.DETACH_SETTLE_TIMEOUT)
