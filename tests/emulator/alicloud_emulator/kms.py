# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KMS 2016-01-20: keys, aliases, a real Encrypt/Decrypt round trip, secrets.

A CiphertextBlob is ``base64(b"EMU1" + key id + key version id + nonce + sealed)``; the key id,
its version and the EncryptionContext are authenticated, so a blob only opens with its own key
and context. Sealing is AES-256-GCM when ``cryptography`` is importable, else an
encrypt-then-MAC construction from the standard library (SHA-256 keystream + HMAC-SHA256).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import uuid

from . import contract as c
from .api import Context, Product
from .clock import iso
from .errors import ApiError, invalid
from .store import Account, Alias, KmsKey, Secret

try:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:  # pragma: no cover - exercised by forcing the fallback in the tests
    AESGCM = None

KMS = Product('KMS', '2016-01-20', 'kms', c.KMS_DENIED.code, c.KMS_DENIED.message, 'kms.{region}.aliyuncs.com')

BLOB_MAGIC = b'EMU1'
_ID_LEN = 36
_NONCE_LEN = 12
_TAG_LEN = 16
PLAINTEXT_MAX = 6144
SECRET_DATA_MAX = 30720
_SECRET_NAME_RE = re.compile(r'^[A-Za-z0-9/_+=.@-]{1,192}$')
_ALIAS_RE = re.compile(r'^alias/[A-Za-z0-9/_-]{1,249}$')


