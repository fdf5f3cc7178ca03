# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RAM 2015-05-01 through the official SDK."""
from __future__ import annotations

import json

from alibabacloud_ram20150501 import models as ram_models

from alicloud_emulator import DEFAULT_ACCOUNT_ID
from helpers import ECS_TRUST, api_error, assert_all_set

KMS_READ = json.dumps({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': ['kms:Encrypt', 'kms:Decrypt'],
                                                      'Resource': 'acs:kms:*:*:key/*'}]})


def _create_role(ram, name='EcsKmsRole', **extra):
    return ram.create_role(ram_models.CreateRoleRequest(role_name=name, assume_role_policy_document=ECS_TRUST, **extra))


def test_role_lifecycle_parses_into_models(ram, control):
    created = _create_role(ram, description='for kms', max_session_duration=7200).body
    assert_all_set(created.role)
    assert created.role.arn == f'acs:ram::{DEFAULT_ACCOUNT_ID}:role/EcsKmsRole'
    assert created.role.max_session_duration == 7200
    assert json.loads(created.role.assume_role_policy_document) == json.loads(ECS_TRUST)

    got = ram.get_role(ram_models.GetRoleRequest(role_name='ecskmsrole')).body
    assert_all_set(got.role, ignore=('latest_deletion_task',))
    assert got.role.role_id == created.role.role_id and got.role.is_service_linked_role is False

    updated = ram.update_role(ram_models.UpdateRoleRequest(role_name='EcsKmsRole', new_description='new')).body
    assert_all_set(updated.role)
    assert updated.role.description == 'new'
    assert updated.role.max_session_duration == 3600, 'an absent NewMaxSessionDuration resets to 3600'

    ram.delete_role(ram_models.DeleteRoleRequest(role_name='EcsKmsRole'))
    api_error('EntityNotExist.Role', 404, ram.get_role, ram_models.GetRoleRequest(role_name='EcsKmsRole'))
    assert [c['action'] for c in control.write_calls()] == ['CreateRole', 'UpdateRole', 'DeleteRole']


def test_role_validation_errors(ram):
    api_error('InvalidParameter.RoleName.InvalidChars', 400, _create_role, ram, 'bad name!')
    api_error('InvalidParameter.RoleName.Length', 400, _create_role, ram, 'r' * 65)
    api_error('MissingParameter', 400, ram.create_role, ram_models.CreateRoleRequest(role_name='NoTrust'))
    api_error('MalformedPolicyDocument', 400, ram.create_role, ram_models.CreateRoleRequest(
        role_name='Bad', assume_role_policy_document='{"Version": "1", "Statement": [{"Effect": "Maybe"}]}'))
    api_error('InvalidParameter.AssumeRolePolicyDocument.Length', 400, ram.create_role, ram_models.CreateRoleRequest(
        role_name='Long', assume_role_policy_document=' ' * 2049))
    api_error('InvalidParameter.Description.Length', 400, _create_role, ram, 'Desc', description='d' * 1025)
    api_error('InvalidParameter.MaxSessionDuration', 400, _create_role, ram, 'Dur', max_session_duration=100)
    _create_role(ram, 'Twice')
    api_error('EntityAlreadyExists.Role', 409, _create_role, ram, 'TWICE')
    api_error('MalformedPolicyDocument', 400, ram.update_role, ram_models.UpdateRoleRequest(
        role_name='Twice', new_assume_role_policy_document='[]'))
    api_error('InvalidParameter.NewAssumeRolePolicyDocument.Length', 400, ram.update_role, ram_models.UpdateRoleRequest(
        role_name='Twice', new_assume_role_policy_document='x' * 2049))
    api_error('EntityNotExist.Role', 404, ram.update_role, ram_models.UpdateRoleRequest(role_name='Nope'))


