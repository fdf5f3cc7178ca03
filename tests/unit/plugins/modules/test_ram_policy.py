# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ram
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy
from ansible_collections.alicloud.instance_ram.plugins.modules import ram_policy
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ram import install, run_module

DOC = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': ['kms:GetSecretValue', 'kms:DescribeSecret'], 'Resource': '*'}]}
# the same grant: one action list reordered, scalar Resource as a list, Version as a number
DOC_REWRITTEN = {'Statement': [{'Resource': ['*'], 'Action': ['kms:DescribeSecret', 'kms:GetSecretValue'], 'Effect': 'Allow'}], 'Version': 1}
DOC2 = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:GetSecretValue', 'Resource': 'acs:kms:*:*:secret/app-*'}]}


@pytest.fixture(name='cloud')
def cloud_fixture(monkeypatch):
    return install(monkeypatch)


def run(capsys, check_mode=False, **args):
    return run_module(ram_policy.main, capsys, check_mode=check_mode, name='app', **args)


def test_create_check_mode_real_rerun(cloud, capsys):
    code, checked = run(capsys, check_mode=True, diff=True, policy_document=DOC, description='app secrets')
    assert code == 0 and checked['changed'] is True and cloud.writes() == []
    code, real = run(capsys, diff=True, policy_document=DOC, description='app secrets')
    assert code == 0 and real['changed'] is True and cloud.writes() == ['CreatePolicy']
    assert real['diff'] == checked['diff'] and real['diff']['before'] == {}
    assert real['policy']['policy_document'] == DOC and real['policy']['default_version'] == 'v1'
    assert {k: v for k, v in real['policy'].items() if not k.endswith('_date')} == \
        {k: v for k, v in checked['policy'].items() if not k.endswith('_date')}
    cloud.calls.clear()
    code, again = run(capsys, policy_document=json.dumps(DOC_REWRITTEN), description='app secrets')
    assert code == 0 and again['changed'] is False and cloud.actions() == ['GetPolicy']
    assert again['policy']['policy_document'] == DOC


def test_document_change_is_a_new_default_version(cloud, capsys):
    cloud.add_policy('app', DOC, description='kept')
    code, checked = run(capsys, check_mode=True, diff=True, policy_document=DOC2)
    assert code == 0 and checked['changed'] is True and cloud.writes() == []
    assert checked['policy']['default_version'] is None
    code, real = run(capsys, diff=True, policy_document=DOC2)
    assert cloud.call_of('CreatePolicyVersion')[2] == {
        'PolicyName': 'app', 'PolicyDocument': json.dumps(DOC2, separators=(',', ':')), 'SetAsDefault': True,
        'RotateStrategy': 'DeleteOldestNonDefaultVersionWhenLimitExceeded'}
    assert real['diff'] == checked['diff'] and real['policy']['default_version'] == 'v2'
    assert real['policy']['description'] == 'kept' and cloud.writes() == ['CreatePolicyVersion']
    assert real['diff']['after']['policy_document']['Statement'][0]['Resource'] == ['acs:kms:*:*:secret/app-*']


def test_five_versions_rotate_out_the_oldest_non_default(cloud, capsys):
    cloud.add_policy('app', DOC, versions=5)
    code, out = run(capsys, policy_document=DOC2)
    assert code == 0 and out['policy']['default_version'] == 'v6'
    assert sorted(cloud.policies[('Custom', 'app')]['versions']) == ['v2', 'v3', 'v4', 'v5', 'v6']


def test_description_change_in_place(cloud, capsys):
    cloud.add_policy('app', DOC, description='old')
    code, out = run(capsys, diff=True, description='new', policy_document=DOC_REWRITTEN)
    assert code == 0 and out['changed'] is True and cloud.writes() == ['UpdatePolicyDescription']
    assert out['diff']['before']['description'] == 'old' and out['diff']['after']['description'] == 'new'
    assert out['policy']['default_version'] == 'v1'