# ------------------------------------------------------------------------------------ sealing
def _xor_stream(material: bytes, nonce: bytes, data: bytes) -> bytes:
    enc_key = hmac.new(material, b'enc', hashlib.sha256).digest()
    stream = b''.join(hashlib.sha256(enc_key + nonce + i.to_bytes(4, 'big')).digest() for i in range(len(data) // 32 + 1))
    return bytes(a ^ b for a, b in zip(data, stream))


def _mac(material: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    mac_key = hmac.new(material, b'mac', hashlib.sha256).digest()
    return hmac.new(mac_key, aad + nonce + sealed, hashlib.sha256).digest()[:_TAG_LEN]


def _stdlib_seal(material: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    sealed = _xor_stream(material, nonce, data)
    return sealed + _mac(material, nonce, sealed, aad)


def _stdlib_open(material: bytes, nonce: bytes, blob: bytes, aad: bytes) -> bytes:
    sealed, tag = blob[:-_TAG_LEN], blob[-_TAG_LEN:]
    if len(blob) < _TAG_LEN or not hmac.compare_digest(tag, _mac(material, nonce, sealed, aad)):
        raise ValueError('authentication failed')
    return _xor_stream(material, nonce, sealed)


def seal(material: bytes, data: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE_LEN)
    if AESGCM is not None:
        return nonce + AESGCM(material).encrypt(nonce, data, aad)
    return nonce + _stdlib_seal(material, nonce, data, aad)


def unseal(material: bytes, blob: bytes, aad: bytes) -> bytes:
    nonce, rest = blob[:_NONCE_LEN], blob[_NONCE_LEN:]
    if AESGCM is None:
        return _stdlib_open(material, nonce, rest, aad)
    try:
        return AESGCM(material).decrypt(nonce, rest, aad)
    except Exception as exc:  # cryptography raises InvalidTag
        raise ValueError('authentication failed') from exc


def _aad(key: KmsKey, context: dict) -> bytes:
    return f'{key.key_id}|{key.primary_version}|{json.dumps(context, sort_keys=True)}'.encode()


def encrypt_blob(key: KmsKey, plaintext: bytes, context: dict) -> str:
    sealed = seal(base64.b64decode(key.material), plaintext, _aad(key, context))
    return base64.b64encode(BLOB_MAGIC + key.key_id.encode() + key.primary_version.encode() + sealed).decode()


def blob_key_id(blob: str) -> str | None:
    try:
        raw = base64.b64decode(blob, validate=True)
    except ValueError:
        return None
    if not raw.startswith(BLOB_MAGIC) or len(raw) < len(BLOB_MAGIC) + 2 * _ID_LEN + _NONCE_LEN + _TAG_LEN:
        return None
    return raw[len(BLOB_MAGIC):len(BLOB_MAGIC) + _ID_LEN].decode('ascii', 'replace')


def decrypt_blob(key: KmsKey, blob: str, context: dict) -> bytes:
    raw = base64.b64decode(blob)
    start = len(BLOB_MAGIC) + 2 * _ID_LEN
    return unseal(base64.b64decode(key.material), raw[start:], _aad(key, context))


# ------------------------------------------------------------------------------------ keys
def new_key(account: Account, region_id: str, at: float, description: str = '', key_spec: str = 'Aliyun_AES_256',
            key_usage: str = 'ENCRYPT/DECRYPT', protection_level: str = 'SOFTWARE', tags: list | None = None) -> KmsKey:
    key = KmsKey(key_id=str(uuid.uuid4()), account_id=account.account_id, region_id=region_id,
                 description=description, key_spec=key_spec, key_usage=key_usage, origin='Aliyun_KMS',
                 protection_level=protection_level, creation_date=iso(at), primary_version=str(uuid.uuid4()),
                 material=base64.b64encode(os.urandom(32)).decode(), tags=tags or [])
    account.keys[key.key_id] = key
    return key


def add_alias(account: Account, region_id: str, alias_name: str, key_id: str) -> Alias:
    if not _ALIAS_RE.match(alias_name):
        raise invalid('AliasName', 'It must look like alias/<name>.')
    if f'{region_id}:{alias_name}' in account.aliases:
        raise ApiError(*c.ALIAS_EXISTS)
    alias = Alias(alias_name, key_id, region_id)
    account.aliases[f'{region_id}:{alias_name}'] = alias
    return alias


def new_secret(account: Account, region_id: str, at: float, name: str, data: str, version_id: str = 'v1',
               data_type: str = 'text', description: str = '', encryption_key_id: str = '', tags: list | None = None,
               extended_config: str = '', secret_type: str = 'Generic') -> Secret:
    if not _SECRET_NAME_RE.match(name):
        raise invalid('SecretName', 'It must be 1-192 letters, digits or /_+=.@- characters.')
    if f'{region_id}:{name}' in account.secrets:
        raise ApiError(*c.RESOURCE_EXISTS)
    created = iso(at)
    secret = Secret(name=name, region_id=region_id, account_id=account.account_id, description=description,
                    secret_type=secret_type, data_type=data_type, encryption_key_id=encryption_key_id,
                    create_time=created, extended_config=extended_config, tags=tags or [],
                    versions={version_id: {'data': data, 'stages': ['ACSCurrent'], 'create_time': created}})
    account.secrets[f'{region_id}:{name}'] = secret
    return secret


def key_metadata(key: KmsKey) -> dict:
    return {
        'KeyId': key.key_id, 'Arn': key.arn, 'KeyState': key.state, 'KeySpec': key.key_spec, 'KeyUsage': key.key_usage,
        'Origin': key.origin, 'ProtectionLevel': key.protection_level, 'Description': key.description,
        'Creator': key.account_id, 'CreationDate': key.creation_date, 'PrimaryKeyVersion': key.primary_version,
        'AutomaticRotation': 'Disabled', 'RotationInterval': '', 'NextRotationDate': '', 'LastRotationDate': '',
        'DeleteDate': '', 'MaterialExpireTime': '', 'DeletionProtection': 'Disabled',
        'DeletionProtectionDescription': '', 'DKMSInstanceId': '',
    }


def _key_ref(ref: str) -> str:
    """A key reference without an ARN prefix: a key id or ``alias/<name>``."""
    if ref.startswith('acs:kms:'):
        resource = ref.split(':', 5)[-1]
        return resource[4:] if resource.startswith('key/') else resource
    return ref


def resolve_key(ctx: Context, ref: str) -> KmsKey:
    region = ctx.region()
    ref = _key_ref(ref)
    if ref.startswith('alias/'):
        alias = ctx.account.aliases.get(f'{region}:{ref}')
        if alias is None:
            raise ApiError(*c.ALIAS_NOT_FOUND)
        ref = alias.key_id
    key = ctx.account.keys.get(ref)
    if key is None or key.region_id != region:
        raise ApiError(*c.KEY_NOT_FOUND)
    if key.state != 'Enabled':
        raise ApiError(*c.KEY_DISABLED)
    return key


def _arn(ctx: Context, resource: str) -> str:
    return f'acs:kms:{ctx.region()}:{ctx.account.account_id}:{resource}'


def _key_arns(ctx: Context, ref: str | None = None) -> list[str]:
    ref = ref if ref is not None else (ctx.params.str('KeyId') or '*')
    try:
        return [resolve_key(ctx, ref).arn]
    except ApiError:
        return [_arn(ctx, f'key/{_key_ref(ref)}')]


def _secret_name(ref: str) -> str:
    """GetSecretValue takes a secret name or its ARN (reference 0b.14)."""
    if ref.startswith('acs:kms:'):
        resource = ref.split(':', 5)[-1]
        return resource[len('secret/'):] if resource.startswith('secret/') else resource
    return ref


def _secret_arns(ctx: Context) -> list[str]:
    return [_arn(ctx, f'secret/{_secret_name(ctx.params.str("SecretName") or "*")}')]


def _context(ctx: Context) -> dict:
    value = ctx.params.json('EncryptionContext', {})
    if not isinstance(value, dict):
        raise invalid('EncryptionContext', 'It must be a JSON object.')
    return value


def _page(ctx: Context, items: list) -> tuple[list, dict]:
    number = ctx.params.int('PageNumber', 1, 1)
    size = ctx.params.int('PageSize', 10, 1, 100)
    start = (number - 1) * size
    return items[start:start + size], {'TotalCount': len(items), 'PageNumber': number, 'PageSize': size}


# ------------------------------------------------------------------------------------ actions
@KMS.action('CreateKey', lambda ctx: [_arn(ctx, 'key')])
def create_key(ctx: Context) -> dict:
    p = ctx.params
    usage = p.choice('KeyUsage', ('ENCRYPT/DECRYPT', 'SIGN/VERIFY'), 'ENCRYPT/DECRYPT')
    spec = p.choice('KeySpec', ('Aliyun_AES_256', 'Aliyun_AES_128', 'Aliyun_AES_192', 'Aliyun_SM4'), 'Aliyun_AES_256')
    if p.choice('Origin', ('Aliyun_KMS', 'EXTERNAL'), 'Aliyun_KMS') != 'Aliyun_KMS':
        raise ApiError('UnsupportedOperation', 'The emulator supports only keys with Origin Aliyun_KMS.')
    level = p.choice('ProtectionLevel', ('SOFTWARE', 'HSM'), 'SOFTWARE')
    tags = p.json('Tags', [])
    key = new_key(ctx.account, ctx.region(), ctx.now, p.str('Description', '', max_len=8192), spec, usage, level, tags)
    return {'KeyMetadata': key_metadata(key)}


@KMS.action('DescribeKey', _key_arns)
def describe_key(ctx: Context) -> dict:
    return {'KeyMetadata': key_metadata(resolve_key(ctx, ctx.params.str('KeyId', required=True)))}


_KEY_FILTERS = {'KeyState': 'state', 'KeySpec': 'key_spec', 'KeyUsage': 'key_usage', 'ProtectionLevel': 'protection_level'}


@KMS.action('ListKeys', lambda ctx: [_arn(ctx, 'key')])
def list_keys(ctx: Context) -> dict:
    filters = ctx.params.json('Filters', [])
    if not isinstance(filters, list) or not all(isinstance(f, dict) and f.get('Key') in _KEY_FILTERS for f in filters):
        raise invalid('Filters', f'Keys: {", ".join(_KEY_FILTERS)}.')
    region = ctx.region()
    keys = [k for k in ctx.account.keys.values() if k.region_id == region
            and all(getattr(k, _KEY_FILTERS[f['Key']]) in f.get('Values', []) for f in filters)]
    page, paging = _page(ctx, keys)
    return {'Keys': {'Key': [{'KeyId': k.key_id, 'KeyArn': k.arn} for k in page]}, **paging}


@KMS.action('CreateAlias', lambda ctx: [_arn(ctx, f'alias/{ctx.params.str("AliasName", "")[6:]}')] + _key_arns(ctx))
def create_alias(ctx: Context) -> dict:
    key = resolve_key(ctx, ctx.params.str('KeyId', required=True))
    add_alias(ctx.account, ctx.region(), ctx.params.str('AliasName', required=True), key.key_id)
    return {}


@KMS.action('ListAliases', lambda ctx: [_arn(ctx, 'alias')])
def list_aliases(ctx: Context) -> dict:
    region = ctx.region()
    aliases = [a for a in ctx.account.aliases.values() if a.region_id == region]
    page, paging = _page(ctx, aliases)
    account_id = ctx.account.account_id
    rows = [{'AliasName': a.name, 'AliasArn': f'acs:kms:{region}:{account_id}:{a.name}', 'KeyId': a.key_id} for a in page]
    return {'Aliases': {'Alias': rows}, **paging}


@KMS.action('Encrypt', _key_arns)
def encrypt(ctx: Context) -> dict:
    key = resolve_key(ctx, ctx.params.str('KeyId', required=True))
    plaintext = ctx.params.str('Plaintext', required=True, max_len=PLAINTEXT_MAX)
    try:  # Plaintext must be Base64 (reference 0b.14); Decrypt returns it as sent
        base64.b64decode(plaintext, validate=True)
    except ValueError:
        raise invalid('Plaintext', 'It must be Base64-encoded.') from None
    blob = encrypt_blob(key, plaintext.encode(), _context(ctx))
    return {'CiphertextBlob': blob, 'KeyId': key.key_id, 'KeyVersionId': key.primary_version}


def _decrypt_arns(ctx: Context) -> list[str]:
    key_id = blob_key_id(ctx.params.str('CiphertextBlob') or '')
    return _key_arns(ctx, key_id) if key_id else [_arn(ctx, 'key/*')]


@KMS.action('Decrypt', _decrypt_arns)
def decrypt(ctx: Context) -> dict:
    blob = ctx.params.str('CiphertextBlob', required=True)
    key_id = blob_key_id(blob)
    if key_id is None:
        raise invalid('CiphertextBlob', 'It is not a ciphertext produced by this KMS.')
    key = resolve_key(ctx, key_id)
    try:
        plaintext = decrypt_blob(key, blob, _context(ctx))
    except ValueError:
        raise invalid('CiphertextBlob', 'It cannot be decrypted with this key and EncryptionContext.') from None
    return {'Plaintext': plaintext.decode('utf-8', 'replace'), 'KeyId': key.key_id, 'KeyVersionId': key.primary_version}


@KMS.action('GenerateDataKey', _key_arns)
def generate_data_key(ctx: Context) -> dict:
    key = resolve_key(ctx, ctx.params.str('KeyId', required=True))
    length = ctx.params.int('NumberOfBytes', None, 1, 1024) or (16 if ctx.params.str('KeySpec') == 'AES_128' else 32)
    plaintext = base64.b64encode(os.urandom(length)).decode()
    return {'KeyId': key.key_id, 'KeyVersionId': key.primary_version, 'Plaintext': plaintext,
            'CiphertextBlob': encrypt_blob(key, plaintext.encode(), _context(ctx))}


@KMS.action('CreateSecret', _secret_arns)
def create_secret(ctx: Context) -> dict:
    p = ctx.params
    name = p.str('SecretName', required=True)
    data = p.str('SecretData', required=True)
    if len(data.encode()) > SECRET_DATA_MAX:
        raise invalid('SecretData', f'It must be at most {SECRET_DATA_MAX} bytes.')
    key_ref = p.str('EncryptionKeyId')
    key_id = resolve_key(ctx, key_ref).key_id if key_ref else ''
    secret = new_secret(ctx.account, ctx.region(), ctx.now, name, data, p.str('VersionId', required=True, max_len=64),
                        p.choice('SecretDataType', ('text', 'binary'), 'text'), p.str('Description', ''), key_id,
                        p.json('Tags', []), p.str('ExtendedConfig', ''),
                        p.choice('SecretType', ('Generic', 'Rds', 'RAMCredentials', 'ECS', 'Redis', 'PolarDB'), 'Generic'))
    version_id = next(iter(secret.versions))
    return {'Arn': secret.arn, 'SecretName': secret.name, 'VersionId': version_id, 'SecretType': secret.secret_type,
            'AutomaticRotation': 'Disabled', 'RotationInterval': '', 'NextRotationDate': '',
            'ExtendedConfig': secret.extended_config, 'DKMSInstanceId': ''}


@KMS.action('GetSecretValue', _secret_arns)
def get_secret_value(ctx: Context) -> dict:
    p = ctx.params
    secret = ctx.account.secrets.get(f'{ctx.region()}:{_secret_name(p.str("SecretName", required=True))}')
    if secret is None:
        raise ApiError(*c.SECRET_NOT_FOUND)
    version_id = p.str('VersionId')
    stage = p.str('VersionStage', 'ACSCurrent')
    match = [(vid, v) for vid, v in secret.versions.items()
             if (vid == version_id if version_id else stage in v['stages'])]
    if not match:
        raise ApiError(*c.SECRET_VERSION_NOT_FOUND)
    vid, version = match[0]
    body = {'SecretName': secret.name, 'SecretData': version['data'], 'SecretDataType': secret.data_type,
            'SecretType': secret.secret_type, 'VersionId': vid, 'VersionStages': {'VersionStage': list(version['stages'])},
            'CreateTime': version['create_time'], 'AutomaticRotation': 'Disabled', 'RotationInterval': '',
            'NextRotationDate': '', 'LastRotationDate': ''}
    if p.bool('FetchExtendedConfig', False):
        body['ExtendedConfig'] = secret.extended_config
    return body
