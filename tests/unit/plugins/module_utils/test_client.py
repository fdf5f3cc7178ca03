# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import threading

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _client, _credentials
from ansible_collections.alicloud.instance_ram.plugins.module_utils._client import ClientFactory
from ansible_collections.alicloud.instance_ram.plugins.module_utils._credentials import (
    auth_argument_spec,
    build_credentials_provider,
    resolve_credential_source,
)
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError, AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._network import parse_endpoint

SECRET = 'EmulatorDefaultSecretDoNotLeak01'
EXPLICIT = {'access_key_id': 'LTAIexplicit', 'access_key_secret': 'explicit-secret'}
ENV_KEYS = {'ALIBABA_CLOUD_ACCESS_KEY_ID': 'LTAIenv', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'env-secret'}
LEGACY_KEYS = {'ALICLOUD_ACCESS_KEY': 'LTAIlegacy', 'ALICLOUD_SECRET_KEY': 'legacy-secret'}


def params(**kw):
    base = {k: v.get('default') for k, v in auth_argument_spec().items()}
    base.update(kw)
    return base


# ---------------------------------------------------------------- precedence (pure)

@pytest.mark.parametrize('given, environ, kind, origin, detail', [
    # explicit options beat everything
    (EXPLICIT, {**ENV_KEYS, 'ALIBABA_CLOUD_PROFILE': 'p', 'ALIBABA_CLOUD_ECS_METADATA': 'r'}, 'access_key', 'option', 'LTAIexplicit'),
    ({**EXPLICIT, 'security_token': 'tok'}, ENV_KEYS, 'sts_token', 'option', 'LTAIexplicit'),
    ({**EXPLICIT, 'profile': 'prod', 'ecs_role_name': 'r'}, {}, 'access_key', 'option', 'LTAIexplicit'),
    ({'profile': 'prod', 'ecs_role_name': 'r'}, ENV_KEYS, 'profile', 'option', 'prod'),
    ({'ecs_role_name': 'EcsRamRoleTest'}, ENV_KEYS, 'ecs_ram_role', 'option', 'EcsRamRoleTest'),
    # then the environment: keys > profile > ECS role
    ({}, {**ENV_KEYS, 'ALIBABA_CLOUD_PROFILE': 'p', 'ALIBABA_CLOUD_ECS_METADATA': 'r'}, 'access_key', 'environment', 'LTAIenv'),
    ({}, {**ENV_KEYS, 'ALIBABA_CLOUD_SECURITY_TOKEN': 'tok'}, 'sts_token', 'environment', 'LTAIenv'),
    ({}, {'ALIBABA_CLOUD_PROFILE': 'p', 'ALIBABA_CLOUD_ECS_METADATA': 'r'}, 'profile', 'environment', 'p'),
    ({}, {'ALIBABA_CLOUD_ECS_METADATA': 'r'}, 'ecs_ram_role', 'environment', 'r'),
    # the older names of the alibaba.alicloud collection
    ({}, LEGACY_KEYS, 'access_key', 'environment', 'LTAIlegacy'),
    ({}, {**LEGACY_KEYS, 'ALICLOUD_SECURITY_TOKEN': 'tok'}, 'sts_token', 'environment', 'LTAIlegacy'),
    ({}, {**LEGACY_KEYS, **ENV_KEYS}, 'access_key', 'environment', 'LTAIenv'),
    ({}, {'ALICLOUD_PROFILE': 'legacy'}, 'profile', 'environment', 'legacy'),
    ({}, {'ALICLOUD_ECS_ROLE_NAME': 'legacy-role'}, 'ecs_ram_role', 'environment', 'legacy-role'),
    # nothing given: the default chain (CLI profile, INI profile, ECS role)
    ({}, {}, 'default_chain', 'default', None),
    ({}, {'ALIBABA_CLOUD_REGION_ID': 'cn-beijing'}, 'default_chain', 'default', None),
])
def test_credential_precedence(given, environ, kind, origin, detail):
    source = resolve_credential_source(params(**given), environ)
    assert source['kind'] == kind and source['origin'] == origin
    found = source.get('access_key_id') or source.get('profile') or source.get('role_name')
    assert found == detail


