# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Calls signed with role credentials are allowed only as far as the role's policies allow."""
from __future__ import annotations

import json

import pytest
from alibabacloud_credentials.http import HttpOptions
from alibabacloud_credentials.provider import EcsRamRoleCredentialsProvider
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_kms20160120.client import Client as KmsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient

from alicloud_emulator import DEFAULT_ACCOUNT_ID
from helpers import ECS_TRUST, api_error, client_for, user_keys


def _policy(*statements) -> str:
    return json.dumps({'Version': '1', 'Statement': list(statements)})


def _allow(action, resource='*', effect='Allow') -> dict:
    return {'Effect': effect, 'Action': action, 'Resource': resource}


class Instance:
    """An emulated instance whose SDK clients use its metadata credentials, through the real ECS-role provider."""

    def __init__(self, emu, role, policies=(), attach_policy=None):
        control = emu.control
        control.create_role(role, policies=list(policies))
        self.id = control.seed_instances(count=1)[0]
        client_for(EcsClient, emu).attach_instance_ram_role(ecs_models.AttachInstanceRamRoleRequest(
            region_id='cn-hangzhou', ram_role_name=role, instance_ids=json.dumps([self.id]), policy=attach_policy))
        provider = EcsRamRoleCredentialsProvider(http_options=HttpOptions(proxy=control.metadata_proxy(self.id)),
                                                 async_update_enabled=False)
        creds = provider.get_credentials()
        self.keys = {'access_key_id': creds.get_access_key_id(), 'access_key_secret': creds.get_access_key_secret(),
                     'security_token': creds.get_security_token()}
        self.kms = client_for(KmsClient, emu, **self.keys)
        self.ram = client_for(RamClient, emu, **self.keys)
        self.ecs = client_for(EcsClient, emu, **self.keys)


@pytest.fixture
def key_and_secret(kms):
    key = kms.create_key(kms_models.CreateKeyRequest()).body.key_metadata.key_id
    kms.create_secret(kms_models.CreateSecretRequest(secret_name='db', version_id='v1', secret_data='pw'))
    return key


def test_crypto_user_role_can_encrypt_but_not_read_secrets(emu, key_and_secret, control):
    inst = Instance(emu, 'Crypto', ['AliyunKMSCryptoUserAccess'])
    blob = inst.kms.encrypt(kms_models.EncryptRequest(key_id=key_and_secret, plaintext='aGk=')).body.ciphertext_blob
    assert inst.kms.decrypt(kms_models.DecryptRequest(ciphertext_blob=blob)).body.plaintext == 'aGk='
    assert inst.kms.list_keys(kms_models.ListKeysRequest()).body.total_count == 1
    denied = api_error('Forbidden.NoPermission', 403, inst.kms.get_secret_value,
                       kms_models.GetSecretValueRequest(secret_name='db'))
    assert denied.data['AccessDeniedDetail']['AuthAction'] == 'kms:GetSecretValue'
    assert denied.data['AccessDeniedDetail']['NoPermissionType'] == 'ImplicitDeny'
    api_error('NoPermission', 403, inst.ram.create_role, ram_models.CreateRoleRequest(
        role_name='Escalate', assume_role_policy_document=ECS_TRUST))
    listed = inst.ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id='cn-hangzhou')).body
    assert (listed.total_count, listed.instances.instance) == (0, []), 'no permission: an empty list (reference 0b.12)'
    assert control.calls(action='DescribeInstances')[-1]['status'] == 200
    call = control.calls(action='GetSecretValue')[-1]
    assert call['principal'] == f'acs:ram::{DEFAULT_ACCOUNT_ID}:assumed-role/Crypto/{inst.id}'
    assert call['access_key_id'] == inst.keys['access_key_id'] and call['code'] == 'Forbidden.NoPermission'


def test_secret_user_role_reads_secrets_only(emu, key_and_secret):
    inst = Instance(emu, 'Secrets', ['AliyunKMSSecretUserAccess'])
    assert inst.kms.get_secret_value(kms_models.GetSecretValueRequest(secret_name='db')).body.secret_data == 'pw'
    api_error('Forbidden.NoPermission', 403, inst.kms.encrypt, kms_models.EncryptRequest(key_id=key_and_secret, plaintext='eA=='))


def test_full_access_still_cannot_manage_ram(emu, key_and_secret):
    inst = Instance(emu, 'Full', ['AliyunKMSFullAccess'])
    assert inst.kms.get_secret_value(kms_models.GetSecretValueRequest(secret_name='db')).body.secret_data == 'pw'
    api_error('NoPermission', 403, inst.ram.create_role, ram_models.CreateRoleRequest(
        role_name='Escalate', assume_role_policy_document=ECS_TRUST))


