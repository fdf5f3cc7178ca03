# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""instance_identity_info against a small metadata service of the standard library, reached as an HTTP proxy."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.alicloud.instance_ram.plugins.modules import instance_identity_info

TOKEN = 'metadata-token-0123456789'


class Service(http.server.ThreadingHTTPServer):
    """A metadata service: `token_status` answers the PUT, `read_status` every GET; `requests` logs what came."""

    def __init__(self, token_status=200, read_status=200, require_token=True, items=None):
        super().__init__(('127.0.0.1', 0), Handler)
        self.token_status = token_status
        self.read_status = read_status
        self.require_token = require_token
        self.items = items or {'instance-id': 'i-bp1identity0001', 'region-id': 'cn-shanghai', 'zone-id': 'cn-shanghai-b'}
        self.requests = []

    @property
    def proxy(self):
        return f'http://127.0.0.1:{self.server_address[1]}'


class Handler(http.server.BaseHTTPRequestHandler):

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, status, body=''):
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):  # noqa: N802
        server = self.server
        server.requests.append(('PUT', self.path, self.headers))
        ok = server.token_status == 200 and self.headers.get(instance_identity_info.TTL_HEADER)
        self._answer(200, TOKEN) if ok else self._answer(server.token_status or 400)

    def do_GET(self):  # noqa: N802
        server = self.server
        server.requests.append(('GET', self.path, self.headers))
        if server.require_token and self.headers.get(instance_identity_info.TOKEN_HEADER) != TOKEN:
            return self._answer(401)
        if server.read_status != 200:
            return self._answer(server.read_status)
        name = self.path.split('/latest/meta-data/', 1)[-1]
        return self._answer(200, server.items[name]) if name in server.items else self._answer(404)


@pytest.fixture
def service_factory():
    started = []

    def start(**kwargs):
        service = Service(**kwargs)
        threading.Thread(target=service.serve_forever, daemon=True).start()
        started.append(service)
        return service
    yield start
    for service in started:
        service.shutdown()
        service.server_close()


def run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            instance_identity_info.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize('check_mode', [False, True])
def test_identity_in_hardened_mode_through_the_proxy(capsys, service_factory, check_mode):
    service = service_factory()
    code, out = run(capsys, {'metadata_proxy': service.proxy, '_ansible_check_mode': check_mode})
    assert code == 0 and out['changed'] is False
    assert (out['instance_id'], out['region_id'], out['zone_id'], out['metadata_mode']) == \
        ('i-bp1identity0001', 'cn-shanghai', 'cn-shanghai-b', 'token')
    # the token first, then the reads; every request aimed at 100.100.100.200 (absolute form: through the proxy)
    assert [m for m, p, h in service.requests] == ['PUT', 'GET', 'GET', 'GET']
    assert all(p.startswith('http://100.100.100.200/latest/') for m, p, h in service.requests)
    assert service.requests[0][2].get(instance_identity_info.TTL_HEADER) == '60'
    assert all(h.get(instance_identity_info.TOKEN_HEADER) == TOKEN for m, p, h in service.requests[1:])
    assert TOKEN not in json.dumps(out)


def test_an_environment_proxy_is_never_used(capsys, service_factory, monkeypatch):
    service = service_factory()
    monkeypatch.setenv('HTTP_PROXY', service.proxy)
    monkeypatch.setenv('http_proxy', service.proxy)
    code, out = run(capsys, {'connect_timeout': 0.2, 'read_timeout': 0.2})
    # whatever 100.100.100.200 is from here (nothing, or a firewall answering), the environment proxy was not used
    assert code == 1 and out['error']['code'] in ('Metadata.Unreachable', 'Metadata.TokenRefused') and not service.requests


@pytest.mark.parametrize('kwargs, args, code, words', [
    ({'token_status': 403}, {}, 'Metadata.TokenRefused', 'HttpEndpoint=disabled'),
    ({'token_status': 403}, {'allow_tokenless': True}, 'Metadata.TokenlessRefused', 'HttpTokens=required'),
    ({'read_status': 403, 'require_token': False}, {}, 'Metadata.Disabled', 'disabled'),
    ({'items': {'instance-id': 'not-an-id', 'region-id': 'cn-shanghai'}}, {}, 'Metadata.InvalidResponse', 'ECS instance id'),
    ({'items': {'region-id': 'cn-shanghai'}}, {}, 'Metadata.InvalidResponse', 'no instance-id'),
])
def test_failures_say_why(capsys, service_factory, kwargs, args, code, words):
    service = service_factory(**kwargs)
    rc, out = run(capsys, {'metadata_proxy': service.proxy, **args})
    assert rc == 1 and out['failed'] is True
    assert out['error']['code'] == code and code in out['msg'] and words in out['msg'], out['msg']


def test_tokenless_when_allowed_and_no_zone(capsys, service_factory):
    service = service_factory(token_status=404, require_token=False, items={'instance-id': 'i-x1', 'region-id': 'eu-central-1'})
    code, out = run(capsys, {'metadata_proxy': service.proxy, 'allow_tokenless': True})
    assert code == 0 and out['metadata_mode'] == 'tokenless' and out['zone_id'] is None and out['region_id'] == 'eu-central-1'


@pytest.mark.parametrize('ttl', [0, 21601])
def test_token_ttl_is_bounded(capsys, service_factory, ttl):
    service = service_factory()
    code, out = run(capsys, {'metadata_proxy': service.proxy, 'metadata_token_ttl': ttl})
    assert code == 1 and out['error']['option'] == 'metadata_token_ttl' and not service.requests
