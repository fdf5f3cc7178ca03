# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECS instance metadata service (100.100.100.200), for every emulated instance.

An instance is reached as itself in three ways (see README): a port of its own, opened on demand
by ``/_emulator/metadata-proxy`` and usable as an HTTP proxy or as an origin (the credentials
library sends no Proxy-Authorization, so this is what ``ControlClient.metadata_proxy`` returns);
the main port used as a proxy with the instance id as proxy user name
(``http://<instance-id>@127.0.0.1:PORT``, for clients such as curl that send
``Proxy-Authorization: Basic base64("<instance-id>:")``); or ``/_imds/<instance-id>/latest/...``.
"""
from __future__ import annotations

import base64
import binascii
import time
from typing import TYPE_CHECKING

from . import contract as c
from .clock import iso, now, random_alnum, request_id
from .dispatch import RawRequest, Reply, apply_faults
from .faults import BODY_KINDS
from .ecs import ECS_SERVICE
from .policy import trust_allows
from .store import Instance, Store, TempCredential

if TYPE_CHECKING:
    from .server import Emulator

TTL_HEADER = 'X-aliyun-ecs-metadata-token-ttl-seconds'
TOKEN_HEADER = 'X-aliyun-ecs-metadata-token'
TOKEN_PATH = '/latest/api/token'
CREDENTIALS_PATH = '/latest/meta-data/ram/security-credentials/'
MAX_TOKEN_TTL = 21600
MAX_ROTATION_LEAD = 1800  # a new credential is served 30 minutes before the previous one expires
_TOKEN_PRUNE_THRESHOLD = 1024

_ITEMS = {
    'instance-id': lambda i: i.instance_id, 'region-id': lambda i: i.region_id, 'zone-id': lambda i: i.zone_id,
    'hostname': lambda i: i.hostname, 'private-ipv4': lambda i: i.private_ip, 'vpc-id': lambda i: i.vpc_id,
    'vswitch-id': lambda i: i.vswitch_id, 'instance/instance-type': lambda i: i.instance_type,
    'image-id': lambda i: i.image_id, 'owner-account-id': lambda i: i.account_id,
}


def _text(status: int, body: str) -> Reply:
    return Reply(status, body, {})


def proxy_user(headers) -> str | None:
    """The user name of a ``Proxy-Authorization: Basic`` header."""
    scheme, dummy, value = headers.get('Proxy-Authorization', '').partition(' ')
    if scheme.lower() != 'basic':
        return None
    try:
        user = base64.b64decode(value.strip(), validate=True).decode().partition(':')[0]
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user or None


def _action(method: str, path: str) -> str:
    if path == TOKEN_PATH:
        return 'MetadataToken'
    if path == CREDENTIALS_PATH:
        return 'MetadataRoleName'
    if path.startswith(CREDENTIALS_PATH):
        return 'MetadataCredentials'
    return 'MetadataItem' if method == 'GET' else 'MetadataUnknown'


def instance_credential(store: Store, inst: Instance, at: float) -> TempCredential | None:
    """The STS credential of the role bound to ``inst``, rotated ahead of its expiry; None without a usable role."""
    account = store.accounts.get(inst.account_id)
    role = store.find_role(account, inst.ram_role) if account else None
    if role is None or not trust_allows(role.trust, 'Service', [ECS_SERVICE]):
        return None
    lifetime = store.settings.credential_lifetime
    cred = store.credentials.get(inst.imds_credential or '')
    if cred is None or cred.role_id != role.role_id or cred.expiration - at <= min(MAX_ROTATION_LEAD, lifetime / 2):
        cred = store.mint_credential(account, role, inst.instance_id, lifetime, 'InstanceMetadata',
                                     policy=inst.ram_role_policy, instance_id=inst.instance_id)
        inst.imds_credential = cred.access_key_id
    return cred


def _issue_token(store: Store, inst: Instance, headers, at: float) -> Reply:
    if 'X-Forwarded-For' in headers:
        return _text(*c.IMDS_FORWARDED)
    raw = headers.get(TTL_HEADER)
    if raw is None:
        return _text(400, f'Missing header {TTL_HEADER}.')
    if not raw.strip().isdigit() or not 1 <= int(raw) <= MAX_TOKEN_TTL:
        return _text(400, f'{TTL_HEADER} must be an integer from 1 to {MAX_TOKEN_TTL}.')
    if len(store.imds_tokens) > _TOKEN_PRUNE_THRESHOLD:
        for token, (dummy, expires) in list(store.imds_tokens.items()):
            if expires <= at:
                del store.imds_tokens[token]
    token = random_alnum(56)
    store.imds_tokens[token] = (inst.instance_id, at + int(raw))
    return _text(200, token)


def _token_error(store: Store, inst: Instance, headers, at: float) -> Reply | None:
    token = headers.get(TOKEN_HEADER)
    if token is None:
        if inst.http_tokens == 'required':  # 403, as the ECS user guide documents (reference 0b.9)
            return _text(*c.IMDS_TOKEN_REQUIRED)
        return None
    owner, expires = store.imds_tokens.get(token, (None, 0.0))
    if owner != inst.instance_id or expires <= at:
        return _text(*c.IMDS_BAD_TOKEN)
    return None


def serve(store: Store, instance_id: str | None, method: str, path: str, headers, at: float) -> Reply:
    inst = store.instances.get(instance_id or '')
    if inst is None:
        return _text(404, f'No emulated instance "{instance_id}".')
    if inst.http_endpoint != 'enabled':
        return _text(403, 'The metadata service of this instance is disabled.')
    if method == 'PUT' and path == TOKEN_PATH:
        return _issue_token(store, inst, headers, at)
    if method != 'GET':
        return _text(405, 'Method not allowed.')
    error = _token_error(store, inst, headers, at)
    if error is not None:
        return error
    # a role bound less than propagation_delay seconds ago is not served yet
    role = inst.ram_role if at >= inst.bound_at + store.settings.propagation_delay else ''
    if path == CREDENTIALS_PATH:
        return _text(200, role) if role else _text(*c.IMDS_NO_ROLE)
    if path.startswith(CREDENTIALS_PATH):
        name = path[len(CREDENTIALS_PATH):]
        cred = instance_credential(store, inst, at) if name and role and name.lower() == role.lower() else None
        if cred is None:
            return _text(404, f'No credentials for role "{name}" on this instance.')
        return Reply(200, {'AccessKeyId': cred.access_key_id, 'AccessKeySecret': cred.secret,
                           'Expiration': iso(cred.expiration), 'SecurityToken': cred.token,
                           'LastUpdated': iso(cred.issued_at), 'Code': 'Success'}, {})
    item = path.removeprefix('/latest/meta-data/')
    if item in _ITEMS:
        return _text(200, _ITEMS[item](inst))
    return _text(*c.IMDS_NOT_FOUND)


async def handle_metadata(emu: Emulator, req: RawRequest, instance_id: str | None, path: str) -> Reply | None:
    """Serve ``path`` as the metadata service of ``instance_id`` (None: the proxy client did not say which)."""
    if instance_id is None:
        return _text(407, 'Use the proxy URL from /_emulator/metadata-proxy, or http://<instance-id>@<host:port>.')
    action = _action(req.method, path)
    fault = await apply_faults(emu, 'IMDS', action)
    started = time.perf_counter()
    if fault is None or fault.kind in ('delay',) + BODY_KINDS:
        reply = serve(emu.store, instance_id, req.method, path, req.headers, now())
        if fault is not None and fault.kind in BODY_KINDS and reply.status == 200:
            text = reply.encoded().decode()
            reply = _text(200, '' if fault.kind == 'empty_body' else text[:max(1, len(text) // 2)])
    elif fault.kind == 'drop':
        reply = None
    else:
        dummy, status, message = fault.answer('IMDS', emu.store.settings.throttle_status)
        reply = _text(status, message)
    emu.calllog.record('IMDS', action, {'InstanceId': instance_id, 'Path': path},
                       status=reply.status if reply else 0, code=None if reply and reply.status == 200 else 'MetadataError',
                       request_id=request_id(), access_key_id=None, account_id=None, principal=f'instance/{instance_id}',
                       fault=fault.kind if fault else None, duration_ms=round((time.perf_counter() - started) * 1000, 3))
    return reply
