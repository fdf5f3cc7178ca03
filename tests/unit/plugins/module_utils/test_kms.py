# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils._client import ApiClient, ClientFactory
from ansible_collections.alicloud.instance_ram.plugins.module_utils._credentials import auth_argument_spec
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._kms import (
    check_encrypt_decrypt,
    get_secret_value,
    run_checks,
)
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.kms import DENIED, SECRET_VALUE, ExpiredToken, FakeKms, round_trip


def test_every_check_passes():
    kms = round_trip(ListKeys={'Keys': {'Key': [{'KeyId': 'key-1'}, {'KeyId': 'key-2'}]}, 'TotalCount': 2},
                     GetSecretValue={'SecretName': 'db', 'SecretData': SECRET_VALUE, 'VersionId': 'v1',
                                     'VersionStages': {'VersionStage': ['ACSCurrent']}, 'SecretDataType': 'text'})
    results = run_checks(kms, ['list_keys', 'encrypt_decrypt', 'get_secret'], key_id='alias/app', secret_name='db')
    assert list(results) == ['list_keys', 'encrypt_decrypt', 'get_secret']
    assert all(r['passed'] and r['code'] is None for r in results.values())
    assert results['list_keys']['key_count'] == 2
    assert results['encrypt_decrypt']['key_id'] == 'key-1' and results['encrypt_decrypt']['key_version_id'] == 'kv-1'
    assert results['get_secret'] == {'passed': True, 'code': None, 'message': None, 'http_status': None, 'request_id': None,
                                     'action': None, 'secret_name': 'db', 'version_id': 'v1', 'version_stages': ['ACSCurrent'],
                                     'secret_data_type': 'text', 'has_value': True}
    assert SECRET_VALUE not in repr(results)
    assert [a for a, p in kms.calls] == ['ListKeys', 'Encrypt', 'Decrypt', 'GetSecretValue']
    assert kms.calls[1][1]['KeyId'] == 'alias/app' and kms.calls[3][1] == {'SecretName': 'db'}


def test_a_denial_fails_that_check_only_with_the_kms_code():
    results = run_checks(round_trip(GetSecretValue=DENIED), ['encrypt_decrypt', 'get_secret'], key_id='k', secret_name='db')
    assert results['encrypt_decrypt']['passed'] is True
    assert results['get_secret'] == {'passed': False, 'code': 'Forbidden.NoPermission', 'http_status': 403, 'request_id': 'R-1',
                                     'message': 'This operation is forbidden by permission system.', 'action': 'GetSecretValue'}


def test_a_round_trip_that_does_not_round_trip():
    kms = FakeKms(Encrypt={'CiphertextBlob': 'blob'}, Decrypt={'Plaintext': 'something else'})
    results = run_checks(kms, ['encrypt_decrypt'], key_id='k')
    assert results['encrypt_decrypt']['passed'] is False and results['encrypt_decrypt']['code'] == 'RoundTrip.Mismatch'


def test_the_sample_is_random_base64():
    kms = round_trip()
    check_encrypt_decrypt(kms, 'k')
    check_encrypt_decrypt(kms, 'k')
    first, second = kms.calls[0][1]['Plaintext'], kms.calls[2][1]['Plaintext']
    assert first != second and len(first) == 32


def test_missing_credentials_are_not_a_check_failure():
    with pytest.raises(AlicloudApiError) as exc:
        run_checks(FakeKms(ListKeys=AlicloudApiError('InvalidCredentials', 'no credentials found')), ['list_keys', 'get_secret'],
                   secret_name='db')
    assert exc.value.code == 'InvalidCredentials'


def test_get_secret_value_passes_stage_and_version():
    kms = FakeKms(GetSecretValue={'SecretData': 'x'})
    get_secret_value(kms, 'db', 'ACSPrevious', None)
    get_secret_value(kms, 'db', None, 'v7')
    assert [p for a, p in kms.calls] == [{'SecretName': 'db', 'VersionStage': 'ACSPrevious'}, {'SecretName': 'db', 'VersionId': 'v7'}]


# ---------------------------------------------------------------- credentials that expire during a run (shared layer)

class FakeModels:
    class ListKeysRequest:
        def from_map(self, data):
            return data


class FakeSdk:
    def __init__(self, failures):
        self.failures = failures
        self.sent = []  # the calls that reached the SDK, retries included

    def list_keys_with_options(self, request, runtime):
        self.sent.append('ListKeys')
        if self.failures:
            self.failures -= 1
            raise ExpiredToken()

        class Body:
            @staticmethod
            def to_map():
                return {'TotalCount': 0}

        return type('Response', (), {'body': Body})()


