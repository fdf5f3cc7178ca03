# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""System policies with realistic (not byte-exact) documents. See README "Fidelity assumptions"."""
from __future__ import annotations

import json

from .store import Policy, new_policy

_CREATED = '2015-04-28T16:12:31Z'

_KMS_KEY_RESOURCES = ['acs:kms:*:*:key', 'acs:kms:*:*:key/*', 'acs:kms:*:*:alias', 'acs:kms:*:*:alias/*']
_KMS_SECRET_RESOURCES = ['acs:kms:*:*:secret', 'acs:kms:*:*:secret/*']


def _allow(actions, resources='*') -> dict:
    return {'Effect': 'Allow', 'Action': actions, 'Resource': resources}


SYSTEM_POLICIES: dict[str, tuple[str, list[dict]]] = {
    'AdministratorAccess': ('Provides full access to Alibaba Cloud services and resources.', [_allow('*')]),
    'ReadOnlyAccess': ('Provides read-only access to Alibaba Cloud services and resources.',
                       [_allow(['*:Describe*', '*:List*', '*:Query*', '*:BatchGet*'])]),
    'AliyunKMSFullAccess': ('Provides full access to Key Management Service(KMS).', [_allow('kms:*')]),
    'AliyunKMSCryptoUserAccess': (
        'Provides permissions to use the keys of KMS for cryptographic operations.',
        [_allow(['kms:List*', 'kms:DescribeKey', 'kms:DescribeKeyVersion', 'kms:Encrypt', 'kms:Decrypt',
                 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:GenerateAndExportDataKey',
                 'kms:ExportDataKey', 'kms:ReEncrypt', 'kms:AsymmetricEncrypt', 'kms:AsymmetricDecrypt',
                 'kms:AsymmetricSign', 'kms:AsymmetricVerify', 'kms:GetPublicKey'], _KMS_KEY_RESOURCES)]),
    'AliyunKMSSecretUserAccess': (
        'Provides permissions to use the secrets of KMS.',
        [_allow(['kms:List*', 'kms:DescribeSecret', 'kms:GetSecretValue', 'kms:ListSecretVersionIds'],
                _KMS_SECRET_RESOURCES)]),
    'AliyunECSFullAccess': ('Provides full access to Elastic Compute Service(ECS).',
                            [_allow('ecs:*'), _allow(['vpc:DescribeVpcs', 'vpc:DescribeVSwitches']),
                             _allow('ram:PassRole', 'acs:ram:*:*:role/*')]),
    'AliyunECSReadOnlyAccess': ('Provides read-only access to Elastic Compute Service(ECS).',
                                [_allow(['ecs:Describe*', 'ecs:List*'])]),
    'AliyunRAMReadOnlyAccess': ('Provides read-only access to Resource Access Management(RAM).',
                                [_allow(['ram:Get*', 'ram:List*'])]),
    'AliyunRAMFullAccess': ('Provides full access to Resource Access Management(RAM).', [_allow('ram:*')]),
    'AliyunSTSAssumeRoleAccess': ('Provides permissions to call the AssumeRole operation of STS.',
                                  [_allow('sts:AssumeRole')]),
}


def build_system_policies() -> dict[str, Policy]:
    return {
        name: new_policy(name, 'System', json.dumps({'Version': '1', 'Statement': statements}, indent=2),
                         description, _CREATED)
        for name, (description, statements) in SYSTEM_POLICIES.items()
    }
