# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""KMS operations: the access checks of kms_access_check and the secret read of the kms_secret lookup.

A secret value read here is returned to the caller only; nothing in this file logs, formats or
raises it.
"""

from __future__ import annotations

import base64
import os

from ._errors import CREDENTIALS_ERROR, AlicloudApiError

CHECKS = ('list_keys', 'encrypt_decrypt', 'get_secret')
LIST_KEYS_PAGE_SIZE = 100  # ListKeys PageSize maximum


class RoundTripError(AlicloudApiError):
    """Decrypt answered, but not with the plaintext that was encrypted."""

    def __init__(self, key_id):
        super().__init__('RoundTrip.Mismatch', f'Decrypt did not return the plaintext encrypted with key {key_id}',
                         product='kms', action='Decrypt')


def get_secret_value(kms, name, version_stage=None, version_id=None):
    """The GetSecretValue body (SecretData holds the value)."""
    return kms.call('GetSecretValue', {'SecretName': name, 'VersionStage': version_stage, 'VersionId': version_id})


def check_list_keys(kms):
    body = kms.call('ListKeys', {'PageSize': LIST_KEYS_PAGE_SIZE})
    keys = (body.get('Keys') or {}).get('Key') or []
    return {'key_count': int(body.get('TotalCount') or len(keys))}


def check_encrypt_decrypt(kms, key_id, sample=None):
    """Encrypt a random sample with `key_id`, decrypt it, compare."""
    sample = sample or base64.b64encode(os.urandom(24)).decode('ascii')
    encrypted = kms.call('Encrypt', {'KeyId': key_id, 'Plaintext': sample})
    decrypted = kms.call('Decrypt', {'CiphertextBlob': encrypted.get('CiphertextBlob')})
    if decrypted.get('Plaintext') != sample:
        raise RoundTripError(key_id)
    return {'key_id': encrypted.get('KeyId') or key_id, 'key_version_id': encrypted.get('KeyVersionId')}


def check_get_secret(kms, name):
    """Read the secret; report everything about it but its value."""
    body = get_secret_value(kms, name)
    stages = (body.get('VersionStages') or {}).get('VersionStage') or []
    return {'secret_name': body.get('SecretName') or name, 'version_id': body.get('VersionId'),
            'version_stages': stages, 'secret_data_type': body.get('SecretDataType'),
            'has_value': bool(body.get('SecretData'))}


def run_checks(kms, checks, key_id=None, secret_name=None):
    """Run each named check; {name: {passed, code, message, http_status, request_id, ...details}} in the order given.

    A denial or any other API error fails that check only. Credentials that cannot be obtained at all
    fail every check the same way, so that error is raised instead.
    """
    runners = {
        'list_keys': lambda: check_list_keys(kms),
        'encrypt_decrypt': lambda: check_encrypt_decrypt(kms, key_id),
        'get_secret': lambda: check_get_secret(kms, secret_name),
    }
    results = {}
    for name in checks:
        try:
            details = runners[name]()
        except AlicloudApiError as err:
            if err.code == CREDENTIALS_ERROR:
                raise
            results[name] = {'passed': False, 'code': err.code, 'message': err.message, 'http_status': err.status,
                             'request_id': err.request_id, 'action': err.action}
            continue
        results[name] = {'passed': True, 'code': None, 'message': None, 'http_status': None, 'request_id': None,
                         'action': None, **details}
    return results
