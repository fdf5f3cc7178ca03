# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control plane, the call log, persistence, concurrency, and the process helper."""
from __future__ import annotations

import json
import threading

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient

from alicloud_emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCOUNT_ID
from alicloud_emulator.contract import is_write
from alicloud_emulator.testing import ControlError, EmulatorProcess
from helpers import ECS_TRUST, api_error, client_for


def test_call_log_fields_cursor_and_counters(ram, control):
    ram.create_role(ram_models.CreateRoleRequest(role_name='Logged', assume_role_policy_document=ECS_TRUST))
    cursor = control.cursor()
    ram.get_role(ram_models.GetRoleRequest(role_name='Logged'))
    api_error('EntityNotExist.Role', 404, ram.get_role, ram_models.GetRoleRequest(role_name='Missing'))
    later = control.calls(since=cursor)
    assert [(c['action'], c['status'], c['code']) for c in later] == [
        ('GetRole', 200, None), ('GetRole', 404, 'EntityNotExist.Role')]
    entry = later[0]
    assert entry['product'] == 'RAM' and entry['params'] == {'RoleName': 'Logged'} and entry['write'] is False
    assert entry['access_key_id'] == DEFAULT_ACCESS_KEY_ID and entry['account_id'] == DEFAULT_ACCOUNT_ID
    assert entry['principal'] == f'acs:ram::{DEFAULT_ACCOUNT_ID}:root' and len(entry['request_id']) == 36
    assert entry['time'].endswith('Z') and entry['duration_ms'] >= 0
    assert control.write_calls()[0]['action'] == 'CreateRole'
    assert control.calls(product='ram', action='CreateRole')[0]['write'] is True
    assert control.counters() == {'CreateRole': 1, 'GetRole': 2}
    control.clear_calls()
    assert control.calls() == [] and control.counters() == {}


@pytest.mark.parametrize('action, write', [
    ('CreateRole', True), ('UpdateRole', True), ('DeleteInstances', True), ('AttachInstanceRamRole', True),
    ('DetachPolicyFromRole', True), ('SetDefaultPolicyVersion', True), ('ModifyInstanceMetadataOptions', True),
    ('RunInstances', True), ('Encrypt', False), ('Decrypt', False), ('GetSecretValue', False), ('AssumeRole', False),
    ('DescribeInstances', False), ('ListRoles', False), ('GetCallerIdentity', False)])
def test_write_classification(action, write):
    assert is_write(action) is write


def test_reset_and_accounts(emu, control):
    other = control.add_account()
    assert other['account_id'] != DEFAULT_ACCOUNT_ID and other['access_key_id'].startswith('LTAI')
    theirs = client_for(RamClient, emu, access_key_id=other['access_key_id'], access_key_secret=other['access_key_secret'])
    theirs.create_role(ram_models.CreateRoleRequest(role_name='Theirs', assume_role_policy_document=ECS_TRUST))
    mine = client_for(RamClient, emu)
    api_error('EntityNotExist.Role', 404, mine.get_role, ram_models.GetRoleRequest(role_name='Theirs'))
    assert {a['account_id'] for a in control.accounts()} == {DEFAULT_ACCOUNT_ID, other['account_id']}
    control.reset()
    assert [a['account_id'] for a in control.accounts()] == [DEFAULT_ACCOUNT_ID]
    api_error('InvalidAccessKeyId.NotFound', 404, theirs.list_roles, ram_models.ListRolesRequest())
    assert mine.list_roles(ram_models.ListRolesRequest()).body.roles.role == []


