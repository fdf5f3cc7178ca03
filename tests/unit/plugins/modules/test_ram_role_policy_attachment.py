# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.alicloud.instance_ram.plugins.modules import ram_role_policy_attachment
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.module import warnings
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ram import KMS_DOC, install, run_module

KMS = {'name': 'AliyunKMSFullAccess', 'type': 'System'}
SECRET = {'name': 'AliyunKMSSecretUserAccess', 'type': 'System'}
APP = {'name': 'app', 'type': 'Custom'}


@pytest.fixture(name='cloud')
def cloud_fixture(monkeypatch):
    fake = install(monkeypatch)
    fake.add_policy('app', KMS_DOC)
    fake.add_role('r', policies=['System/AliyunKMSFullAccess'])
    return fake


def run(capsys, check_mode=False, **args):
    return run_module(ram_role_policy_attachment.main, capsys, check_mode=check_mode, role_name='r', **args)


def test_attach_check_mode_real_and_rerun(cloud, capsys):
    args = {'policies': ['AliyunKMSSecretUserAccess', {'name': 'app', 'type': 'Custom'}, 'System/AliyunKMSFullAccess']}
    code, checked = run(capsys, check_mode=True, diff=True, **args)
    assert code == 0 and checked['changed'] is True and cloud.writes() == []
    code, real = run(capsys, diff=True, **args)
    assert code == 0 and real == checked
    assert real['attachment'] == {'role_name': 'r', 'policies': [KMS, SECRET, APP], 'attached': [SECRET, APP], 'detached': []}
    assert real['diff'] == {'before': {'role_name': 'r', 'policies': [KMS]}, 'after': {'role_name': 'r', 'policies': [KMS, SECRET, APP]},
                            'before_header': 'policies of role r', 'after_header': 'policies of role r'}
    assert cloud.writes() == ['AttachPolicyToRole', 'AttachPolicyToRole']
    cloud.calls.clear()
    code, again = run(capsys, **args)
    assert code == 0 and again['changed'] is False and cloud.actions() == ['ListPoliciesForRole']


def test_detach_by_name_without_type(cloud, capsys):
    cloud.attached['r'].append(('Custom', 'app'))
    code, out = run(capsys, policies=['app', 'AliyunKMSSecretUserAccess'], state='absent')
    assert code == 0 and out['changed'] is True and out['attachment']['detached'] == [APP]
    assert cloud.actions() == ['ListPoliciesForRole', 'DetachPolicyFromRole'] and cloud.attached['r'] == [('System', 'AliyunKMSFullAccess')]
    code, out = run(capsys, policies=['app'], state='absent')
    assert code == 0 and out['changed'] is False


def test_detach_race_counts_as_done(cloud, capsys):
    cloud.fail('DetachPolicyFromRole', 'EntityNotExist.Role.Policy')
    code, out = run(capsys, policies=['AliyunKMSFullAccess'], state='absent')
    assert code == 0 and out['changed'] is True


def test_unknown_policy_attaches_nothing(cloud, capsys):
    code, out = run(capsys, policies=['AliyunKMSSecretUserAccess', 'Custom/missing'])
    assert code == 1 and out['error']['option'] == 'policies' and 'missing' in out['msg']
    assert cloud.writes() == []


def test_missing_role_is_never_created(cloud, capsys):
    code, out = run_module(ram_role_policy_attachment.main, capsys, role_name='ghost', policies=['AliyunKMSFullAccess'])
    assert code == 1 and out['error']['code'] == 'EntityNotExist.Role' and 'never creates roles' in out['msg']
    assert cloud.writes() == [] and 'ghost' not in cloud.roles


def test_bad_role_name_fails_before_any_call(cloud, capsys):
    code, out = run_module(ram_role_policy_attachment.main, capsys, role_name='bad/name', policies=['AliyunKMSFullAccess'])
    assert code == 1 and out['error']['option'] == 'role_name' and cloud.calls == []


def test_check_mode_predicts_for_a_role_an_earlier_task_creates(cloud, capsys):
    # --check of a playbook: ram_role (check mode) would create the role, then this task attaches to it
    code, out = run_module(ram_role_policy_attachment.main, capsys, check_mode=True, role_name='new-role',
                           policies=['AliyunKMSFullAccess'])
    assert code == 0 and out['changed'] is True and cloud.writes() == []
    assert out['attachment']['attached'] == [{'name': 'AliyunKMSFullAccess', 'type': 'System'}]
    assert any("role 'new-role' does not exist -- check mode goes on" in w for w in warnings(out))
