# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ram
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import ECS_TRUST_POLICY
from ansible_collections.alicloud.instance_ram.plugins.modules import ram_role, ram_role_info
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ram import install, run_module


@pytest.fixture(name='cloud')
def cloud_fixture(monkeypatch):
    fake = install(monkeypatch)
    fake.add_role('app-web', description='web', policies=['System/AliyunKMSFullAccess'])
    fake.add_role('app-worker')
    fake.add_role('other')
    fake.bindings = {'i-1': 'app-web', 'i-2': 'app-web'}
    return fake


def run(capsys, **args):
    return run_module(ram_role_info.main, capsys, **args)


def test_by_name_matches_what_ram_role_returns(cloud, capsys):
    code, info = run(capsys, name='app-web')
    assert code == 0 and info['changed'] is False and len(info['roles']) == 1
    assert cloud.actions() == ['GetRole', 'ListPoliciesForRole']
    code, managed = run_module(ram_role.main, capsys, name='app-web')
    assert managed['changed'] is False and info['roles'][0] == managed['role']  # one normaliser for both
    assert info['roles'][0]['assume_role_policy_document'] == ECS_TRUST_POLICY


def test_by_name_not_found_is_an_empty_list(cloud, capsys):
    code, info = run(capsys, name='nope')
    assert code == 0 and info['roles'] == []


def test_by_prefix_with_instances(cloud, capsys):
    code, info = run(capsys, name_prefix='app-', include_instances=True)
    assert code == 0 and [r['role_name'] for r in info['roles']] == ['app-web', 'app-worker']
    web, worker = info['roles']
    assert web['instance_ids'] == ['i-1', 'i-2'] and worker['instance_ids'] == []
    assert web['policies'] == [{'name': 'AliyunKMSFullAccess', 'type': 'System'}]
    assert web['assume_role_policy_document'] is None and 'GetRole' not in cloud.actions()


def test_all_roles_paged_with_trust_policies_and_no_policies(cloud, capsys, monkeypatch):
    monkeypatch.setattr(_ram, 'PAGE_SIZE', 2)
    code, info = run(capsys, include_policies=False, include_trust_policy=True)
    assert code == 0 and [r['role_name'] for r in info['roles']] == ['app-web', 'app-worker', 'other']
    assert all('policies' not in r and r['assume_role_policy_document'] == ECS_TRUST_POLICY for r in info['roles'])
    assert [c[2].get('Marker') for c in cloud.calls if c[1] == 'ListRoles'] == [None, '2']


def test_a_role_deleted_while_listing_is_skipped(cloud, capsys):
    cloud.fail('ListPoliciesForRole', 'EntityNotExist.Role')
    code, info = run(capsys, name_prefix='app-')
    assert code == 0 and [r['role_name'] for r in info['roles']] == ['app-worker']


def test_instances_need_a_region(cloud, capsys):
    code, out = run(capsys, name='app-web', include_instances=True, region_id=None)
    assert code == 1 and out['error']['option'] == 'region_id' and cloud.calls == []


def test_name_and_prefix_are_exclusive(cloud, capsys):
    code, out = run(capsys, name='a', name_prefix='b')
    assert code == 1 and 'mutually exclusive' in out['msg']
