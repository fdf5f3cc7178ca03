# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RAM users through the official SDK: the user API, their access keys, and every call of a user authorized by its
policies (Allow/Deny, wildcards, explicit Deny wins, ram:PassRole), while the root key stays all-powerful."""
from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_kms20160120.client import Client as KmsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401.client import Client as StsClient

from alicloud_emulator import DEFAULT_ACCOUNT_ID
from alicloud_emulator.testing import ControlError
from helpers import api_error, assert_all_set, client_for, user_keys

REGION = 'cn-hangzhou'


def _policy(*statements) -> dict:
    return {'Version': '1', 'Statement': list(statements)}


def _allow(action, resource='*', effect='Allow') -> dict:
    return {'Effect': effect, 'Action': action, 'Resource': resource}


def test_user_lifecycle_and_access_keys(emu, ram, control):
    created = ram.create_user(ram_models.CreateUserRequest(user_name='alice', display_name='Alice', comments='ops')).body
    assert_all_set(created.user, ignore=('email', 'mobile_phone'))
    assert (created.user.user_name, created.user.display_name) == ('alice', 'Alice')
    api_error('EntityAlreadyExists.User', 409, ram.create_user, ram_models.CreateUserRequest(user_name='Alice'))
    api_error('InvalidParameter.UserName.InvalidChars', 400, ram.create_user, ram_models.CreateUserRequest(user_name='a b'))
    api_error('InvalidParameter.UserName.Length', 400, ram.create_user, ram_models.CreateUserRequest(user_name='u' * 65))
    got = ram.get_user(ram_models.GetUserRequest(user_name='alice')).body.user
    assert got.user_id == created.user.user_id and got.update_date
    api_error('EntityNotExist.User', 404, ram.get_user, ram_models.GetUserRequest(user_name='bob'))
    ram.create_user(ram_models.CreateUserRequest(user_name='bob'))
    page = ram.list_users(ram_models.ListUsersRequest(max_items=1)).body
    assert [u.user_name for u in page.users.user] == ['alice'] and page.is_truncated
    rest = ram.list_users(ram_models.ListUsersRequest(marker=page.marker)).body
    assert [u.user_name for u in rest.users.user] == ['bob'] and not rest.is_truncated

    key = ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name='alice')).body.access_key
    assert_all_set(key)
    assert key.status == 'Active' and key.access_key_id.startswith('LTAI')
    ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name='alice'))
    api_error('LimitExceeded.User.AccessKey', 409, ram.create_access_key, ram_models.CreateAccessKeyRequest(user_name='alice'))
    listed = ram.list_access_keys(ram_models.ListAccessKeysRequest(user_name='alice')).body.access_keys.access_key
    assert len(listed) == 2 and key.access_key_id in {k.access_key_id for k in listed}
    assert 'access_key_secret' not in listed[0].to_map() or listed[0].to_map().get('AccessKeySecret') is None
    assert key.access_key_secret not in json.dumps(control.state()) + json.dumps(control.calls())

    sts = client_for(StsClient, emu, access_key_id=key.access_key_id, access_key_secret=key.access_key_secret)
    assert sts.get_caller_identity().body.arn == f'acs:ram::{DEFAULT_ACCOUNT_ID}:user/alice'
    ram.attach_policy_to_user(ram_models.AttachPolicyToUserRequest(policy_type='System', policy_name='ReadOnlyAccess',
                                                                   user_name='alice'))
    api_error('EntityAlreadyExists.User.Policy', 409, ram.attach_policy_to_user, ram_models.AttachPolicyToUserRequest(
        policy_type='System', policy_name='ReadOnlyAccess', user_name='alice'))
    policies = ram.list_policies_for_user(ram_models.ListPoliciesForUserRequest(user_name='alice')).body.policies.policy
    assert [(p.policy_name, p.policy_type) for p in policies] == [('ReadOnlyAccess', 'System')] and policies[0].attach_date
    entities = ram.list_entities_for_policy(ram_models.ListEntitiesForPolicyRequest(
        policy_type='System', policy_name='ReadOnlyAccess')).body
    assert [u.user_name for u in entities.users.user] == ['alice']

    api_error('DeleteConflict.User.AccessKey', 409, ram.delete_user, ram_models.DeleteUserRequest(user_name='alice'))
    for row in listed:
        ram.delete_access_key(ram_models.DeleteAccessKeyRequest(user_name='alice', user_access_key_id=row.access_key_id))
    api_error('EntityNotExist.User.AccessKey', 404, ram.delete_access_key, ram_models.DeleteAccessKeyRequest(
        user_name='alice', user_access_key_id=key.access_key_id))
    api_error('InvalidAccessKeyId.NotFound', 404, sts.get_caller_identity)
    api_error('DeleteConflict.User.Policy', 409, ram.delete_user, ram_models.DeleteUserRequest(user_name='alice'))
    ram.detach_policy_from_user(ram_models.DetachPolicyFromUserRequest(policy_type='System', policy_name='ReadOnlyAccess',
                                                                       user_name='alice'))
    api_error('EntityNotExist.User.Policy', 404, ram.detach_policy_from_user, ram_models.DetachPolicyFromUserRequest(
        policy_type='System', policy_name='ReadOnlyAccess', user_name='alice'))
    ram.delete_user(ram_models.DeleteUserRequest(user_name='alice'))
    assert [u.user_name for u in ram.list_users(ram_models.ListUsersRequest()).body.users.user] == ['bob']
    writes = {c['action'] for c in control.write_calls()}
    assert {'CreateUser', 'CreateAccessKey', 'AttachPolicyToUser', 'DeleteAccessKey', 'DeleteUser'} <= writes


def test_a_policy_attached_to_a_user_cannot_be_deleted(ram, control):
    control.create_user('carol', policy_documents={'carol-kms': _policy(_allow('kms:List*'))}, access_key=False)
    api_error('DeleteConflict.Policy.User', 409, ram.delete_policy, ram_models.DeletePolicyRequest(policy_name='carol-kms'))
    assert ram.get_policy(ram_models.GetPolicyRequest(policy_type='Custom', policy_name='carol-kms')).body.policy.attachment_count == 1


def test_seeding_users_through_the_control_plane(control):
    made = control.create_user('dave', policies=['AliyunKMSFullAccess', {'type': 'System', 'name': 'ReadOnlyAccess'}])
    assert made['access_key_id'].startswith('LTAI') and made['arn'] == f'acs:ram::{DEFAULT_ACCOUNT_ID}:user/dave'
    assert control.calls() == [], 'seeding is not an API call'
    for bad in ({'name': 'dave'}, {'name': 'eve', 'policies': ['NoSuchPolicy']},
                {'name': 'eve', 'policy_documents': {'p': {'Version': '1'}}}):
        with pytest.raises(ControlError):
            control.create_user(**bad)
    seeded = control.seed({'users': [{'name': 'frank', 'policies': ['ReadOnlyAccess']}]})
    assert seeded['users'][0]['user_name'] == 'frank'
    account = next(a for a in control.state()['accounts'] if a['account_id'] == DEFAULT_ACCOUNT_ID)
    assert set(account['users']) == {'dave', 'frank'}
    assert all(k['secret'] == '***' for u in account['users'].values() for k in u['access_keys'].values())


def test_user_calls_are_authorized_by_their_policies(emu, kms, control):
    key = kms.create_key(kms_models.CreateKeyRequest()).body.key_metadata.key_id
    other = kms.create_key(kms_models.CreateKeyRequest()).body.key_metadata.key_id
    document = _policy(_allow(['kms:Encrypt', 'kms:Describe*'], f'acs:kms:*:*:key/{key}'),
                       _allow('ram:Get*', 'acs:ram::*:role/*'),
                       _allow('ram:GetRole', 'acs:ram::*:role/Secret*', 'Deny'))
    keys = user_keys(control, 'narrow', policies=(), policy_documents={'narrow': document})
    user_kms = client_for(KmsClient, emu, **keys)
    user_ram = client_for(RamClient, emu, **keys)
    assert user_kms.encrypt(kms_models.EncryptRequest(key_id=key, plaintext='eA==')).body.key_id == key
    assert user_kms.describe_key(kms_models.DescribeKeyRequest(key_id=key)).body.key_metadata.key_id == key
    denied = api_error('Forbidden.NoPermission', 403, user_kms.encrypt, kms_models.EncryptRequest(key_id=other, plaintext='eA=='))
    detail = denied.data['AccessDeniedDetail']
    assert (detail['AuthPrincipalType'], detail['AuthPrincipalDisplayName'], detail['NoPermissionType']) == \
        ('SubUser', 'narrow', 'ImplicitDeny')
    api_error('Forbidden.NoPermission', 403, user_kms.list_keys, kms_models.ListKeysRequest())
    control.create_role('Public')
    control.create_role('SecretRole')
    assert user_ram.get_role(ram_models.GetRoleRequest(role_name='Public')).body.role.role_name == 'Public'
    explicit = api_error('NoPermission', 403, user_ram.get_role, ram_models.GetRoleRequest(role_name='SecretRole'))
    assert explicit.data['AccessDeniedDetail']['NoPermissionType'] == 'ExplicitDeny', 'an explicit Deny wins over Allow'
    api_error('NoPermission', 403, user_ram.create_user, ram_models.CreateUserRequest(user_name='escalate'))
    api_error('NoPermission', 403, user_ram.attach_policy_to_user, ram_models.AttachPolicyToUserRequest(
        policy_type='System', policy_name='AdministratorAccess', user_name='narrow'))
    # the root key is all-powerful, whatever any policy says
    assert kms.encrypt(kms_models.EncryptRequest(key_id=other, plaintext='eA==')).body.key_id == other
    assert control.calls(action='Encrypt')[0]['principal'] == f'acs:ram::{DEFAULT_ACCOUNT_ID}:user/narrow'


def test_user_ecs_calls_need_permission_and_pass_role(emu, control):
    control.create_role('AppRole')
    ids = control.seed_instances(count=2)
    reader = client_for(EcsClient, emu, **user_keys(control, 'reader', policies=()))
    listed = reader.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION)).body
    assert listed.total_count == 0, 'without DescribeInstances permission: an empty list (reference 0b.12)'
    one = _policy(_allow('ecs:DescribeInstances', f'acs:ecs:*:*:instance/{ids[0]}'))
    scoped = client_for(EcsClient, emu, **user_keys(control, 'scoped', policies=(), policy_documents={'scoped': one}))
    assert [i.instance_id for i in scoped.describe_instances(ecs_models.DescribeInstancesRequest(
        region_id=REGION)).body.instances.instance] == ids[:1], 'only the instances the policy names'

    operator = _policy(_allow(['ecs:AttachInstanceRamRole', 'ecs:RunInstances', 'ecs:DescribeInstance*']))
    ecs = client_for(EcsClient, emu, **user_keys(control, 'operator', policies=(), policy_documents={'operator': operator}))
    request = ecs_models.AttachInstanceRamRoleRequest(region_id=REGION, ram_role_name='AppRole', instance_ids=json.dumps(ids))
    denied = api_error('InvalidUser.PassRoleForbidden', 403, ecs.attach_instance_ram_role, request)
    assert denied.data['AccessDeniedDetail']['AuthAction'] == 'ram:PassRole'
    run = ecs_models.RunInstancesRequest(region_id=REGION, image_id='img', instance_type='ecs.g7.large',
                                         v_switch_id='vsw-1', ram_role_name='AppRole')
    api_error('InvalidUser.PassRoleForbidden', 403, ecs.run_instances, run)
    assert len(control.instances()) == 2, 'a refused RunInstances creates nothing'
    passer = client_for(EcsClient, emu, **user_keys(control, 'passer', policies=('AliyunECSFullAccess',)))
    assert passer.attach_instance_ram_role(request).body.fail_count == 0, 'AliyunECSFullAccess includes ram:PassRole'
    assert passer.run_instances(run).body.instance_id_sets.instance_id_set
    assert {i['ram_role'] for i in control.instances(instance_ids=ids)} == {'AppRole'}


def test_delete_conflict_window_after_detaching(ram, control):
    """Reference 0b.7: DeleteRole (and DeletePolicy) answer DeleteConflict for a while after the detach."""
    control.settings(delete_conflict_seconds=3600)
    ram.create_policy(ram_models.CreatePolicyRequest(policy_name='p1', policy_document=json.dumps(_policy(_allow('kms:List*'))),))
    control.create_role('Leaving', policies=[{'type': 'Custom', 'name': 'p1'}])
    ram.detach_policy_from_role(ram_models.DetachPolicyFromRoleRequest(policy_type='Custom', policy_name='p1', role_name='Leaving'))
    api_error('DeleteConflict.Role.Policy', 409, ram.delete_role, ram_models.DeleteRoleRequest(role_name='Leaving'))
    api_error('DeleteConflict.Policy.User', 409, ram.delete_policy, ram_models.DeletePolicyRequest(policy_name='p1'))
    control.settings(delete_conflict_seconds=0)
    ram.delete_role(ram_models.DeleteRoleRequest(role_name='Leaving'))
    ram.delete_policy(ram_models.DeletePolicyRequest(policy_name='p1'))
    codes = [c['code'] for c in control.calls(action='DeleteRole')]
    assert codes == ['DeleteConflict.Role.Policy', None]


def test_client_token_still_processing(ecs, control):
    """Reference 0b.3: the instances exist, the next N answers for that ClientToken say LastTokenProcessing."""
    control.settings(client_token_processing_calls=2, instance_boot_seconds=0)
    run = ecs_models.RunInstancesRequest(region_id=REGION, image_id='img', instance_type='ecs.g7.large',
                                         v_switch_id='vsw-1', client_token='tok-1', amount=2)
    api_error('LastTokenProcessing', 400, ecs.run_instances, run)
    api_error('LastTokenProcessing', 400, ecs.run_instances, run)
    ids = ecs.run_instances(run).body.instance_id_sets.instance_id_set
    assert len(ids) == 2 and len(control.instances()) == 2, 'one set of instances for the token, never more'
    assert ecs.run_instances(run).body.instance_id_sets.instance_id_set == ids