def test_seeding_options_and_validation(control, ecs):
    ids = control.seed_instances(instances=[
        {'instance_id': 'i-fixed0000000000000001', 'name': 'a', 'tags': [{'Key': 'k', 'Value': 'v'}]},
        {'name': 'b', 'status': 'Stopped', 'metadata_options': {'http_tokens': 'required'}},
    ], region_id='cn-shanghai', zone_id='cn-shanghai-b', vpc_id='vpc-given', vswitch_id='vsw-given')
    assert ids[0] == 'i-fixed0000000000000001'
    found = {i['name']: i for i in control.instances(region_id='cn-shanghai')}
    assert found['a']['tags'] == [{'TagKey': 'k', 'TagValue': 'v'}] and found['a']['vpc_id'] == 'vpc-given'
    assert found['b']['status'] == 'Stopped' and found['b']['http_tokens'] == 'required'
    described = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id='cn-shanghai')).body
    assert described.total_count == 2 and described.instances.instance[0].vpc_attributes.v_switch_id == 'vsw-given'
    for bad in ({'count': 1, 'colour': 'red'}, {'count': 1, 'network_type': 'vlan'}, {'count': 1, 'status': 'Asleep'},
                {'instances': [{'instance_id': ids[0]}]}, {'count': 1, 'account_id': '999'}):
        with pytest.raises(ControlError):
            control.seed_instances(**bad)
    with pytest.raises(ControlError):
        control.settings(credential_lifetime=10)
    with pytest.raises(ControlError):
        control.request('GET', 'no-such-route')


def test_seed_document_and_state_dump(control):
    made = control.seed({'roles': [{'name': 'Seeded', 'policies': ['AliyunKMSFullAccess']}],
                         'instances': [{'count': 2, 'ram_role_name': 'Seeded'}],
                         'kms_keys': [{'alias': 'alias/seeded'}], 'secrets': [{'name': 'seeded', 'data': 'top secret'}]})
    assert len(made['instances'][0]['instance_ids']) == 2 and made['kms_keys'][0]['key_id']
    state = control.state()
    account = next(a for a in state['accounts'] if a['account_id'] == DEFAULT_ACCOUNT_ID)
    assert account['roles']['seeded']['attached'] and len(state['instances']) == 2
    assert 'top secret' not in json.dumps(state) and set(account['access_keys'].values()) == {'***'}


def test_state_file_survives_a_restart(tmp_path):
    state_file = tmp_path / 'state.json'
    with EmulatorProcess(state_file=str(state_file)) as first:
        client_for(RamClient, first).create_role(ram_models.CreateRoleRequest(role_name='Kept',
                                                                              assume_role_policy_document=ECS_TRUST))
        kept = first.control.seed_instances(count=1, ram_role_name='Kept')
    assert first.process.returncode == 0 and state_file.exists()
    with EmulatorProcess(state_file=str(state_file)) as second:
        role = client_for(RamClient, second).get_role(ram_models.GetRoleRequest(role_name='Kept')).body.role
        assert role.role_name == 'Kept'
        assert second.control.instance(kept[0])['ram_role'] == 'Kept'


def test_port_file_and_seed_file(tmp_path):
    seed = tmp_path / 'seed.json'
    seed.write_text(json.dumps({'instances': [{'count': 3, 'prefix': 'demo-'}]}))
    port_file = tmp_path / 'port'
    with EmulatorProcess(extra_args=('--seed-file', str(seed), '--port-file', str(port_file))) as emu:
        assert int(port_file.read_text()) == emu.port
        assert sorted(i['name'] for i in emu.control.instances()) == ['demo-1', 'demo-2', 'demo-3']
        emu.control.reset()
        assert emu.control.instances() == []
        emu.control.reset(reseed=True)
        assert len(emu.control.instances()) == 3


def test_two_concurrent_runs_attach_each_instance_once(emu, control):
    """Two clients attach the same role to the same 100 instances at once: every instance succeeds exactly once."""
    control.create_role('Shared')
    ids = control.seed_instances(count=100)
    results, errors = [], []

    def run():
        client = client_for(EcsClient, emu)
        try:
            for start in range(0, 100, 10):
                body = client.attach_instance_ram_role(ecs_models.AttachInstanceRamRoleRequest(
                    region_id='cn-hangzhou', ram_role_name='Shared', instance_ids=json.dumps(ids[start:start + 10]))).body
                results.extend(body.attach_instance_ram_role_results.attach_instance_ram_role_result)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            errors.append(exc)
    threads = [threading.Thread(target=run) for dummy in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    successes = [r.instance_id for r in results if r.success]
    assert sorted(successes) == sorted(ids) and len(results) == 400
    assert {r.code for r in results if not r.success} == {'InvalidInstance.RamRoleAlreadyAttached'}
    assert control.counters()['AttachInstanceRamRole'] == 40
