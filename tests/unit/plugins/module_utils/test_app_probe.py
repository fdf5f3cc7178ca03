# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The application probe (module_utils/_app_probe.py) and the app_access_check module around it."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _app_probe as probe
from ansible_collections.alicloud.instance_ram.plugins.modules import app_access_check as module

STS_ID = 'STS.NUxbb5Vq1oWkYk7dQPCdWnbTz'
TOKEN = 'CAISzQJ1q6Ft5B2yfSjIr5bSJ9Lfmo9x5piLZW7T0UNiO' + 'x' * 40


class CredentialException(Exception):
    """Shaped like alibabacloud_credentials.exceptions.CredentialException (classified by its type name)."""


class TeaLike(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# ------------------------------------------------------------------ environment files
def test_env_file_is_parsed_like_systemd():
    text = '\n'.join([
        '# managed', '; also a comment', '', 'ALIBABA_CLOUD_ECS_METADATA=AppRole',
        'export ALIBABA_CLOUD_IMDSV1_DISABLED="true"', "QUOTED='a b'", 'not a line', '1BAD=x', 'EMPTY=',
    ])
    assert probe.parse_env_file(text) == {'ALIBABA_CLOUD_ECS_METADATA': 'AppRole', 'ALIBABA_CLOUD_IMDSV1_DISABLED': 'true',
                                          'QUOTED': 'a b', 'EMPTY': ''}


@pytest.mark.parametrize('environ, mode', [
    ({'ALIBABA_CLOUD_IMDSV1_DISABLED': 'true'}, 'token'),
    ({'ALIBABA_CLOUD_IMDSV1_DISABLED': 'TRUE'}, 'token'),
    ({'ALIBABA_CLOUD_IMDSV1_DISABLED': 'false'}, 'token_with_fallback'),
    ({}, 'token_with_fallback'),
])
def test_metadata_mode_follows_the_variable_the_credentials_library_reads(environ, mode):
    assert probe.metadata_mode(environ) == mode


@pytest.mark.parametrize('endpoint, expected', [
    (None, ('kms.cn-hangzhou.aliyuncs.com', 'https')),
    ('kms-vpc.cn-hangzhou.aliyuncs.com', ('kms-vpc.cn-hangzhou.aliyuncs.com', 'https')),
    ('http://127.0.0.1:8080', ('127.0.0.1:8080', 'http')),
    ('https://kst-1.cryptoservice.kms.aliyuncs.com/', ('kst-1.cryptoservice.kms.aliyuncs.com', 'https')),
])
def test_endpoint_as_an_application_passes_it(endpoint, expected):
    assert probe.split_endpoint(endpoint, 'cn-hangzhou') == expected


# ------------------------------------------------------------------ nothing secret leaves the probe
def test_scrub_removes_key_ids_tokens_and_secret_looking_values():
    text = f'signed with {STS_ID} token {TOKEN} "AccessKeySecret": "s3cr3tValue" password=hunter2'
    clean = probe.scrub(text)
    for value in (STS_ID, TOKEN, 's3cr3tValue', 'hunter2', 'LTAI'):
        assert value not in clean
    assert '<access-key-id>' in clean and '<security-token>' in clean and '<redacted>' in clean


def test_scrub_shortens_long_messages():
    assert len(probe.scrub('x' * 5000)) == 400


# ------------------------------------------------------------------ failures, classified
class _Refuse(http.server.BaseHTTPRequestHandler):
    """A metadata service in hardened mode: every tokenless GET is refused."""

    def do_GET(self):  # noqa: N802
        self.send_response(401 if 'X-aliyun-ecs-metadata-token' not in self.headers else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hardened_metadata_proxy():
    server = http.server.HTTPServer(('127.0.0.1', 0), _Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


def test_a_tokenless_fetch_refused_by_a_hardened_instance_is_named_so(hardened_metadata_proxy):
    # exactly what aliyunsdkcore's EcsRamRoleSigner does: urlopen of the credentials URL, no token header
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({'http': hardened_metadata_proxy}))
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open('http://100.100.100.200/latest/meta-data/ram/security-credentials/AppRole')
    code, message, advice = probe.classify('secretsmanager_v1', caught.value)
    assert code == 'MetadataTokenRequired'
    assert 'hardened mode' in message and 'HTTP 401' in message
    assert 'HttpTokens=required' in advice and 'alibabacloud-secretsmanager-client-v2' in advice


def test_an_http_error_elsewhere_is_not_a_metadata_refusal():
    err = urllib.error.HTTPError('https://kms.cn-hangzhou.aliyuncs.com/', 403, 'Forbidden', {}, None)
    assert probe.classify('secretsmanager_v1', err)[0] != 'MetadataTokenRequired'


def test_the_old_client_on_python_311_is_incompatible_not_misconfigured():
    code, dummy, advice = probe.classify('secretsmanager_v1', ValueError("invalid mode: 'Ur'"))
    assert code == 'ClientIncompatible' and "'Ur'" in advice


@pytest.mark.parametrize('text, code', [
    ('Failed to get RAM session credentials from ECS metadata service. HttpCode=401', 'MetadataTokenRequired'),
    ('Failed to get token from ECS Metadata Service. HttpCode=403', 'MetadataTokenRequired'),
    ('unable to load credentials from any of the providers in the chain: []', 'CredentialsUnavailable'),
])
def test_credential_failures(text, code):
    assert probe.classify('kms_sdk', CredentialException(text))[0] == code


def test_a_kms_error_keeps_its_code_and_message():
    err = TeaLike('Forbidden.NoPermission', f'denied for {STS_ID}')
    assert probe.classify('secretsmanager_v2', err) == ('Forbidden.NoPermission', 'denied for <access-key-id>', None)


def test_a_configuration_error():
    assert probe.classify('secretsmanager_v2', ValueError('the param[regionInfo] is needed'))[0] == 'ConfigError'


# ------------------------------------------------------------------ probe() never raises
def test_a_client_that_is_not_installed_is_reported_not_failed(monkeypatch):
    monkeypatch.setitem(probe.IMPORTS, 'secretsmanager_v1', 'no_such_package_for_the_test')
    result = probe.probe('secretsmanager_v1', {'region_id': 'cn-hangzhou', 'secret_name': 's'}, environ={})
    assert result['installed'] is False and result['passed'] is False and result['code'] == 'NotInstalled'
    assert result['hardened_mode'] is False and result['metadata_mode'] == 'tokenless'
    assert 'HttpTokens=required' in result['advice']


def test_a_failing_probe_is_a_result(monkeypatch):
    def denied(request, result):
        raise TeaLike('Forbidden.NoPermission', 'This operation is forbidden by permission system.')
    monkeypatch.setitem(probe.PROBES, 'kms_sdk', denied)
    result = probe.probe('kms_sdk', {'region_id': 'cn-hangzhou'}, environ={'ALIBABA_CLOUD_IMDSV1_DISABLED': 'true'})
    assert result['installed'] is True and result['passed'] is False
    assert result['code'] == 'Forbidden.NoPermission' and result['metadata_mode'] == 'token' and result['advice'] is None


def test_the_secrets_manager_probe_needs_a_secret():
    result = probe.probe('secretsmanager_v2', {'region_id': 'cn-hangzhou'}, environ={})
    assert result['installed'] is True  # tools/requirements-dev.txt installs it
    assert result['code'] == 'ConfigError' and 'secret_name' in result['message']


# ------------------------------------------------------------------ the module: a service's environment, a fresh process
def params(**extra):
    base = {'clients': ['kms_sdk'], 'region_id': 'cn-hangzhou', 'kms_endpoint': None, 'secret_name': None, 'env_files': [],
            'properties_file': None, 'home': '/nonexistent-home', 'http_proxy': None, 'python': None, 'timeout': 60,
            'fail_on_failure': False}
    base.update(extra)
    return base


def test_the_fresh_process_gets_a_service_environment_and_never_the_callers_keys(monkeypatch):
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_ID', 'LTAI5tCallerKey')
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'caller-secret')
    files = {'/etc/a.env': 'ALIBABA_CLOUD_ECS_METADATA=A\nX=1', '/etc/b.env': 'ALIBABA_CLOUD_ECS_METADATA=B'}
    env = module.service_environment(params(env_files=['/etc/a.env', '/etc/b.env'], http_proxy='http://127.0.0.1:9'),
                                     read=files.__getitem__)
    assert env == {'PATH': module.SERVICE_PATH, 'LANG': 'C.UTF-8', 'HOME': '/nonexistent-home', 'X': '1',
                   'ALIBABA_CLOUD_ECS_METADATA': 'B', 'HTTP_PROXY': 'http://127.0.0.1:9', 'http_proxy': 'http://127.0.0.1:9'}


def fake_run(stdout='', returncode=0, raises=None):
    seen = {}

    def runner(argv, **kw):
        seen.update(argv=argv, **kw)
        if raises:
            raise raises
        return subprocess.CompletedProcess(argv, returncode, stdout, 'Traceback ... AccessKeySecret=leaked')
    return runner, seen


def test_run_client_sends_the_probe_source_and_the_request_and_reads_the_result(tmp_path):
    props = tmp_path / 'secretsmanager.properties'
    runner, seen = fake_run(stdout='client log line\n' + probe.RESULT_PREFIX + json.dumps({'client': 'kms_sdk', 'passed': True}) + '\n')
    result = module.run_client('secretsmanager_v2', params(properties_file=str(props), secret_name='s'), {'HOME': '/h'}, runner=runner)
    assert result == {'client': 'kms_sdk', 'passed': True}
    assert seen['argv'][0] == sys.executable and seen['argv'][1] == '-c' and seen['argv'][3] == 'secretsmanager_v2'
    assert 'def probe(client, request' in seen['argv'][2]
    assert seen['cwd'] == str(tmp_path) and seen['env'] == {'HOME': '/h'}
    assert json.loads(seen['input'])['secret_name'] == 's'


@pytest.mark.parametrize('runner_args, code', [
    ({'stdout': 'no result line', 'returncode': 1}, 'ProbeFailed'),
    ({'raises': subprocess.TimeoutExpired('python', 60)}, 'Timeout'),
    ({'raises': FileNotFoundError(2, 'No such file')}, 'ProbeFailed'),
])
def test_run_client_failures_are_results_without_the_process_output(runner_args, code):
    runner, dummy = fake_run(**runner_args)
    result = module.run_client('kms_sdk', params(python='/opt/app/bin/python'), {'HOME': '/'}, runner=runner)
    assert result['code'] == code and result['passed'] is False
    assert 'leaked' not in json.dumps(result)


def _closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_a_real_fresh_process_without_any_credential_source_reports_it(tmp_path):
    # the real probe, in a real `python -c`: no key, no profile, and a metadata service nobody answers
    proxy = f'http://127.0.0.1:{_closed_port()}'
    p = params(home=str(tmp_path), http_proxy=proxy, kms_endpoint=f'http://127.0.0.1:{_closed_port()}', timeout=120)
    result = module.run_client('kms_sdk', p, module.service_environment(p))
    assert result['installed'] is True
    assert result['passed'] is False and result['code'] == 'CredentialsUnavailable'
    assert result['package'] == 'alibabacloud-kms20160120' and result['version']


def test_a_wrapped_cause_is_classified():
    class Unretryable(Exception):
        def __init__(self, inner):
            super().__init__('retry failed')
            self.inner_exception = inner
    wrapped = Unretryable(CredentialException('Failed to get token from ECS Metadata Service. HttpCode=401'))
    assert probe.classify('kms_sdk', wrapped)[0] == 'MetadataTokenRequired'


class _Deny(http.server.BaseHTTPRequestHandler):
    """A KMS endpoint that refuses every call the way KMS does (HTTP 403, a JSON error body)."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        body = json.dumps({'Code': 'Forbidden.NoPermission', 'Message': 'This operation is forbidden by permission system.',
                           'RequestId': 'R-1', 'HostId': 'kms.cn-hangzhou.aliyuncs.com'}).encode()
        self.send_response(403)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_real_fresh_process_refused_by_kms_reports_the_code_and_the_provider_it_used(tmp_path):
    # the application's environment file carries keys here: the report must say so (default/env), with KMS's code
    server = http.server.HTTPServer(('127.0.0.1', 0), _Deny)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env_file = tmp_path / 'app.env'
        env_file.write_text('ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tUnitTestKey\nALIBABA_CLOUD_ACCESS_KEY_SECRET=UnitTestSecretDoNotLeak\n')
        p = params(home=str(tmp_path), env_files=[str(env_file)], kms_endpoint=f'http://127.0.0.1:{server.server_address[1]}',
                   secret_name='db-password', timeout=120)
        result = module.run_client('kms_sdk', p, module.service_environment(p))
    finally:
        server.shutdown()
    assert result['passed'] is False and result['code'] == 'Forbidden.NoPermission'
    assert result['provider'] == 'default/env' and result['action'] == 'GetSecretValue'
    assert 'UnitTestSecretDoNotLeak' not in json.dumps(result)
