# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KMS 2016-01-20 through the official SDK: keys, aliases, a real Encrypt/Decrypt round trip, secrets."""
from __future__ import annotations

import base64
import json

from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_kms20160120.client import Client as KmsClient

from alicloud_emulator import DEFAULT_ACCOUNT_ID, kms as kms_module
from alicloud_emulator.store import Account
from helpers import api_error, assert_all_set, client_for

ARN_PREFIX = f'acs:kms:cn-hangzhou:{DEFAULT_ACCOUNT_ID}:key/'


def _key(kms, description='app key'):
    return kms.create_key(kms_models.CreateKeyRequest(description=description)).body.key_metadata


def test_create_describe_and_list_keys(kms):
    meta = _key(kms)
    assert_all_set(meta)
    assert meta.arn == ARN_PREFIX + meta.key_id and meta.key_state == 'Enabled' and meta.key_spec == 'Aliyun_AES_256'
    kms.create_alias(kms_models.CreateAliasRequest(alias_name='alias/app', key_id=meta.key_id))
    for ref in (meta.key_id, 'alias/app', meta.arn, f'acs:kms:cn-hangzhou:{DEFAULT_ACCOUNT_ID}:alias/app'):
        described = kms.describe_key(kms_models.DescribeKeyRequest(key_id=ref)).body
        assert_all_set(described)
        assert described.key_metadata.key_id == meta.key_id, ref
    ids = [meta.key_id] + [_key(kms).key_id for dummy in range(11)]
    pages = [kms.list_keys(kms_models.ListKeysRequest(page_number=n, page_size=5)).body for n in (1, 2, 3)]
    assert_all_set(pages[0])
    assert pages[0].total_count == 12 and [k.key_id for p in pages for k in p.keys.key] == ids
    filtered = kms.list_keys(kms_models.ListKeysRequest(filters=json.dumps([{'Key': 'KeyState', 'Values': ['Disabled']}])))
    assert filtered.body.total_count == 0
    aliases = kms.list_aliases(kms_models.ListAliasesRequest()).body
    assert_all_set(aliases)
    assert [(a.alias_name, a.key_id) for a in aliases.aliases.alias] == [('alias/app', meta.key_id)]
    api_error('Forbidden.KeyNotFound', 404, kms.describe_key, kms_models.DescribeKeyRequest(key_id='no-such-key'))
    api_error('Forbidden.AliasNotFound', 404, kms.describe_key, kms_models.DescribeKeyRequest(key_id='alias/none'))
    api_error('MissingParameter', 400, kms.describe_key, kms_models.DescribeKeyRequest())
    api_error('InvalidParameter', 400, kms.list_keys, kms_models.ListKeysRequest(page_size=101))
    api_error('Rejected.AlreadyExists', 409, kms.create_alias,
              kms_models.CreateAliasRequest(alias_name='alias/app', key_id=meta.key_id))
    api_error('UnsupportedOperation', 400, kms.create_key, kms_models.CreateKeyRequest(origin='EXTERNAL'))


