# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _imds
from ansible_collections.alicloud.instance_ram.plugins.module_utils._credentials import auth_argument_spec
from ansible_collections.alicloud.instance_ram.plugins.module_utils._imds import (
    CREDENTIALS_PATH,
    TOKEN_HEADER,
    TOKEN_PATH,
    TOKEN_TTL_HEADER,
    MetadataClient,
    MetadataError,
)
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.metadata import DOCUMENT, NOW, ROLE, SECRET, TOKEN, FakeService


def params(**kw):
    base = {k: v.get('default') for k, v in auth_argument_spec().items()}
    base.update(kw)
    return base


def client(service, **kw):
    return MetadataClient(params(), send=service, clock=lambda: NOW, **kw)


def test_hardened_mode_discovers_the_role_and_reads_its_credentials():
    service = FakeService()
    meta = client(service, token_ttl=600)
    name, creds = meta.fetch()
    assert name == ROLE and meta.mode == 'token'
    assert creds == {'access_key_id': 'STS.instance', 'access_key_secret': SECRET, 'security_token': TOKEN,
                     'expiration': '2026-11-28T04:00:00Z', 'last_updated': '2026-11-27T21:59:00Z', 'seconds_left': 6 * 3600}
    assert [(m, p) for m, p, h in service.requests] == [('PUT', TOKEN_PATH), ('GET', CREDENTIALS_PATH), ('GET', CREDENTIALS_PATH + ROLE)]
    assert service.requests[0][2] == {TOKEN_TTL_HEADER: '600'}
    assert all(h.get(TOKEN_HEADER) == 'metadata-token' for m, p, h in service.requests[1:])


def test_a_named_role_skips_discovery():
    service = FakeService()
    name, dummy = client(service).fetch(ROLE)
    assert name == ROLE and [p for m, p, h in service.requests] == [TOKEN_PATH, CREDENTIALS_PATH + ROLE]


@pytest.mark.parametrize('service, role, code, status, words', [
    (FakeService(role=None), None, 'Metadata.NoRoleBound', 404, 'no RAM role is bound to this instance'),
    (FakeService(role=''), None, 'Metadata.NoRoleBound', 404, 'no RAM role is bound'),
    (FakeService(), 'OtherRole', 'Metadata.NoRoleBound', 404, "no RAM role named 'OtherRole'"),
    (FakeService(token_status=403), None, 'Metadata.TokenRefused', 403, 'hardened mode is required'),
    (FakeService(token_status=400), None, 'Metadata.TokenRefused', 400, 'refused a token'),
    (FakeService(document={'Code': 'Failed'}), None, 'Metadata.InvalidResponse', 200, "Code 'Failed'"),
    (FakeService(document='not json ' + SECRET), None, 'Metadata.InvalidResponse', 200, 'not a success'),
    # a server error is one, not a refused token (nor a hint about X-Forwarded-For)
    (FakeService(token_status=500), None, 'Metadata.ServerError', 500, 'answered HTTP 500, a server error'),
    (FakeService(token_status=503), None, 'Metadata.ServerError', 503, 'answered HTTP 503, a server error'),
])
def test_failures_are_told_apart(service, role, code, status, words):
    with pytest.raises(MetadataError) as exc:
        client(service).fetch(role)
    assert exc.value.code == code and exc.value.status == status and words in exc.value.message
    assert SECRET not in str(exc.value) and TOKEN not in str(exc.value)


def test_unreachable_names_the_timeouts_and_the_proxy_without_its_user():
    meta = MetadataClient(params(connect_timeout=2.0, read_timeout=30.0, metadata_proxy='http://i-abc:pw@127.0.0.1:9'),
                          send=FakeService(unreachable=True))
    with pytest.raises(MetadataError) as exc:
        meta.fetch()
    assert exc.value.code == 'Metadata.Unreachable' and exc.value.status is None
    assert 'connect timeout 2 s, read timeout 5 s' in exc.value.message  # read timeout capped at 5 s
    assert 'through the proxy 127.0.0.1:9' in exc.value.message and 'pw' not in exc.value.message


def test_tokenless_fallback_only_when_allowed():
    service = FakeService(token_status=403)
    meta = client(service, allow_tokenless=True)
    assert meta.fetch()[0] == ROLE and meta.mode == 'tokenless'
    assert all(TOKEN_HEADER not in h for m, p, h in service.requests[1:])


def test_tokenless_refused_by_an_instance_in_hardened_mode():
    with pytest.raises(MetadataError) as exc:
        client(FakeService(token_status=403, tokenless_status=401), allow_tokenless=True).fetch()
    assert exc.value.code == 'Metadata.TokenlessRefused' and exc.value.status == 401
    assert 'HttpTokens=required' in exc.value.message and 'refused a token, HTTP 403' in exc.value.message


def test_tokenless_fallback_after_an_unanswered_token_request():
    # a container behind a one-hop limit gets no answer to the PUT, but a GET works
    class NoPutAnswer(FakeService):
        def __call__(self, method, path, headers, runtime):
            if method == 'PUT':
                raise OSError('read timed out')
            return super().__call__(method, path, headers, runtime)

    meta = client(NoPutAnswer(), allow_tokenless=True)
    assert meta.fetch()[0] == ROLE and meta.mode == 'tokenless'
    with pytest.raises(MetadataError) as exc:
        client(NoPutAnswer()).fetch()
    assert exc.value.code == 'Metadata.Unreachable' and exc.value.action == 'PutToken'