def test_list_roles_marker_paging_and_tags(ram):
    for n in range(5):
        _create_role(ram, f'Role{n}', tag=[ram_models.CreateRoleRequestTag(key='team', value='a' if n % 2 else 'b')])
    seen, marker = [], None
    while True:
        page = ram.list_roles(ram_models.ListRolesRequest(max_items=2, marker=marker)).body
        assert_all_set(page, ignore=('marker',) if not page.is_truncated else ())
        seen += [r.role_name for r in page.roles.role]
        if not page.is_truncated:
            break
        marker = page.marker
    assert seen == [f'Role{n}' for n in range(5)]
    tagged = ram.list_roles(ram_models.ListRolesRequest(tag=[ram_models.ListRolesRequestTag(key='team', value='a')])).body
    assert [r.role_name for r in tagged.roles.role] == ['Role1', 'Role3']
    assert tagged.roles.role[0].tags.tag[0].tag_key == 'team'
    api_error('InvalidParameter.MaxItems', 400, ram.list_roles, ram_models.ListRolesRequest(max_items=1001))
    api_error('InvalidParameter.Marker', 400, ram.list_roles, ram_models.ListRolesRequest(marker='%%%'))


def test_attach_detach_policies_and_limits(ram):
    _create_role(ram)
    attach = ram_models.AttachPolicyToRoleRequest(policy_type='System', policy_name='AliyunKMSFullAccess', role_name='EcsKmsRole')
    ram.attach_policy_to_role(attach)
    api_error('EntityAlreadyExists.Role.Policy', 409, ram.attach_policy_to_role, attach)
    listed = ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name='EcsKmsRole')).body
    assert_all_set(listed)
    assert [(p.policy_name, p.policy_type) for p in listed.policies.policy] == [('AliyunKMSFullAccess', 'System')]
    api_error('DeleteConflict.Role.Policy', 409, ram.delete_role, ram_models.DeleteRoleRequest(role_name='EcsKmsRole'))
    api_error('InvalidParameter.PolicyType', 400, ram.attach_policy_to_role, ram_models.AttachPolicyToRoleRequest(
        policy_type='Managed', policy_name='AliyunKMSFullAccess', role_name='EcsKmsRole'))
    api_error('EntityNotExist.Policy', 404, ram.attach_policy_to_role, ram_models.AttachPolicyToRoleRequest(
        policy_type='System', policy_name='NoSuchPolicy', role_name='EcsKmsRole'))
    api_error('EntityNotExist.Role', 404, ram.attach_policy_to_role, ram_models.AttachPolicyToRoleRequest(
        policy_type='System', policy_name='AliyunKMSFullAccess', role_name='NoRole'))
    ram.detach_policy_from_role(ram_models.DetachPolicyFromRoleRequest(
        policy_type='System', policy_name='AliyunKMSFullAccess', role_name='EcsKmsRole'))
    api_error('EntityNotExist.Role.Policy', 404, ram.detach_policy_from_role, ram_models.DetachPolicyFromRoleRequest(
        policy_type='System', policy_name='AliyunKMSFullAccess', role_name='EcsKmsRole'))
    api_error('EntityNotExist.Role', 404, ram.list_policies_for_role, ram_models.ListPoliciesForRoleRequest(role_name='No'))

    for n in range(11):
        ram.create_policy(ram_models.CreatePolicyRequest(policy_name=f'p{n}', policy_document=KMS_READ))
    for n in range(10):  # 10 custom policies per role (reference 0b.11)
        ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(policy_type='Custom', policy_name=f'p{n}',
                                                                       role_name='EcsKmsRole'))
    api_error('LimitExceeded.Role.Policy', 409, ram.attach_policy_to_role, ram_models.AttachPolicyToRoleRequest(
        policy_type='Custom', policy_name='p10', role_name='EcsKmsRole'))