@pytest.mark.parametrize('args, option, rule', [
    ({'name': 'bad.name'}, 'name', 'InvalidParameter.PolicyName.InvalidChars'),
    ({'name': 'p' * 129}, 'name', 'InvalidParameter.PolicyName.Length'),
    ({'policy_document': '{"Version": "1",'}, 'policy_document', 'malformed JSON'),
    ({'policy_document': {'Version': '2', 'Statement': DOC['Statement']}}, 'policy_document', 'MalformedPolicyDocument'),
    ({'policy_document': {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:*'}]}}, 'policy_document', 'Resource'),
    ({'policy_document': {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:*', 'Resource': 'x' * 6200}]}},
     'policy_document', 'InvalidParameter.PolicyDocument.Length'),
    ({'policy_document': DOC, 'description': ''}, 'description', '1 to 1024'),
])
def test_bad_input_fails_before_any_call(cloud, capsys, args, option, rule):
    code, out = run_module(ram_policy.main, capsys, **{'name': 'app', **args})
    assert code == 1 and out['error']['option'] == option and rule in out['msg'] and cloud.calls == []


def test_create_needs_a_document(cloud, capsys):
    code, out = run(capsys, description='no document')
    assert code == 1 and out['error']['option'] == 'policy_document' and cloud.writes() == []


def test_absent_refuses_while_attached_then_forces(cloud, capsys):
    cloud.add_policy('app', DOC, versions=3)
    cloud.add_role('r', policies=['Custom/app'])
    cloud.users[('Custom', 'app')] = ['alice']
    code, out = run(capsys, diff=True, state='absent')
    assert code == 1 and 'attached to 2' in out['msg'] and cloud.writes() == []
    code, checked = run(capsys, check_mode=True, diff=True, state='absent', force=True)
    assert code == 0 and checked['changed'] is True and cloud.writes() == []
    code, real = run(capsys, diff=True, state='absent', force=True)
    assert code == 0 and real == checked
    assert real['detached_from'] == {'roles': ['r'], 'users': ['alice'], 'groups': []}
    assert cloud.writes() == ['DetachPolicyFromRole', 'DetachPolicyFromUser', 'DeletePolicy']
    assert cloud.call_of('DeletePolicy')[2] == {'PolicyName': 'app', 'CascadingDelete': True}
    assert ('Custom', 'app') not in cloud.policies and cloud.attached['r'] == []
    assert real['diff']['after'] == {} and real['diff']['before']['policy_name'] == 'app'
    cloud.calls.clear()
    code, again = run(capsys, state='absent')
    assert code == 0 and again['changed'] is False and cloud.actions() == ['GetPolicy']


def test_absent_unattached_needs_no_entity_listing(cloud, capsys):
    cloud.add_policy('app', DOC)
    code, out = run(capsys, state='absent')
    assert code == 0 and cloud.actions() == ['GetPolicy', 'DeletePolicy']
    assert out['detached_from'] == {'roles': [], 'users': [], 'groups': []}


@pytest.mark.parametrize('theirs, writes, changed', [
    (DOC, ['CreatePolicy'], False),
    (DOC2, ['CreatePolicy', 'CreatePolicyVersion'], True),
])
def test_a_policy_created_meanwhile_by_a_concurrent_run_is_converged(cloud, capsys, monkeypatch, theirs, writes, changed):
    def created_by_the_other_run(params):  # pylint: disable=unused-argument
        cloud.add_policy('app', theirs, description='app secrets')
        raise cloud.error('EntityAlreadyExists.Policy', 409)

    monkeypatch.setattr(cloud, 'CreatePolicy', created_by_the_other_run)
    code, out = run(capsys, policy_document=DOC, description='app secrets')
    assert code == 0 and out['changed'] is changed and cloud.writes() == writes
    assert out['policy']['policy_document'] == DOC
    assert cloud.actions() == ['GetPolicy'] + writes[:1] + ['GetPolicy'] + writes[1:]


@pytest.mark.parametrize('conflict', ['DeleteConflict.Policy.User', 'DeleteConflict.Policy.Group', 'DeleteConflict.Policy.Version'])
def test_delete_policy_right_after_detaching_retries_the_delete_conflict(cloud, capsys, conflict):
    # RAM may still count the attachments (or versions) removed just before
    cloud.add_policy('app', DOC, versions=2)
    cloud.add_role('r', policies=['Custom/app'])
    cloud.policy = RetryPolicy(sleep=lambda seconds: None, rand=lambda: 1.0)
    cloud.fail('DeletePolicy', conflict, conflict)
    code, out = run(capsys, state='absent', force=True)
    assert code == 0 and out['changed'] is True and ('Custom', 'app') not in cloud.policies
    assert cloud.writes() == ['DetachPolicyFromRole'] + ['DeletePolicy'] * 3
    assert cloud.call_of('DeletePolicy')[3:] == (_ram.POLICY_DELETE_CONFLICTS, _ram.DETACH_SETTLE_TIMEOUT)


def test_delete_policy_conflict_that_lasts_is_reported_after_a_bounded_wait(cloud, capsys):
    cloud.add_policy('app', DOC)
    waits = []
    cloud.policy = RetryPolicy(sleep=waits.append, rand=lambda: 1.0)
    cloud.fail('DeletePolicy', *['DeleteConflict.Policy.User'] * 500)
    code, out = run(capsys, state='absent')
    assert code == 1 and out['error']['code'] == 'DeleteConflict.Policy.User' and ('Custom', 'app') in cloud.policies
    assert sum(waits) == pytest.approx(_ram.DETACH_SETTLE_TIMEOUT)