def test_least_privilege_custom_policy_wildcards_and_explicit_deny(emu, kms, ram, key_and_secret):
    other_key = kms.create_key(kms_models.CreateKeyRequest()).body.key_metadata.key_id
    ram.create_policy(ram_models.CreatePolicyRequest(policy_name='one-key', policy_document=_policy(
        _allow(['kms:Encrypt', 'kms:Decrypt'], f'acs:kms:*:{DEFAULT_ACCOUNT_ID}:key/{key_and_secret}'),
        _allow('kms:Get*', 'acs:kms:*:*:secret/d?'))))
    inst = Instance(emu, 'OneKey')
    api_error('Forbidden.NoPermission', 403, inst.kms.encrypt, kms_models.EncryptRequest(key_id=key_and_secret, plaintext='eA=='))
    ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(policy_type='Custom', policy_name='one-key',
                                                                   role_name='OneKey'))
    assert inst.kms.encrypt(kms_models.EncryptRequest(key_id=key_and_secret, plaintext='eA==')).body.key_id == key_and_secret
    assert inst.kms.get_secret_value(kms_models.GetSecretValueRequest(secret_name='db')).body.secret_data == 'pw'
    api_error('Forbidden.NoPermission', 403, inst.kms.encrypt, kms_models.EncryptRequest(key_id=other_key, plaintext='eA=='))

    ram.create_policy(ram_models.CreatePolicyRequest(policy_name='no-decrypt', policy_document=_policy(
        _allow('kms:Decrypt', '*', 'Deny'))))
    ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(policy_type='System', policy_name='AliyunKMSFullAccess',
                                                                   role_name='OneKey'))
    ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(policy_type='Custom', policy_name='no-decrypt',
                                                                   role_name='OneKey'))
    blob = inst.kms.encrypt(kms_models.EncryptRequest(key_id=other_key, plaintext='eA==')).body.ciphertext_blob
    denied = api_error('Forbidden.NoPermission', 403, inst.kms.decrypt, kms_models.DecryptRequest(ciphertext_blob=blob))
    assert denied.data['AccessDeniedDetail']['NoPermissionType'] == 'ExplicitDeny'


def test_attach_policy_parameter_narrows_the_instance_credentials(emu, key_and_secret):
    inst = Instance(emu, 'Narrowed', ['AliyunKMSFullAccess'], attach_policy=_policy(_allow('kms:Encrypt')))
    blob = inst.kms.encrypt(kms_models.EncryptRequest(key_id=key_and_secret, plaintext='eA==')).body.ciphertext_blob
    api_error('Forbidden.NoPermission', 403, inst.kms.decrypt, kms_models.DecryptRequest(ciphertext_blob=blob))


def test_assume_role_session_policy_and_role_chaining(emu, control, key_and_secret):
    sts = client_for(StsClient, emu, **user_keys(control))
    control.create_role('Deployer', trust={'Version': '1', 'Statement': [{
        'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'RAM': [f'acs:ram::{DEFAULT_ACCOUNT_ID}:root']}}]},
        policies=['AliyunKMSFullAccess'])
    creds = sts.assume_role(sts_models.AssumeRoleRequest(
        role_arn=f'acs:ram::{DEFAULT_ACCOUNT_ID}:role/Deployer', role_session_name='narrow',
        policy=_policy(_allow('kms:Encrypt')))).body.credentials
    session = client_for(KmsClient, emu, access_key_id=creds.access_key_id, access_key_secret=creds.access_key_secret,
                         security_token=creds.security_token)
    session.encrypt(kms_models.EncryptRequest(key_id=key_and_secret, plaintext='eA=='))
    api_error('Forbidden.NoPermission', 403, session.describe_key, kms_models.DescribeKeyRequest(key_id=key_and_secret))
    inst = Instance(emu, 'NoSts', ['AliyunKMSFullAccess'])
    chained = client_for(StsClient, emu, **inst.keys)
    api_error('NoPermission', 403, chained.assume_role, sts_models.AssumeRoleRequest(
        role_arn=f'acs:ram::{DEFAULT_ACCOUNT_ID}:role/Deployer', role_session_name='chain'))


def test_passing_a_role_needs_ram_pass_role(emu, ram, control):
    ram.create_policy(ram_models.CreatePolicyRequest(policy_name='ecs-only', policy_document=_policy(_allow('ecs:*'))))
    inst = Instance(emu, 'Operator')
    ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(policy_type='Custom', policy_name='ecs-only',
                                                                   role_name='Operator'))
    control.create_role('Target')
    target = control.seed_instances(count=1)[0]
    request = ecs_models.AttachInstanceRamRoleRequest(region_id='cn-hangzhou', ram_role_name='Target',
                                                      instance_ids=json.dumps([target]))
    api_error('InvalidUser.PassRoleForbidden', 403, inst.ecs.attach_instance_ram_role, request)
    ram.detach_policy_from_role(ram_models.DetachPolicyFromRoleRequest(policy_type='Custom', policy_name='ecs-only',
                                                                       role_name='Operator'))
    ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(policy_type='System', policy_name='AliyunECSFullAccess',
                                                                   role_name='Operator'))
    assert inst.ecs.attach_instance_ram_role(request).body.fail_count == 0