def test_system_policies_exist_with_documents(ram):
    for name in ('AliyunKMSFullAccess', 'AliyunKMSCryptoUserAccess', 'AliyunKMSSecretUserAccess', 'AliyunECSFullAccess',
                 'AliyunECSReadOnlyAccess', 'AliyunRAMReadOnlyAccess', 'AdministratorAccess', 'ReadOnlyAccess'):
        got = ram.get_policy(ram_models.GetPolicyRequest(policy_type='System', policy_name=name)).body
        assert_all_set(got)
        document = json.loads(got.default_policy_version.policy_document)
        assert document['Version'] == '1' and document['Statement']
    crypto = json.loads(ram.get_policy(ram_models.GetPolicyRequest(
        policy_type='System', policy_name='AliyunKMSCryptoUserAccess')).body.default_policy_version.policy_document)
    actions = crypto['Statement'][0]['Action']
    assert 'kms:Decrypt' in actions and 'kms:GetSecretValue' not in actions
    listed = ram.list_policies(ram_models.ListPoliciesRequest(policy_type='System', max_items=3)).body
    assert listed.is_truncated and len(listed.policies.policy) == 3


def test_policy_versions(ram):
    created = ram.create_policy(ram_models.CreatePolicyRequest(policy_name='kms-read', policy_document=KMS_READ,
                                                               description='read keys')).body
    assert_all_set(created.policy)
    assert created.policy.default_version == 'v1'
    for n in range(2, 6):
        version = ram.create_policy_version(ram_models.CreatePolicyVersionRequest(
            policy_name='kms-read', policy_document=KMS_READ, set_as_default=n == 3)).body.policy_version
        assert_all_set(version)
        assert version.version_id == f'v{n}'
    api_error('LimitExceeded.Policy.Version', 409, ram.create_policy_version, ram_models.CreatePolicyVersionRequest(
        policy_name='kms-read', policy_document=KMS_READ))
    rotated = ram.create_policy_version(ram_models.CreatePolicyVersionRequest(
        policy_name='kms-read', policy_document=KMS_READ,
        rotate_strategy='DeleteOldestNonDefaultVersionWhenLimitExceeded')).body.policy_version
    assert rotated.version_id == 'v6'
    versions = ram.list_policy_versions(ram_models.ListPolicyVersionsRequest(policy_type='Custom',
                                                                             policy_name='kms-read')).body
    assert_all_set(versions)
    assert [v.version_id for v in versions.policy_versions.policy_version] == ['v2', 'v3', 'v4', 'v5', 'v6']
    assert [v.is_default_version for v in versions.policy_versions.policy_version] == [False, True, False, False, False]
    got = ram.get_policy_version(ram_models.GetPolicyVersionRequest(policy_type='Custom', policy_name='kms-read',
                                                                    version_id='v3')).body
    assert_all_set(got)
    api_error('DeleteConflict.Policy.Version.Default', 409, ram.delete_policy_version,
              ram_models.DeletePolicyVersionRequest(policy_name='kms-read', version_id='v3'))
    api_error('EntityNotExist.Policy.Version', 404, ram.delete_policy_version,
              ram_models.DeletePolicyVersionRequest(policy_name='kms-read', version_id='v1'))
    api_error('InvalidParameter.VersionId.Format', 400, ram.delete_policy_version,
              ram_models.DeletePolicyVersionRequest(policy_name='kms-read', version_id='first'))
    ram.set_default_policy_version(ram_models.SetDefaultPolicyVersionRequest(policy_name='kms-read', version_id='v6'))
    policy = ram.get_policy(ram_models.GetPolicyRequest(policy_type='Custom', policy_name='kms-read')).body
    assert policy.policy.default_version == 'v6' and policy.default_policy_version.version_id == 'v6'
    ram.delete_policy_version(ram_models.DeletePolicyVersionRequest(policy_name='kms-read', version_id='v2'))
    api_error('DeleteConflict.Policy.Version', 409, ram.delete_policy, ram_models.DeletePolicyRequest(policy_name='kms-read'))
    ram.delete_policy(ram_models.DeletePolicyRequest(policy_name='kms-read', cascading_delete=True))
    api_error('EntityNotExist.Policy', 404, ram.get_policy, ram_models.GetPolicyRequest(policy_type='Custom',
                                                                                        policy_name='kms-read'))


