# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.alicloud.instance_ram.plugins.modules import ram_policy, ram_policy_info
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ram import KMS_DOC, install, run_module


@pytest.fixture(name='cloud')
def cloud_fixture(monkeypatch):
    fake = install(monkeypatch)
    fake.add_policy('app-a', KMS_DOC, description='a')
    fake.add_policy('app-b', KMS_DOC)
    fake.add_policy('AliyunKMSFullAccess', KMS_DOC)  # a custom policy may share a system policy's name
    fake.add_role('r', policies=['Custom/app-a'])
    return fake


def run(capsys, **args):
    return run_module(ram_policy_info.main, capsys, **args)


def test_by_name_returns_what_ram_policy_returns(cloud, capsys):
    code, info = run(capsys, name='app-a', policy_type='Custom')
    assert code == 0 and cloud.actions() == ['GetPolicy']
    code, managed = run_module(ram_policy.main, capsys, name='app-a')
    assert managed['changed'] is False and info['policies'] == [managed['policy']]
    assert info['policies'][0]['attachment_count'] == 1 and info['policies'][0]['policy_document'] == KMS_DOC


def test_by_name_looks_at_both_types(cloud, capsys):
    code, info = run(capsys, name='AliyunKMSFullAccess')
    assert code == 0 and [p['policy_type'] for p in info['policies']] == ['System', 'Custom']
    code, info = run(capsys, name='nope')
    assert code == 0 and info['policies'] == []


def test_by_prefix_without_and_with_documents(cloud, capsys):
    code, info = run(capsys, name_prefix='app-', policy_type='Custom')
    assert code == 0 and [p['policy_name'] for p in info['policies']] == ['app-a', 'app-b']
    assert all(p['policy_document'] is None for p in info['policies']) and cloud.actions() == ['ListPolicies']
    assert cloud.calls[0][2] == {'PolicyType': 'Custom', 'MaxItems': 1000}
    cloud.calls.clear()
    code, info = run(capsys, name_prefix='app-', include_document=True)
    assert all(p['policy_document'] == KMS_DOC for p in info['policies'])
    assert cloud.actions() == ['ListPolicies', 'GetPolicy', 'GetPolicy']


def test_all_policies_system_first(cloud, capsys):
    code, info = run(capsys)
    names = [(p['policy_type'], p['policy_name']) for p in info['policies']]
    assert code == 0 and names[0] == ('System', 'AliyunECSReadOnlyAccess') and names[-1] == ('Custom', 'app-b')


def test_bad_name_fails_before_any_call(cloud, capsys):
    code, out = run(capsys, name='bad name')
    assert code == 1 and out['error']['option'] == 'name' and cloud.calls == []