def test_environment_records_which_variable():
    assert resolve_credential_source(params(), LEGACY_KEYS)['variable'] == 'ALICLOUD_ACCESS_KEY'


@pytest.mark.parametrize('given, environ, option', [
    ({'access_key_id': 'LTAIonly'}, {}, 'access_key_id'),
    ({'access_key_secret': 'only'}, {}, 'access_key_id'),
    ({}, {'ALIBABA_CLOUD_ACCESS_KEY_ID': 'LTAIonly'}, 'access_key_id'),
])
def test_half_a_key_pair_is_refused(given, environ, option):
    with pytest.raises(AlicloudParameterError) as exc:
        resolve_credential_source(params(**given), environ)
    assert exc.value.option == option


# ---------------------------------------------------------------- providers

def credential_of(provider):
    cred = provider.get_credentials()
    return cred.get_access_key_id(), cred.get_access_key_secret(), cred.get_security_token()


def test_static_providers():
    assert credential_of(build_credentials_provider(params(**EXPLICIT))) == ('LTAIexplicit', 'explicit-secret', None)
    assert credential_of(build_credentials_provider(params(**EXPLICIT, security_token='tok'))) == ('LTAIexplicit', 'explicit-secret', 'tok')


def test_environment_keys_provider(monkeypatch):
    for name, value in LEGACY_KEYS.items():
        monkeypatch.setenv(name, value)
    for name in ENV_KEYS:
        monkeypatch.delenv(name, raising=False)
    assert credential_of(build_credentials_provider(params())) == ('LTAIlegacy', 'legacy-secret', None)


def write_cli_config(tmp_path, *profiles):
    path = tmp_path / 'config.json'
    path.write_text(json.dumps({'current': profiles[0]['name'], 'profiles': list(profiles)}))
    return str(path)


def test_cli_profile_provider(tmp_path):
    cfg = write_cli_config(tmp_path, {'name': 'prod', 'mode': 'AK', 'access_key_id': 'LTAIprofile', 'access_key_secret': 'profile-secret'})
    provider = build_credentials_provider(params(profile='prod', profile_file=cfg))
    assert credential_of(provider) == ('LTAIprofile', 'profile-secret', None)


def test_cli_profile_sts_mode(tmp_path):
    cfg = write_cli_config(tmp_path, {'name': 'tmp', 'mode': 'StsToken', 'access_key_id': 'STS.x', 'access_key_secret': 's', 'sts_token': 't'})
    assert credential_of(build_credentials_provider(params(profile='tmp', profile_file=cfg))) == ('STS.x', 's', 't')


def test_cli_profile_ecs_mode_uses_our_thread_free_provider(tmp_path):
    before = threading.active_count()
    cfg = write_cli_config(tmp_path, {'name': 'onecs', 'mode': 'EcsRamRole', 'ram_role_name': 'EcsRamRoleTest'})
    provider = build_credentials_provider(params(profile='onecs', profile_file=cfg)).provider
    assert type(provider).__name__ == 'EcsRamRoleCredentialsProvider'
    assert provider._role_name == 'EcsRamRoleTest' and provider._disable_imds_v1 is True
    assert threading.active_count() == before


def test_unknown_profile_names_the_option(tmp_path, monkeypatch):
    monkeypatch.setenv('ALIBABA_CLOUD_CREDENTIALS_FILE', str(tmp_path / 'missing.ini'))
    cfg = write_cli_config(tmp_path, {'name': 'prod', 'mode': 'AK', 'access_key_id': 'a', 'access_key_secret': 'b'})
    with pytest.raises(AlicloudParameterError) as exc:
        build_credentials_provider(params(profile='nope', profile_file=cfg))
    assert exc.value.option == 'profile' and 'nope' in str(exc.value)


def test_ini_profile_provider(tmp_path, monkeypatch):
    ini = tmp_path / 'credentials.ini'
    ini.write_text('[staging]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = ini-secret\n')
    monkeypatch.setenv('ALIBABA_CLOUD_CREDENTIALS_FILE', str(ini))
    provider = build_credentials_provider(params(profile='staging', profile_file=str(tmp_path / 'none.json')))
    assert credential_of(provider) == ('LTAIini', 'ini-secret', None)