def test_policy_validation_errors(ram):
    def create(name='ok', document=KMS_READ, **extra):
        return ram.create_policy(ram_models.CreatePolicyRequest(policy_name=name, policy_document=document, **extra))
    api_error('InvalidParameter.PolicyName.InvalidChars', 400, create, 'bad_name')
    api_error('InvalidParameter.PolicyName.Length', 400, create, 'p' * 129)
    api_error('InvalidParameter.PolicyDocument.Length', 400, create, 'long', ' ' * 6145)
    api_error('InvalidParameter.Description.Length', 400, create, 'desc', KMS_READ, description='d' * 1025)
    for bad in ('not json', '{"Version": "2", "Statement": []}',
                '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt"}]}',
                '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "encrypt", "Resource": "*"}]}'):
        api_error('MalformedPolicyDocument', 400, create, 'bad', bad)
    create('dup')
    api_error('EntityAlreadyExists.Policy', 409, create, 'dup')
    api_error('EntityNotExist.Policy', 404, ram.get_policy, ram_models.GetPolicyRequest(policy_type='System',
                                                                                        policy_name='dup'))


def test_policy_attached_to_role_cannot_be_deleted(ram):
    _create_role(ram)
    ram.create_policy(ram_models.CreatePolicyRequest(policy_name='kms-read', policy_document=KMS_READ))
    ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(policy_type='Custom', policy_name='kms-read',
                                                                   role_name='EcsKmsRole'))
    got = ram.get_policy(ram_models.GetPolicyRequest(policy_type='Custom', policy_name='kms-read')).body
    assert got.policy.attachment_count == 1
    api_error('DeleteConflict.Policy.Role', 409, ram.delete_policy, ram_models.DeletePolicyRequest(policy_name='kms-read'))


def test_list_entities_for_policy_and_update_policy_description(ram, control):
    ram.create_policy(ram_models.CreatePolicyRequest(policy_name='kms-read', policy_document=KMS_READ, description='old'))
    for name in ('RoleB', 'RoleA'):
        _create_role(ram, name)
        ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(policy_type='Custom', policy_name='kms-read', role_name=name))
    _create_role(ram, 'Unrelated')
    entities = ram.list_entities_for_policy(ram_models.ListEntitiesForPolicyRequest(policy_type='Custom', policy_name='kms-read')).body
    assert [r.role_name for r in entities.roles.role] == ['RoleA', 'RoleB']
    assert_all_set(entities.roles.role[0])
    assert entities.users.user == [] and entities.groups.group == []
    system = ram.list_entities_for_policy(ram_models.ListEntitiesForPolicyRequest(policy_type='System', policy_name='AliyunKMSFullAccess')).body
    assert system.roles.role == []
    api_error('EntityNotExist.Policy', 404, ram.list_entities_for_policy,
              ram_models.ListEntitiesForPolicyRequest(policy_type='Custom', policy_name='missing'))
    api_error('InvalidParameter.PolicyType', 400, ram.list_entities_for_policy,
              ram_models.ListEntitiesForPolicyRequest(policy_type='Managed', policy_name='kms-read'))

    updated = ram.update_policy_description(ram_models.UpdatePolicyDescriptionRequest(policy_name='kms-read', new_description='new')).body
    assert updated.policy.description == 'new' and updated.policy.policy_type == 'Custom'
    assert ram.get_policy(ram_models.GetPolicyRequest(policy_type='Custom', policy_name='kms-read')).body.policy.description == 'new'
    api_error('EntityNotExist.Policy', 404, ram.update_policy_description,
              ram_models.UpdatePolicyDescriptionRequest(policy_name='AliyunKMSFullAccess', new_description='x'))
    api_error('InvalidParameter.Description.Length', 400, ram.update_policy_description,
              ram_models.UpdatePolicyDescriptionRequest(policy_name='kms-read', new_description='d' * 1025))
    writes = [c['action'] for c in control.write_calls()]
    assert 'UpdatePolicyDescription' in writes and 'ListEntitiesForPolicy' not in writes
