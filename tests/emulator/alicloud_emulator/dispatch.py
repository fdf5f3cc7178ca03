# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API pipeline: route by version/action, inject faults, authenticate, authorize, run, log."""
from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import time
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .api import Caller, Context, Product
from .clock import now, parse_iso, request_id
from .ecs import ECS
from .errors import ApiError, missing
from .faults import BODY_KINDS, Fault
from .kms import KMS
from .params import Params, parse_pairs
from .ram import RAM
from .signatures import constant_time_in, mismatch, parse_v3_authorization, v1_signatures, v3_signature
from .sts import STS

if TYPE_CHECKING:
    from .server import Emulator

PRODUCTS: dict[str, Product] = {p.version: p for p in (RAM, ECS, KMS, STS)}
TIMESTAMP_SKEW_SECONDS = 900
V1_PROTOCOL_PARAMS = frozenset(('Action', 'Version', 'Format', 'Timestamp', 'SignatureNonce', 'SignatureMethod',
                                'SignatureVersion', 'AccessKeyId', 'Signature', 'SecurityToken', 'SignatureType'))
JSON_CONTENT_TYPE = 'application/json;charset=utf-8'


@dataclass
class RawRequest:
    """An HTTP request as received, before any interpretation."""
    method: str
    path: str
    raw_query: str
    headers: object  # a case-insensitive multidict (aiohttp's CIMultiDictProxy)
    body: bytes

    def form(self) -> list[tuple[str, str]]:
        if self.body and self.headers.get('content-type', '').startswith('application/x-www-form-urlencoded'):
            return parse_pairs(self.body.decode('utf-8', 'replace'))
        return []


@dataclass
class Reply:
    status: int
    body: dict | str
    headers: dict[str, str]

    def encoded(self) -> bytes:
        return (json.dumps(self.body) if isinstance(self.body, dict) else self.body).encode()


# ------------------------------------------------------------------------------------ faults
async def apply_faults(emu: Emulator, product: str, action: str) -> Fault | None:
    """Sleep for the configured latency and any delay fault; return the fault to apply (or None)."""
    settings = emu.store.settings
    fault = emu.faults.take(product, action)
    delay_ms = settings.latency_ms + settings.action_latency_ms.get(action, 0)
    if fault is not None and fault.kind == 'delay':
        delay_ms += fault.delay_ms
    if delay_ms > 0:
        await asyncio.sleep(delay_ms / 1000)
    return fault


def fault_error(fault: Fault, product: str, throttle_status: int) -> ApiError:
    headers = {'x-acs-retry-after': str(fault.retry_after)} if fault.retry_after else {}
    code, status, message = fault.answer(product, throttle_status)
    return ApiError(code, message, status, headers)


# ------------------------------------------------------------------------------------ authentication
def _check_timestamp(text: str | None, field: str, at: float) -> None:
    if not text:
        raise missing(field)
    try:
        skew = abs(parse_iso(text) - at)
    except ValueError:
        skew = None
    if skew is None or skew > TIMESTAMP_SKEW_SECONDS:
        raise ApiError('IllegalTimestamp', f'The input parameter "{field}" is not a UTC time within 15 minutes of the server time.')


def _lookup_secret(emu: Emulator, access_key_id: str) -> tuple[Caller, str]:
    store = emu.store
    owner = store.key_owner.get(access_key_id)
    if owner is not None:
        account = store.accounts[owner]
        return Caller(account, access_key_id), account.access_keys[access_key_id]
    if access_key_id in store.user_keys:
        account_id, user_name = store.user_keys[access_key_id]
        user = store.accounts[account_id].users[user_name]
        return Caller(store.accounts[account_id], access_key_id, user=user), user.access_keys[access_key_id]['secret']
    cred = store.credentials.get(access_key_id)
    if cred is not None and cred.account_id in store.accounts:
        return Caller(store.accounts[cred.account_id], access_key_id, cred), cred.secret
    raise ApiError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404)