def test_encrypt_decrypt_round_trip(emu, kms, control):
    key = _key(kms)
    other = _key(kms)
    context = {'app': 'web'}
    sample = base64.b64encode('s3cr3t ünïcode'.encode()).decode()
    api_error('InvalidParameter', 400, kms.encrypt, kms_models.EncryptRequest(key_id=key.key_id, plaintext='s3cr3t ünïcode'))
    encrypted = kms.encrypt(kms_models.EncryptRequest(key_id=key.key_id, plaintext=sample,
                                                      encryption_context=context)).body
    assert_all_set(encrypted)
    assert encrypted.key_id == key.key_id and sample not in encrypted.ciphertext_blob
    decrypted = kms.decrypt(kms_models.DecryptRequest(ciphertext_blob=encrypted.ciphertext_blob,
                                                      encryption_context=context)).body
    assert_all_set(decrypted, ignore=('ciphertext_for_recipient',))
    assert (decrypted.plaintext, decrypted.key_id) == (sample, key.key_id), 'Decrypt returns the Base64 text as sent'
    api_error('InvalidParameter', 400, kms.decrypt, kms_models.DecryptRequest(ciphertext_blob=encrypted.ciphertext_blob))
    raw = bytearray(base64.b64decode(encrypted.ciphertext_blob))
    raw[-1] ^= 1
    api_error('InvalidParameter', 400, kms.decrypt, kms_models.DecryptRequest(
        ciphertext_blob=base64.b64encode(bytes(raw)).decode(), encryption_context=context))
    swapped = base64.b64decode(encrypted.ciphertext_blob).replace(key.key_id.encode(), other.key_id.encode())
    api_error('InvalidParameter', 400, kms.decrypt, kms_models.DecryptRequest(
        ciphertext_blob=base64.b64encode(swapped).decode(), encryption_context=context))
    api_error('InvalidParameter', 400, kms.decrypt, kms_models.DecryptRequest(ciphertext_blob='bm90IGEgYmxvYg=='))
    api_error('Forbidden.KeyNotFound', 404, kms.encrypt, kms_models.EncryptRequest(key_id='nope', plaintext='eA=='))
    stranger = control.add_account()
    their_kms = client_for(KmsClient, emu, access_key_id=stranger['access_key_id'],
                           access_key_secret=stranger['access_key_secret'])
    api_error('Forbidden.KeyNotFound', 404, their_kms.decrypt, kms_models.DecryptRequest(
        ciphertext_blob=encrypted.ciphertext_blob, encryption_context=context))
    assert control.calls(action='Encrypt')[-1]['params']['Plaintext'] == '***'

    data_key = kms.generate_data_key(kms_models.GenerateDataKeyRequest(key_id=key.key_id)).body
    assert len(base64.b64decode(data_key.plaintext)) == 32
    assert kms.decrypt(kms_models.DecryptRequest(ciphertext_blob=data_key.ciphertext_blob)).body.plaintext == data_key.plaintext


def test_standard_library_sealing_round_trip(monkeypatch):
    monkeypatch.setattr(kms_module, 'AESGCM', None)
    key = kms_module.new_key(Account('1'), 'cn-hangzhou', 0.0)
    blob = kms_module.encrypt_blob(key, b'payload', {'a': 'b'})
    assert kms_module.blob_key_id(blob) == key.key_id
    assert kms_module.decrypt_blob(key, blob, {'a': 'b'}) == b'payload'
    for context in ({}, {'a': 'c'}):
        try:
            kms_module.decrypt_blob(key, blob, context)
        except ValueError:
            continue
        raise AssertionError(f'a blob must not open with context {context}')


def test_secrets(emu, kms, control):
    key = _key(kms)
    created = kms.create_secret(kms_models.CreateSecretRequest(secret_name='db/password', version_id='v1',
                                                               secret_data='p@ss w0rd+/=&', encryption_key_id=key.key_id,
                                                               extended_config='{}')).body
    assert_all_set(created)
    assert created.arn == f'acs:kms:cn-hangzhou:{DEFAULT_ACCOUNT_ID}:secret/db/password'
    value = kms.get_secret_value(kms_models.GetSecretValueRequest(secret_name='db/password',
                                                                  fetch_extended_config=True)).body
    assert_all_set(value, ignore=('ciphertext_for_recipient',))
    assert (value.secret_data, value.version_id, value.version_stages.version_stage) == ('p@ss w0rd+/=&', 'v1', ['ACSCurrent'])
    by_arn = kms.get_secret_value(kms_models.GetSecretValueRequest(secret_name=created.arn)).body
    assert (by_arn.secret_name, by_arn.secret_data) == ('db/password', 'p@ss w0rd+/=&'), 'a secret ARN is a SecretName'
    api_error('Rejected.ResourceExist', 409, kms.create_secret, kms_models.CreateSecretRequest(
        secret_name='db/password', version_id='v1', secret_data='x'))
    api_error('Forbidden.ResourceNotFound', 404, kms.get_secret_value, kms_models.GetSecretValueRequest(secret_name='none'))
    api_error('Forbidden.ResourceNotFound', 404, kms.get_secret_value, kms_models.GetSecretValueRequest(
        secret_name='db/password', version_id='v9'))
    api_error('MissingParameter', 400, kms.create_secret, kms_models.CreateSecretRequest(secret_name='s', version_id='v1'))
    dumped = json.dumps(control.calls()) + json.dumps(control.state())
    assert 'p@ss w0rd' not in dumped, 'SecretData never appears in the call log or the state dump'
    assert control.calls(action='CreateSecret')[0]['params']['SecretData'] == '***'