def test_ecs_role_provider_is_hardened_and_thread_free():
    before = threading.active_count()
    provider = build_credentials_provider(params(ecs_role_name='EcsRamRoleTest', metadata_proxy='http://i-abc@127.0.0.1:9')).provider
    assert provider._disable_imds_v1 is True
    assert provider._runtime_options['httpProxy'] == 'http://i-abc@127.0.0.1:9'
    assert threading.active_count() == before


def test_default_chain_is_thread_free(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    before = threading.active_count()
    provider = build_credentials_provider(params(), {'kind': 'default_chain', 'origin': 'default'}).provider
    assert isinstance(provider, _credentials._ChainProvider)
    assert threading.active_count() == before


def test_default_chain_reports_every_source_tried(monkeypatch, tmp_path):
    monkeypatch.setenv('ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'true')
    provider = _credentials._ChainProvider(params(profile_file=str(tmp_path / 'none.json')))
    with pytest.raises(AlicloudApiError) as exc:
        provider.get_credentials()
    assert exc.value.code == 'InvalidCredentials'
    assert 'CLIProfileCredentialsProvider' in exc.value.message and 'ProfileCredentialsProvider' in exc.value.message


def test_assume_role_wraps_any_source():
    provider = build_credentials_provider(params(**EXPLICIT, assume_role_arn='acs:ram::1234567890123456:role/deployer',
                                                 assume_role_session_name='ci', assume_role_duration=900,
                                                 sts_endpoint='http://127.0.0.1:9')).provider
    assert type(provider).__name__ == 'RamRoleArnCredentialsProvider'
    assert provider._role_arn == 'acs:ram::1234567890123456:role/deployer'
    assert provider._role_session_name == 'ci' and provider._duration_seconds == 900
    assert provider._sts_endpoint == 'http://127.0.0.1:9'
    assert credential_of(provider._credentials_provider) == ('LTAIexplicit', 'explicit-secret', None)


def test_assume_role_duration_is_validated():
    with pytest.raises(AlicloudParameterError) as exc:
        build_credentials_provider(params(**EXPLICIT, assume_role_arn='acs:ram::1:role/x', assume_role_duration=60))
    assert exc.value.option == 'assume_role_duration'


# ---------------------------------------------------------------- endpoints

@pytest.mark.parametrize('value, expected', [
    (None, (None, 'https')),
    ('ram.aliyuncs.com', ('ram.aliyuncs.com', 'https')),
    ('https://kms-vpc.cn-hangzhou.aliyuncs.com', ('kms-vpc.cn-hangzhou.aliyuncs.com', 'https')),
    ('http://127.0.0.1:18080', ('127.0.0.1:18080', 'http')),
    ('http://localhost:18080/', ('localhost:18080', 'http')),
    ('http://[::1]:18080', ('[::1]:18080', 'http')),
])
def test_parse_endpoint(value, expected):
    assert parse_endpoint(value, 'ram_endpoint') == expected


@pytest.mark.parametrize('value, rule', [
    ('http://ram.aliyuncs.com', 'loopback'),
    ('http://10.0.0.8:80', 'loopback'),
    ('ftp://127.0.0.1', 'must be'),
    ('https://ram.aliyuncs.com/some/path', 'must be'),
])
def test_parse_endpoint_refusals(value, rule):
    with pytest.raises(AlicloudParameterError) as exc:
        parse_endpoint(value, 'kms_endpoint')
    assert exc.value.option == 'kms_endpoint' and rule in str(exc.value)


def test_regional_product_needs_a_region():
    with pytest.raises(AlicloudParameterError) as exc:
        ClientFactory(params(**EXPLICIT)).client('ecs')
    assert exc.value.option == 'region_id'


def test_client_is_built_lazily_and_once():
    factory = ClientFactory(params(**EXPLICIT, region_id='cn-hangzhou', ecs_endpoint='http://127.0.0.1:9'))
    assert factory.client('ecs') is factory.client('ecs')
    assert factory.client('ecs')._sdk._endpoint == '127.0.0.1:9'


# ---------------------------------------------------------------- AlicloudModule

def run_module(args, body):
    with patch_module_args(args):
        module = AlicloudModule({'name': {'type': 'str'}})
        with pytest.raises(SystemExit) as exit_info:
            module.run(body)
    return exit_info.value.code


def test_aliases_of_alibaba_alicloud(capsys):
    seen = {}

    def body(module):
        seen.update(module.params)
        module.exit_json(changed=False)

    run_module({'alicloud_access_key': 'LTAIalias', 'alicloud_secret_key': SECRET, 'alicloud_region': 'cn-shanghai'}, body)
    assert seen['access_key_id'] == 'LTAIalias' and seen['region_id'] == 'cn-shanghai'
    assert SECRET not in capsys.readouterr().out


def test_region_environment_fallback(monkeypatch):
    monkeypatch.setenv('ALICLOUD_REGION', 'cn-beijing')
    seen = {}

    def body(module):
        seen.update(module.params)
        module.exit_json(changed=False)

    run_module({}, body)
    assert seen['region_id'] == 'cn-beijing'


def test_api_error_failure_carries_code_request_id_and_no_secret(capsys):
    def body(module):
        raise AlicloudApiError('SignatureDoesNotMatch', f'bad signature computed with {SECRET}', request_id='R-9', status=400,
                               product='ram', action='GetRole')

    code = run_module({'access_key_id': 'LTAIx', 'access_key_secret': SECRET}, body)
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out['failed'] is True
    assert out['error'] == {'code': 'SignatureDoesNotMatch', 'message': 'bad signature computed with ********', 'request_id': 'R-9',
                            'http_status': 400, 'product': 'ram', 'action': 'GetRole', 'attempts': 1}
    assert 'SignatureDoesNotMatch' in out['msg'] and 'R-9' in out['msg']
    assert SECRET not in json.dumps(out)


def test_environment_secret_is_masked_too(capsys, monkeypatch):
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_ID', 'LTAIenv')
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', SECRET)

    def body(module):
        module.exit_json(changed=False, echoed=f'value {SECRET}')

    run_module({}, body)
    assert SECRET not in capsys.readouterr().out


def test_parameter_error_failure_names_the_option(capsys):
    def body(module):
        raise AlicloudParameterError('name', 'must be 1 to 64 characters', 'x' * 65)

    assert run_module({}, body) == 1
    out = json.loads(capsys.readouterr().out)
    assert out['msg'].startswith('name: must be 1 to 64 characters') and out['error'] == {'option': 'name', 'rule': 'must be 1 to 64 characters'}


# ---------------------------------------------------------------- ApiClient

class _Model:
    def __init__(self, **data):
        self.data = data

    def from_map(self, data):
        return _Model(**data)

    def to_map(self):
        return self.data


class _SlowSdk:
    """Times out on every call, like a service slower than the read timeout."""

    def __init__(self):
        self.sent = []

    def __getattr__(self, name):
        def method(request, runtime):  # pylint: disable=unused-argument
            self.sent.append(name)
            raise TimeoutError('read timed out')
        return method


@pytest.mark.parametrize('action, attempts', [('CreatePolicyVersion', 1), ('UpdateRole', 3), ('GetRole', 3)])
def test_only_writes_safe_to_repeat_are_retried_after_a_timeout(action, attempts):
    models = type('Models', (), {action + 'Request': _Model})
    sdk = _SlowSdk()
    policy = _client.RetryPolicy(max_attempts=3, sleep=lambda seconds: None)
    client = _client.ApiClient('ram', sdk, models, None, policy)
    with pytest.raises(AlicloudApiError) as exc:
        client.call(action, {'PolicyName': 'app'})
    assert len(sdk.sent) == attempts and exc.value.code == 'Transport.Timeout'


@pytest.mark.parametrize('given, option', [
    ({'access_key_id': 'LTAIonly'}, 'access_key_id'),
    ({**EXPLICIT, 'assume_role_arn': 'acs:ram::1:role/r', 'assume_role_duration': 100}, 'assume_role_duration'),
])
def test_invalid_credential_options_fail_at_the_first_call_naming_the_option(given, option, monkeypatch):
    # the credentials are built when the SDK first asks for them, inside the call: never retried as a transport failure
    factory = ClientFactory(params(**given, ram_endpoint='http://127.0.0.1:9'), policy=_client.RetryPolicy(sleep=pytest.fail))
    client = factory.client('ram')
    sdk, sent = client._sdk, []  # pylint: disable=protected-access
    real = sdk.get_role_with_options
    monkeypatch.setattr(sdk, 'get_role_with_options', lambda request, runtime: sent.append('GetRole') or real(request, runtime))
    with pytest.raises(AlicloudParameterError) as exc:
        client.call('GetRole', {'RoleName': 'r'})
    assert exc.value.option == option and sent == ['GetRole']


class _AnsweringSdk:
    """Answers every call with the body given for its action."""

    def __init__(self, bodies):
        self.bodies = bodies

    def __getattr__(self, name):
        def method(request, runtime):  # pylint: disable=unused-argument
            body = self.bodies[name]
            return type('Response', (), {'body': _Model(**body)})()
        return method


def test_api_client_records_the_writes_that_took_effect():
    actions = ('GetRole', 'CreateRole', 'AttachInstanceRamRole', 'DetachInstanceRamRole', 'RunInstances', 'Decrypt')
    models = type('Models', (), {a + 'Request': _Model for a in actions})
    rows = 'AttachInstanceRamRoleResults'
    sdk = _AnsweringSdk({
        'get_role_with_options': {'Role': {'RoleName': 'app'}},
        'create_role_with_options': {'Role': {'RoleName': 'app'}},
        'attach_instance_ram_role_with_options': {rows: {'AttachInstanceRamRoleResult': [{'InstanceId': 'i-1', 'Success': True}]}},
        'detach_instance_ram_role_with_options': {'DetachInstanceRamRoleResults': {'DetachInstanceRamRoleResult': [
            {'InstanceId': 'i-1', 'Success': False}]}},
        'run_instances_with_options': {'InstanceIdSets': {'InstanceIdSet': ['i-new1', 'i-new2']}},
        'decrypt_with_options': {'Plaintext': 'x'},
    })
    client = _client.ApiClient('ram', sdk, models, None, _client.RetryPolicy(sleep=pytest.fail))
    client.call('GetRole', {'RoleName': 'app'})
    client.call('CreateRole', {'RoleName': 'app', 'AssumeRolePolicyDocument': '{}', 'Description': None})
    client.call('AttachInstanceRamRole', {'RamRoleName': 'app', 'InstanceIds': '["i-1"]', 'RegionId': 'cn-hangzhou'})
    client.call('DetachInstanceRamRole', {'RamRoleName': 'app', 'InstanceIds': '["i-1"]'})  # every row failed: no effect
    client.call('RunInstances', {'Amount': 2, 'InstanceName': 'web'})
    client.call('Decrypt', {'CiphertextBlob': 'c'})
    assert client.writes == [
        {'product': 'ram', 'action': 'CreateRole', 'RoleName': 'app'},
        {'product': 'ram', 'action': 'AttachInstanceRamRole', 'RamRoleName': 'app', 'InstanceIds': '["i-1"]'},
        {'product': 'ram', 'action': 'RunInstances', 'CreatedInstanceIds': ['i-new1', 'i-new2']},
    ]
    assert _client.describe_writes(client.writes[:1]) == "CreateRole (RoleName 'app')"
    # a message fits a screen: ids as a count and the first three, at most five writes named
    ids = [f'i-{n}' for n in range(100)]
    many = [{'product': 'ecs', 'action': 'AttachInstanceRamRole', 'RamRoleName': 'app', 'InstanceIds': json.dumps(ids)}] * 7
    text = _client.describe_writes(many)
    assert text.startswith("AttachInstanceRamRole (RamRoleName 'app', InstanceIds 100: i-0, i-1, i-2, ...)")
    assert text.endswith('and 2 more (every write is in the result: done)') and 'i-3' not in text and len(text) < 500