def api_client(failures, refreshes):
    return ApiClient('kms', FakeSdk(failures), FakeModels, None, RetryPolicy(sleep=lambda s: None),
                     refresh_credentials=lambda: refreshes.append(1))


def test_an_expired_token_is_refreshed_once_and_the_call_retried():
    refreshes = []
    client = api_client(1, refreshes)
    assert client.call('ListKeys') == {'TotalCount': 0}
    assert refreshes == [1] and client._sdk.sent == ['ListKeys', 'ListKeys']  # pylint: disable=protected-access


def test_an_expired_token_after_the_refresh_is_an_error():
    refreshes = []
    client = api_client(2, refreshes)
    with pytest.raises(AlicloudApiError) as exc:
        client.call('ListKeys')
    assert exc.value.code == 'InvalidSecurityToken.Expired' and exc.value.request_id == 'R-exp'
    assert refreshes == [1] and client._sdk.sent == ['ListKeys', 'ListKeys']  # pylint: disable=protected-access


def params(**kw):
    base = {k: v.get('default') for k, v in auth_argument_spec().items()}
    base.update(kw)
    return base


def test_refresh_replaces_the_provider_shared_by_every_client():
    factory = ClientFactory(params(access_key_id='LTAIx', access_key_secret='secret-x', region_id='cn-hangzhou',
                                   kms_endpoint='http://127.0.0.1:9'))
    kms = factory.client('kms')
    before = factory.credential_client.cloud_credential.provider
    assert factory.credential().provider_name == 'static_ak'
    factory.refresh_credentials()
    assert factory.credential_client.cloud_credential.provider is not before
    assert kms._sdk._credential.get_credential().access_key_id == 'LTAIx'
    assert factory.credential().access_key_id == 'LTAIx'


def test_credential_failure_is_one_typed_error(monkeypatch, tmp_path):
    monkeypatch.setenv('ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'true')
    monkeypatch.setenv('HOME', str(tmp_path))
    for name in ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY'):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(AlicloudApiError) as exc:
        ClientFactory(params(profile_file=str(tmp_path / 'none.json'))).credential()
    assert exc.value.code == 'InvalidCredentials'


def test_credential_failure_of_the_instance_role_provider():
    factory = ClientFactory(params(ecs_role_name='EcsRamRoleTest', metadata_proxy='http://127.0.0.1:9', connect_timeout=0.5))
    with pytest.raises(AlicloudApiError) as exc:
        factory.credential()
    assert exc.value.code == 'InvalidCredentials' and 'could not obtain credentials' in exc.value.message


def test_missing_credentials_inside_an_api_call_fail_at_once(monkeypatch, tmp_path):
    """Not a transport error of the API to be retried: one InvalidCredentials error, one attempt."""
    factory = ClientFactory(params(ecs_role_name='EcsRamRoleTest', metadata_proxy='http://127.0.0.1:9', connect_timeout=0.5,
                                   region_id='cn-hangzhou', kms_endpoint='http://127.0.0.1:9'),
                            policy=RetryPolicy(sleep=lambda s: pytest.fail('a credential failure must not be retried')))
    kms = factory.client('kms')
    sdk, sent = kms._sdk, []  # pylint: disable=protected-access
    real = sdk.list_keys_with_options
    monkeypatch.setattr(sdk, 'list_keys_with_options', lambda request, runtime: sent.append('ListKeys') or real(request, runtime))
    with pytest.raises(AlicloudApiError) as exc:
        kms.call('ListKeys')
    assert exc.value.code == 'InvalidCredentials' and sent == ['ListKeys']


class ThrottledSdk(FakeSdk):
    """KMS over its QPS quota: the real tea-openapi exception for HTTP 429 Rejected.Throttling (section 0b.1)."""

    def list_keys_with_options(self, request, runtime):
        if self.failures:
            from alibabacloud_tea_openapi.exceptions import ClientException
            self.failures -= 1
            self.sent.append('ListKeys')
            raise ClientException(status_code=429, code='Rejected.Throttling', request_id='R-qps',
                                  message='code: 429, QPS Limit Exceeded request id: R-qps',
                                  data={'Code': 'Rejected.Throttling', 'Message': 'QPS Limit Exceeded', 'statusCode': 429})
        return super().list_keys_with_options(request, runtime)


def test_kms_quota_throttling_is_retried_by_every_kms_call():
    sleeps = []
    client = ApiClient('kms', ThrottledSdk(3), FakeModels, None, RetryPolicy(sleep=sleeps.append, rand=lambda: 1.0))
    assert client.call('ListKeys') == {'TotalCount': 0}
    assert client._sdk.sent == ['ListKeys'] * 4 and len(sleeps) == 3  # pylint: disable=protected-access