def authenticate(emu: Emulator, req: RawRequest, query: list[tuple[str, str]], values: dict[str, str], at: float) -> Caller:
    headers = req.headers
    authorization = headers.get('Authorization')
    if authorization:  # V3: ACS3-HMAC-SHA256
        header_values: dict[str, list[str]] = {}
        for name, value in headers.items():
            header_values.setdefault(name.lower(), []).append(value)
        auth = parse_v3_authorization(authorization, set(header_values))
        _check_timestamp(headers.get('x-acs-date'), 'x-acs-date', at)
        if headers.get('x-acs-accesskey-id', auth.credential) != auth.credential:
            raise mismatch('x-acs-accesskey-id differs from the Credential of the Authorization header.')
        caller, secret = _lookup_secret(emu, auth.credential)
        if not constant_time_in(hashlib.sha256(req.body).hexdigest(), [headers.get('x-acs-content-sha256', '')]):
            raise mismatch('The request body does not match x-acs-content-sha256.')
        expected = v3_signature(req.method, req.path, query, header_values, auth.signed_headers,
                                headers['x-acs-content-sha256'], secret)
        if not constant_time_in(auth.signature, [expected]):
            raise mismatch()
        token = headers.get('x-acs-security-token')
        nonce = headers.get('x-acs-signature-nonce')
    else:  # V1: HMAC-SHA1 in the parameters
        for name in ('AccessKeyId', 'Signature', 'Timestamp', 'SignatureNonce'):
            if not values.get(name):
                raise missing(name)
        if values.get('SignatureMethod', 'HMAC-SHA1') != 'HMAC-SHA1':
            raise ApiError('IncompleteSignature', 'Only the HMAC-SHA1 signature method is supported for RPC V1 requests.')
        _check_timestamp(values['Timestamp'], 'Timestamp', at)
        caller, secret = _lookup_secret(emu, values['AccessKeyId'])
        if not constant_time_in(values['Signature'], v1_signatures(req.method, values, secret)):
            raise mismatch()
        token = values.get('SecurityToken')
        nonce = values['SignatureNonce']
    cred = caller.credential
    if cred is not None:
        if not token:
            raise ApiError('MissingSecurityToken', 'SecurityToken is mandatory for this action.')
        if not constant_time_in(token, [cred.token]):
            raise ApiError('InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.')
        if cred.expiration <= at:
            raise ApiError('InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.')
    if not emu.store.use_nonce(caller.access_key_id, nonce, at):
        raise ApiError('SignatureNonceUsed', 'Specified signature nonce was used already.')
    return caller


# ------------------------------------------------------------------------------------ the pipeline
def _route(values: dict[str, str], headers) -> tuple[Product, str]:
    action = headers.get('x-acs-action') or values.get('Action')
    version = headers.get('x-acs-version') or values.get('Version')
    if not action:
        raise missing('Action')
    if not version:
        raise missing('Version')
    product = PRODUCTS.get(version)
    if product is None:
        raise ApiError('InvalidVersion', f'Specified parameter Version "{version}" is not valid.')
    if action not in product.actions:
        raise ApiError('InvalidAction', f'Specified api "{action}" is not found, please check your url and method.', 403)
    return product, action


async def handle_api(emu: Emulator, req: RawRequest) -> Reply | None:
    """Answer one API call; None means: drop the connection without an answer."""
    rid = request_id()
    query = parse_pairs(req.raw_query)
    values = dict(query + req.form())
    product = None
    action = req.headers.get('x-acs-action') or values.get('Action') or ''
    logged = {'request_id': rid, 'access_key_id': None, 'account_id': None, 'principal': None,
              'fault': None, 'duration_ms': 0.0}
    headers = {'x-acs-request-id': rid}
    try:
        product, action = _route(values, req.headers)
        fault = await apply_faults(emu, product.name, action)
        if fault is not None:
            logged['fault'] = fault.kind
            if fault.kind == 'drop':
                _log(emu, product, action, values, logged, 0, 'ConnectionDropped')
                return None
            if fault.kind in ('throttle', 'error'):
                raise fault_error(fault, product.name, emu.store.settings.throttle_status)
        started = time.perf_counter()
        try:
            at = now()
            caller = authenticate(emu, req, query, values, at)
            logged.update(access_key_id=caller.access_key_id, account_id=caller.account.account_id, principal=caller.arn)
            ctx = Context(emu.store, product, action, caller, Params(values), rid, at)
            spec = product.actions[action]
            if spec.resources is not None:
                ctx.authorize(f'{product.prefix}:{action}', spec.resources(ctx))
            result = spec.handler(ctx)
        finally:
            logged['duration_ms'] = round((time.perf_counter() - started) * 1000, 3)
        reply = Reply(200, {'RequestId': rid, **result}, headers)
        code = None
        if fault is not None and fault.kind in BODY_KINDS:  # the call happened; its answer is unreadable
            text = json.dumps(reply.body)
            reply = Reply(200, '' if fault.kind == 'empty_body' else text[:max(1, len(text) // 2)], headers)
            code = 'UnreadableBody'
    except ApiError as exc:
        region = values.get('RegionId') or emu.store.settings.default_region
        body = {'RequestId': rid, 'HostId': product.host_id(region) if product else '127.0.0.1',
                'Code': exc.code, 'Message': exc.message}
        if exc.access_denied_detail:
            body['AccessDeniedDetail'] = exc.access_denied_detail
        reply = Reply(exc.status, body, {**headers, **exc.headers})
        code = exc.code
    except Exception:  # pylint: disable=broad-exception-caught  # a bug here must still answer JSON
        traceback.print_exc(file=sys.stderr)
        reply = Reply(500, {'RequestId': rid, 'HostId': '127.0.0.1', 'Code': 'InternalError',
                            'Message': 'The request processing has failed due to some unknown error.'}, headers)
        code = 'InternalError'
    _log(emu, product, action, values, logged, reply.status, code)
    return reply


def _log(emu: Emulator, product: Product | None, action: str, values: dict[str, str], logged: dict,
         status: int, code: str | None) -> None:
    params = {k: v for k, v in values.items() if k not in V1_PROTOCOL_PARAMS}
    emu.calllog.record(product.name if product else 'Unknown', action, params, status=status, code=code, **logged)
