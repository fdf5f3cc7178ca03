# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared test helpers: SDK configuration, error assertions, model completeness."""
from __future__ import annotations

import hashlib
import http.client
import json
import time
import urllib.parse
import uuid
from types import SimpleNamespace

import pytest
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.utils import Utils as OpenApiUtils
from Tea.exceptions import TeaException
from Tea.model import TeaModel

from alicloud_emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_REGION

ECS_TRUST = json.dumps({'Version': '1', 'Statement': [
    {'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': ['ecs.aliyuncs.com']}}]})


def sdk_config(emu, access_key_id: str = DEFAULT_ACCESS_KEY_ID, access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET,
               security_token: str | None = None, **extra) -> Config:
    return Config(access_key_id=access_key_id, access_key_secret=access_key_secret, security_token=security_token,
                  endpoint=emu.endpoint, protocol='http', region_id=DEFAULT_REGION, **extra)


def client_for(cls, emu, **credentials):
    return cls(sdk_config(emu, **credentials))


def user_keys(control, name: str = 'deployer', policies=('AliyunSTSAssumeRoleAccess',), **extra) -> dict:
    """A RAM user with one access key and ``policies``: the SDK credential keywords of that key."""
    made = control.create_user(name, policies=list(policies), **extra)
    return {'access_key_id': made['access_key_id'], 'access_key_secret': made['access_key_secret']}


def api_error(code: str, status: int, call, *args, **kwargs) -> TeaException:
    """Run ``call`` and assert it fails with ``code`` and HTTP ``status``; return the exception."""
    with pytest.raises(TeaException) as info:
        call(*args, **kwargs)
    exc = info.value
    assert exc.code == code, f'expected {code}, got {exc.code}: {exc.message}'
    assert exc.data['statusCode'] == status, f'{code}: expected HTTP {status}, got {exc.data["statusCode"]}'
    assert exc.data.get('RequestId') and exc.data.get('HostId') and exc.data.get('Message')
    return exc


def assert_all_set(model, ignore: tuple[str, ...] = (), path: str = '') -> None:
    """Every attribute of an SDK model (recursively) was filled from the response, except ``ignore``d names."""
    for name, value in vars(model).items():
        where = f'{path}{type(model).__name__}.{name}'
        if name in ignore or name.startswith('_'):
            continue
        assert value is not None, f'{where} was not set by the emulator'
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, TeaModel):
                assert_all_set(item, ignore, f'{where} > ')


def utc_timestamp(offset_seconds: float = 0) -> str:
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + offset_seconds))


def send(emu, method: str, target: str, body: bytes = b'', headers: dict | None = None) -> tuple[int, dict, dict]:
    """One raw HTTP exchange with the emulator (no proxy); returns status, JSON body, headers."""
    conn = http.client.HTTPConnection('127.0.0.1', emu.port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else {}, {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def signed_v3(emu, action: str, version: str, query: dict | None = None, form: dict | None = None,
              access_key_id: str = DEFAULT_ACCESS_KEY_ID, access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET,
              security_token: str | None = None, nonce: str | None = None, date: str | None = None,
              unsigned: tuple[str, ...] = (), send_body: bytes | None = None, send_query: dict | None = None,
              method: str = 'POST'):
    """A V3 request signed by the SDK's own signer (``Utils.get_authorization``), optionally altered after signing."""
    query = query or {}
    body = urllib.parse.urlencode(sorted(form.items())).encode() if form else b''
    headers = {'host': emu.endpoint, 'x-acs-version': version, 'x-acs-action': action, 'accept': 'application/json',
               'x-acs-date': date or utc_timestamp(), 'x-acs-signature-nonce': nonce or uuid.uuid4().hex,
               'x-acs-content-sha256': hashlib.sha256(body).hexdigest()}
    if form:
        headers['content-type'] = 'application/x-www-form-urlencoded'
    if security_token:
        headers.update({'x-acs-accesskey-id': access_key_id, 'x-acs-security-token': security_token})
    to_sign = SimpleNamespace(pathname='/', method=method, query=query,
                              headers={k: v for k, v in headers.items() if k not in unsigned})
    headers['Authorization'] = OpenApiUtils.get_authorization(to_sign, 'ACS3-HMAC-SHA256', headers['x-acs-content-sha256'],
                                                              access_key_id, access_key_secret)
    sent_query = query if send_query is None else send_query
    target = '/?' + urllib.parse.urlencode(sent_query) if sent_query else '/'
    return send(emu, method, target, body if send_body is None else send_body, headers)
