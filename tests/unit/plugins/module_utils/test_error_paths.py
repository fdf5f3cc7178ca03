# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error paths of every credential source, against a local HTTP server playing STS and RAM.

No credential of any kind (option, profile, obtained from a provider, assumed) may appear in a message or in
the structured `error`, in any encoding; an STS fault is retried like any other call; a failure makes no extra
AssumeRole; a 200 with an unreadable body is said to be one.
"""

from __future__ import annotations

import http.server
import json
import threading
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.alicloud.instance_ram.plugins.module_utils._client import ClientFactory
from ansible_collections.alicloud.instance_ram.plugins.module_utils._credentials import auth_argument_spec
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy

INNER_ID = 'STS.innerKeyId0123456789'
INNER_SECRET = 'InnerSecret+/=0123456789abc'
INNER_TOKEN = 'CAISinnerToken+/with==chars0123456789'
ASSUMED_ID = 'STS.assumedKeyId0123456789'
ASSUMED_SECRET = 'AssumedSecret+/=0123456789ab'
ASSUMED_TOKEN = 'CAISassumedToken+/==0123456789abcdef'
EVERY_SECRET = (INNER_ID, INNER_SECRET, INNER_TOKEN, ASSUMED_ID, ASSUMED_SECRET, ASSUMED_TOKEN)
ROLE_ARN = 'acs:ram::1234567890123456:role/app'


def string_to_sign(params):
    """The string-to-sign a real SignatureDoesNotMatch quotes: the parameters encoded, then encoded again."""
    canonical = '&'.join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(params.items()) if k != 'Signature')
    return 'POST&%2F&' + quote(canonical, safe='')


class FakeService(http.server.ThreadingHTTPServer):
    """STS and RAM on one port. `sts` and `ram`: lists of (status, body) answered in turn; the last one repeats."""

    def __init__(self):
        super().__init__(('127.0.0.1', 0), _Handler)
        self.sts = [(200, None)]
        self.ram = [(200, {'RequestId': 'R-ram', 'Role': {'RoleName': 'app'}})]
        self.requests = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def endpoint(self):
        return f'http://127.0.0.1:{self.server_port}'

    def actions(self):
        return [params.get('Action') for params in self.requests]


class _Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        params = dict(parse_qsl(urlsplit(self.path).query))
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            params.update(parse_qsl(self.rfile.read(length).decode()))
        params.setdefault('Action', self.headers.get('x-acs-action'))
        server = self.server
        server.requests.append(params)
        script = server.sts if params.get('Action') == 'AssumeRole' else server.ram
        status, body = script.pop(0) if len(script) > 1 else script[0]
        if body is None:
            body = {'RequestId': 'R-sts', 'Credentials': {'AccessKeyId': ASSUMED_ID, 'AccessKeySecret': ASSUMED_SECRET,
                                                          'SecurityToken': ASSUMED_TOKEN, 'Expiration': '2099-01-01T00:00:00Z'}}
        if body == 'quote-the-request':
            body = {'RequestId': 'R-sig', 'Code': 'SignatureDoesNotMatch', 'HostId': 'h',
                    'Message': 'Specified signature is not matched with our calculation. server string to sign is:'
                               + string_to_sign(params)}
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture
def service():
    server = FakeService()
    yield server
    server.shutdown()
    server.server_close()


def params(**kw):
    base = {k: v.get('default') for k, v in auth_argument_spec().items()}
    base.update(kw)
    return base


def inner_sts(**kw):
    """An StsToken source (as an instance role or an StsToken profile gives) with assume_role_arn on top."""
    return params(**{'access_key_id': INNER_ID, 'access_key_secret': INNER_SECRET, 'security_token': INNER_TOKEN,
                     'assume_role_arn': ROLE_ARN, 'connect_timeout': 1.0, 'read_timeout': 1.0, **kw})


def secret_forms(secret):
    """A secret as error texts may hold it: raw, URL-encoded once or twice, form-encoded."""
    once = quote(secret, safe='')
    return {secret, once, quote(once, safe=''), quote_plus(secret)}


def assert_clean(*texts):
    for text in texts:
        for secret in EVERY_SECRET:
            for form in secret_forms(secret):
                assert form not in text, f'{secret!r} (as {form!r}) in: {text}'
        assert 'SecurityToken=' + 'CAIS' not in text


def failing_call(factory, action='GetRole'):
    with pytest.raises(AlicloudApiError) as exc:
        factory.client('ram').call(action, {'RoleName': 'app'})
    return exc.value


def no_wait():
    return RetryPolicy(max_attempts=3, sleep=lambda seconds: None)


@pytest.mark.parametrize('sts_endpoint', [
    'http://127.0.0.1:9',  # nothing listens: connection refused
    'sts-does-not-exist.invalid',  # a DNS failure
])
def test_sts_unreachable_leaves_no_credential_in_the_error(sts_endpoint, service):
    factory = ClientFactory(inner_sts(sts_endpoint=sts_endpoint, ram_endpoint=service.endpoint), policy=no_wait())
    err = failing_call(factory)
    assert err.code == 'InvalidCredentials'
    assert_clean(str(err), json.dumps(err.to_dict()))
    assert 'GetRole' not in service.actions(), 'RAM was called without credentials'


def test_sts_timeout_leaves_no_credential_in_the_error():
    # a server that accepts the connection and never answers
    silent = http.server.ThreadingHTTPServer(('127.0.0.1', 0), type('Mute', (http.server.BaseHTTPRequestHandler,), {
        'do_GET': lambda self: threading.Event().wait(3), 'log_message': lambda self, *a: None}))
    threading.Thread(target=silent.serve_forever, daemon=True).start()
    try:
        factory = ClientFactory(inner_sts(sts_endpoint=f'http://127.0.0.1:{silent.server_port}', ram_endpoint='http://127.0.0.1:9',
                                          read_timeout=0.3), policy=no_wait())
        err = failing_call(factory)
    finally:
        silent.shutdown()
        silent.server_close()
    assert_clean(str(err), json.dumps(err.to_dict()))


def test_an_sts_answer_quoting_the_request_is_scrubbed(service):
    # what a real SignatureDoesNotMatch quotes: the string-to-sign, with the caller's token encoded twice (%252B, %252F, %253D)
    service.sts = [(400, 'quote-the-request')]
    factory = ClientFactory(inner_sts(sts_endpoint=service.endpoint, ram_endpoint=service.endpoint), policy=no_wait())
    err = failing_call(factory)
    assert err.code == 'InvalidCredentials' and 'SignatureDoesNotMatch' in err.message
    assert quote(quote(INNER_TOKEN, safe=''), safe='')[:12] not in err.message
    assert_clean(str(err), json.dumps(err.to_dict()))


def test_an_api_answer_quoting_the_assumed_credentials_is_scrubbed(service):
    service.ram = [(400, 'quote-the-request')]
    factory = ClientFactory(inner_sts(sts_endpoint=service.endpoint, ram_endpoint=service.endpoint), policy=no_wait())
    err = failing_call(factory)
    assert err.code == 'SignatureDoesNotMatch'
    assert_clean(str(err), json.dumps(err.to_dict()))
    assert {ASSUMED_SECRET, ASSUMED_TOKEN, ASSUMED_ID} <= set(factory.secrets()), 'the assumed credentials were not recorded'


@pytest.mark.parametrize('fault', [
    (500, {'RequestId': 'R-500', 'Code': 'InternalError', 'Message': 'The request processing has failed due to some unknown error.'}),
    (400, {'RequestId': 'R-thr', 'Code': 'Throttling.User', 'Message': 'Request was denied due to user flow control.'}),
    (503, {'RequestId': 'R-503', 'Code': 'ServiceUnavailable', 'Message': 'The request has failed due to a temporary failure.'}),
])
def test_sts_faults_are_retried_like_any_other_call(fault, service):
    service.sts = [fault, (200, None)]
    factory = ClientFactory(inner_sts(sts_endpoint=service.endpoint, ram_endpoint=service.endpoint), policy=no_wait())
    assert factory.client('ram').call('GetRole', {'RoleName': 'app'})['Role'] == {'RoleName': 'app'}
    assert service.actions() == ['AssumeRole', 'AssumeRole', 'GetRole']


def test_sts_throttling_that_lasts_names_sts_and_the_code(service):
    service.sts = [(400, {'RequestId': 'R-thr', 'Code': 'Throttling.User', 'Message': 'flow control'})]
    factory = ClientFactory(inner_sts(sts_endpoint=service.endpoint, ram_endpoint=service.endpoint), policy=no_wait())
    err = failing_call(factory)
    assert (err.code, err.product, err.action, err.attempts) == ('Throttling.User', 'sts', 'AssumeRole', 3)
    assert service.actions() == ['AssumeRole'] * 3


def test_module_credential_retries_sts_faults(service):
    service.sts = [(500, {'Code': 'InternalError', 'Message': 'x'}), (200, None)]
    factory = ClientFactory(inner_sts(sts_endpoint=service.endpoint), policy=no_wait())
    assert factory.credential().access_key_id == ASSUMED_ID
    assert service.actions() == ['AssumeRole', 'AssumeRole']


def run_module(args, body):
    with patch_module_args(args):
        module = AlicloudModule({})
        with pytest.raises(SystemExit):
            module.run(body)


def test_a_failing_module_makes_no_extra_assume_role_and_shows_no_credential(service, capsys):
    service.ram = [(400, 'quote-the-request')]

    def body(module):
        module.client('ram').call('GetRole', {'RoleName': 'app'})

    args = {k: v for k, v in inner_sts(sts_endpoint=service.endpoint, ram_endpoint=service.endpoint).items() if v is not None}
    run_module(args, body)
    out = capsys.readouterr()
    assert service.actions() == ['AssumeRole', 'GetRole'], 'AssumeRole was called again after the failure'
    result = json.loads(out.out)
    assert result['failed'] and result['error']['code'] == 'SignatureDoesNotMatch'
    assert_clean(out.out, out.err)


def test_a_failing_module_with_sts_unreachable_shows_no_credential(capsys):
    def body(module):
        module.client('ram').call('GetRole', {'RoleName': 'app'})

    args = {k: v for k, v in inner_sts(sts_endpoint='http://127.0.0.1:9', ram_endpoint='http://127.0.0.1:9').items() if v is not None}
    run_module(args, body)
    out = capsys.readouterr()
    result = json.loads(out.out)
    assert result['failed'] and result['error']['code'] == 'InvalidCredentials'
    assert_clean(out.out, out.err)


@pytest.mark.parametrize('profile', [
    {'name': 'sts', 'mode': 'StsToken', 'access_key_id': INNER_ID, 'access_key_secret': INNER_SECRET, 'sts_token': INNER_TOKEN},
    {'name': 'sts', 'mode': 'AK', 'access_key_id': INNER_ID, 'access_key_secret': INNER_SECRET, 'sts_token': INNER_TOKEN},
])
def test_profile_kinds_with_sts_failing_show_no_credential(profile, tmp_path, service, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('ALIBABA_CLOUD_STS_REGION', '')
    config = tmp_path / 'config.json'
    config.write_text(json.dumps({'current': 'sts', 'profiles': [{**profile, 'region_id': 'cn-hangzhou'}]}))
    service.sts = [(400, 'quote-the-request')]
    factory = ClientFactory(params(profile='sts', profile_file=str(config), assume_role_arn=ROLE_ARN, sts_endpoint=service.endpoint,
                                   ram_endpoint=service.endpoint, connect_timeout=1.0, read_timeout=1.0), policy=no_wait())
    err = failing_call(factory)
    assert_clean(str(err), json.dumps(err.to_dict()))
    assert INNER_SECRET in set(factory.secrets())


@pytest.mark.parametrize('body', [b'', b'{"RequestId": "R-1", "Role": {"RoleName": "app"'])
def test_a_200_with_an_unreadable_body_is_said_to_be_one(body, service):
    service.ram = [(200, body)]
    factory = ClientFactory(params(access_key_id='LTAIx', access_key_secret=INNER_SECRET, ram_endpoint=service.endpoint), policy=no_wait())
    err = failing_call(factory)
    assert err.code == 'Transport.UnreadableAnswer' and 'the service sent an unreadable answer' in err.message
    assert 'could not reach' not in err.message and 'RoleName' not in err.message


# ---------------------------------------------------------------- proxies (issue 14, item 2)

def without_proxy_variables(monkeypatch):
    for name in ('HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)


def test_api_calls_go_through_http_proxy_unless_no_proxy_lists_the_endpoint(service, monkeypatch):
    without_proxy_variables(monkeypatch)
    monkeypatch.setenv('HTTP_PROXY', 'http://127.0.0.1:9')  # a proxy that is down: a call through it fails
    keys = {'access_key_id': 'LTAIx', 'access_key_secret': INNER_SECRET, 'ram_endpoint': service.endpoint}
    err = failing_call(ClientFactory(params(**keys), policy=no_wait()))
    assert err.code == 'Transport.ConnectionFailed' and service.requests == [], 'HTTP_PROXY was not used'
    monkeypatch.setenv('NO_PROXY', 'example.com,127.0.0.1')
    assert ClientFactory(params(**keys), policy=no_wait()).client('ram').call('GetRole', {'RoleName': 'app'})['Role']
    assert service.actions() == ['GetRole']
    assert __import__('os').environ['HTTP_PROXY'] == 'http://127.0.0.1:9', 'the environment was not restored'


def test_the_credentials_library_reaches_the_metadata_service_directly(monkeypatch):
    from alibabacloud_credentials.provider import ecs_ram_role
    from Tea.response import TeaResponse
    os = __import__('os')
    seen = []

    def do_action(request, runtime):
        seen.append((request.pathname, os.environ.get('HTTP_PROXY'), os.environ.get('http_proxy'), runtime.get('httpProxy')))
        response = TeaResponse()
        response.status_code = 200
        response.body = b'token' if request.method == 'PUT' else json.dumps({
            'Code': 'Success', 'AccessKeyId': ASSUMED_ID, 'AccessKeySecret': ASSUMED_SECRET, 'SecurityToken': ASSUMED_TOKEN,
            'Expiration': '2099-01-01T00:00:00Z'}).encode()
        return response

    without_proxy_variables(monkeypatch)
    monkeypatch.setattr(ecs_ram_role.TeaCore, 'do_action', staticmethod(do_action))
    monkeypatch.setenv('HTTP_PROXY', 'http://corporate-proxy:3128')
    monkeypatch.setenv('http_proxy', 'http://corporate-proxy:3128')
    factory = ClientFactory(params(ecs_role_name='EcsRamRoleTest'))
    assert factory.credential().access_key_id == ASSUMED_ID
    assert seen and all(tuple(proxies) == (None, None, None) for _path, *proxies in seen), seen
    assert ASSUMED_TOKEN in factory.secrets(), 'the instance role credentials were not recorded when obtained'
    # an explicit metadata_proxy is used as given
    seen.clear()
    ClientFactory(params(ecs_role_name='EcsRamRoleTest', metadata_proxy='http://127.0.0.1:3128')).credential()
    assert {proxies[-1] for _path, *proxies in seen} == {'http://127.0.0.1:3128'}


# ---------------------------------------------------------------- passwords in URL options

PROXY_PASSWORD = 'proxyPassw0rd+9='  # as a URL may hold it (a '/' would have to be %2F)


@pytest.mark.parametrize('failing', [False, True])
def test_a_password_in_metadata_proxy_is_never_shown(capsys, failing):
    def body(module):
        if failing:
            raise AlicloudApiError('Metadata.Unreachable', f"proxy {module.params['metadata_proxy']} did not answer")
        module.exit_json(changed=False, echoed=module.params['metadata_proxy'])

    run_module({'metadata_proxy': f'http://i-abc:{PROXY_PASSWORD}@127.0.0.1:3128', '_ansible_verbosity': 3}, body)
    out = capsys.readouterr().out
    result = json.loads(out)
    assert result['invocation']['module_args']['metadata_proxy'] == 'http://i-abc:********@127.0.0.1:3128'
    for form in secret_forms(PROXY_PASSWORD):
        assert form not in out


@pytest.mark.parametrize('option', ['ram_endpoint', 'ecs_endpoint', 'sts_endpoint', 'kms_endpoint'])
def test_an_endpoint_with_a_password_is_refused_clearly_without_showing_it(capsys, option):
    def body(module):
        if option == 'sts_endpoint':
            module.credential()  # STS has no client: it is reached by the AssumeRole of the credentials
        else:
            module.client(option.split('_')[0])

    assume = {'access_key_id': 'LTAIkey', 'access_key_secret': 'key-secret', 'assume_role_arn': 'acs:ram::1:role/r'}
    run_module({option: f'https://user:{PROXY_PASSWORD}@ram.example.com', 'region_id': 'cn-hangzhou',
                **(assume if option == 'sts_endpoint' else {})}, body)
    out = capsys.readouterr().out
    result = json.loads(out)
    assert result['failed'] and result['msg'].startswith(f'{option}: must not carry a user name or password')
    for form in secret_forms(PROXY_PASSWORD):
        assert form not in out