def test_a_rejected_token():
    class RejectsTokens(FakeService):
        def __call__(self, method, path, headers, runtime):
            return (200, 'expired-token') if method == 'PUT' else super().__call__(method, path, headers, runtime)

    with pytest.raises(MetadataError) as exc:
        client(RejectsTokens()).fetch()
    assert exc.value.code == 'Metadata.TokenRefused' and exc.value.status == 401


@pytest.mark.parametrize('expiration, left', [('2026-11-27T22:10:00Z', 600), ('2026-11-27T21:00:00Z', 0), (None, None), ('soon', None)])
def test_seconds_left(expiration, left):
    assert client(FakeService()).normalize({'Expiration': expiration})['seconds_left'] == left


# ---------------------------------------------------------------- the real HTTP stack (requests), through a local proxy

class _Proxy(BaseHTTPRequestHandler):
    """Answers absolute-form requests for http://100.100.100.200/... as the metadata service would."""
    seen = []

    def _answer(self):
        auth = self.headers.get('Proxy-Authorization')
        user = base64.b64decode(auth.split()[1]).decode() if auth else None
        self.seen.append((self.command, self.path, user, self.headers.get(TOKEN_TTL_HEADER), self.headers.get(TOKEN_HEADER)))
        if self.command == 'PUT':
            status, body = 200, 'tea-token'
        elif self.path.endswith(CREDENTIALS_PATH):
            status, body = 200, ROLE
        else:
            status, body = 200, json.dumps(DOCUMENT)
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = _answer

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


def test_http_transport_through_a_proxy_identifies_the_instance():
    # requests sends Proxy-Authorization only when the URL has a password part, even an empty one
    server = ThreadingHTTPServer(('127.0.0.1', 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        meta = MetadataClient(params(metadata_proxy=f'http://i-abc123:@127.0.0.1:{server.server_port}'), token_ttl=300)
        name, creds = meta.fetch()
    finally:
        server.shutdown()
        server.server_close()
    assert name == ROLE and creds['access_key_id'] == 'STS.instance' and meta.mode == 'token'
    assert _Proxy.seen == [
        ('PUT', 'http://100.100.100.200' + TOKEN_PATH, 'i-abc123:', '300', None),
        ('GET', 'http://100.100.100.200' + CREDENTIALS_PATH, 'i-abc123:', None, 'tea-token'),
        ('GET', 'http://100.100.100.200' + CREDENTIALS_PATH + ROLE, 'i-abc123:', None, 'tea-token'),
    ]


def test_http_transport_reports_a_closed_port_as_unreachable():
    server = ThreadingHTTPServer(('127.0.0.1', 0), _Proxy)
    port = server.server_port
    server.server_close()
    meta = MetadataClient(params(metadata_proxy=f'http://127.0.0.1:{port}', connect_timeout=1.0))
    with pytest.raises(MetadataError) as exc:
        meta.fetch()
    assert exc.value.code == 'Metadata.Unreachable' and 'connect timeout 1 s' in exc.value.message


def test_a_metadata_server_error_never_mentions_x_forwarded_for():
    with pytest.raises(MetadataError) as exc:
        client(FakeService(token_status=502)).fetch()
    assert 'X-Forwarded-For' not in exc.value.message and exc.value.code == 'Metadata.ServerError'


@pytest.mark.parametrize('metadata_proxy, expected', [(None, {}), ('http://127.0.0.1:3128', {'http': 'http://127.0.0.1:3128'})])
def test_metadata_requests_never_go_through_the_environment_proxy(monkeypatch, metadata_proxy, expected):
    # without metadata_proxy, straight to the link-local service: HTTP_PROXY and NO_PROXY of the environment never apply
    import requests
    seen = []

    class Answer:
        status_code, content = 200, b'metadata-token'

    def request(session, method, url, **kwargs):
        seen.append((session.trust_env, method, url, kwargs['proxies'], kwargs['timeout'], kwargs['allow_redirects']))
        return Answer()

    monkeypatch.setattr(requests.Session, 'request', request)
    monkeypatch.setattr(_imds, '_SESSIONS', {})
    monkeypatch.setenv('HTTP_PROXY', 'http://corporate-proxy:3128')
    monkeypatch.setenv('http_proxy', 'http://corporate-proxy:3128')
    meta = MetadataClient(params(metadata_proxy=metadata_proxy, connect_timeout=2.0, read_timeout=3.0))
    assert meta.fetch_token() == 'metadata-token'
    assert seen == [(False, 'PUT', 'http://100.100.100.200' + TOKEN_PATH, expected, (2.0, 3.0), False)]
    meta.fetch_token()
    assert len(_imds._SESSIONS) == 1, 'one keep-alive session per proxy'  # pylint: disable=protected-access
    assert os.environ['HTTP_PROXY'] == 'http://corporate-proxy:3128', 'the environment is left alone'
