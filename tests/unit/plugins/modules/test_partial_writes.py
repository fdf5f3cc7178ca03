# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A failure after a write reports `changed: true` and what was done (in `done` and in the message); the rerun converges.

One test per partial-write path of the RAM modules (the ECS ones are in test_ecs_instance*.py).
"""

from __future__ import annotations

import pytest

from ansible_collections.alicloud.instance_ram.plugins.modules import ram_policy, ram_role, ram_role_policy_attachment
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ram import KMS_DOC, install, run_module

OTHER_DOC = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:GetSecretValue', 'Resource': '*'}]}


@pytest.fixture(name='cloud')
def cloud_fixture(monkeypatch):
    return install(monkeypatch)


def actions(result):
    return [record['action'] for record in result.get('done', [])]


def assert_partial(code, result, expected_actions, *words):
    assert code == 1 and result['failed'] is True
    assert result['changed'] is True, 'a failure after a write must report changed: true'
    assert actions(result) == expected_actions
    assert 'before this failure, the run did' in result['msg']
    for word in words:
        assert word in result['msg'], (word, result['msg'])


@pytest.mark.parametrize('code', ['NoPermission', 'LimitExceeded.Policy.Role'])
def test_ram_role_created_then_the_second_attach_fails(cloud, capsys, code):
    policies = ['AliyunKMSFullAccess', 'AliyunECSReadOnlyAccess']
    original = cloud.AttachPolicyToRole
    calls = []

    def attach(params):
        calls.append(params['PolicyName'])
        if len(calls) == 2:
            raise cloud.error(code, 403)
        return original(params)

    cloud.AttachPolicyToRole = attach
    rc, result = run_module(ram_role.main, capsys, name='app', policies=policies)
    assert_partial(rc, result, ['CreateRole', 'AttachPolicyToRole'], code, "CreateRole (RoleName 'app')",
                   "PolicyName 'AliyunKMSFullAccess'")
    assert result['done'][1] == {'product': 'ram', 'action': 'AttachPolicyToRole', 'RoleName': 'app',
                                 'PolicyName': 'AliyunKMSFullAccess', 'PolicyType': 'System'}
    # the rerun converges: it attaches the missing one only
    cloud.AttachPolicyToRole = original
    before = len(cloud.calls)
    rc, result = run_module(ram_role.main, capsys, name='app', policies=policies)
    assert rc == 0 and result['changed'] is True
    assert [c[1] for c in cloud.calls[before:] if c[1].startswith(('Create', 'Attach'))] == ['AttachPolicyToRole']
    rc, result = run_module(ram_role.main, capsys, name='app', policies=policies)
    assert rc == 0 and result['changed'] is False


def test_ram_role_updated_then_an_attach_fails(cloud, capsys):
    cloud.add_role('app', description='old')
    cloud.fail('AttachPolicyToRole', 'NoPermission')
    rc, result = run_module(ram_role.main, capsys, name='app', description='new', policies=['AliyunKMSFullAccess'])
    assert_partial(rc, result, ['UpdateRole'], 'NoPermission')


def test_ram_role_absent_detached_then_delete_fails(cloud, capsys):
    cloud.add_role('app', policies=['System/AliyunKMSFullAccess'])
    cloud.fail('DeleteRole', 'NoPermission')
    rc, result = run_module(ram_role.main, capsys, name='app', state='absent', force=True)
    assert_partial(rc, result, ['DetachPolicyFromRole'], 'NoPermission')


def test_ram_policy_new_version_then_the_description_fails(cloud, capsys):
    cloud.add_policy('app', KMS_DOC, description='old')
    cloud.fail('UpdatePolicyDescription', 'NoPermission')
    rc, result = run_module(ram_policy.main, capsys, name='app', policy_document=OTHER_DOC, description='new')
    assert_partial(rc, result, ['CreatePolicyVersion'], 'NoPermission', "PolicyName 'app'")
    rc, result = run_module(ram_policy.main, capsys, name='app', policy_document=OTHER_DOC, description='new')
    assert rc == 0 and result['changed'] is True and 'CreatePolicyVersion' not in cloud.actions()[-3:]


def test_ram_policy_absent_detached_then_delete_fails(cloud, capsys):
    cloud.add_policy('app', KMS_DOC)
    cloud.add_role('r', policies=['Custom/app'])
    cloud.policies[('Custom', 'app')]['Policy']['AttachmentCount'] = 1
    cloud.fail('DeletePolicy', 'NoPermission')
    rc, result = run_module(ram_policy.main, capsys, name='app', state='absent', force=True)
    assert_partial(rc, result, ['DetachPolicyFromRole'], 'NoPermission')


def test_attachment_first_attached_then_the_second_fails(cloud, capsys):
    cloud.add_role('app')
    original = cloud.AttachPolicyToRole
    sent = []

    def attach(params):
        sent.append(params['PolicyName'])
        if len(sent) == 2:
            raise cloud.error('LimitExceeded.Policy.Role', 409)
        return original(params)

    cloud.AttachPolicyToRole = attach
    rc, result = run_module(ram_role_policy_attachment.main, capsys, role_name='app',
                            policies=['AliyunKMSFullAccess', 'AliyunECSReadOnlyAccess'])
    assert_partial(rc, result, ['AttachPolicyToRole'], 'LimitExceeded.Policy.Role')


def test_a_failure_before_any_write_reports_no_change(cloud, capsys):
    cloud.fail('GetRole', 'NoPermission')
    rc, result = run_module(ram_role.main, capsys, name='app')
    assert rc == 1 and result.get('changed') is not True and 'done' not in result
    assert 'before this failure' not in result['msg']
