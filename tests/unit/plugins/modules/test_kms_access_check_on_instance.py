# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_access_check with metadata_credentials: steps 3 and 4 of the guide in one module run.

The metadata service is the table fake of test_support/metadata.py; KMS is test_support/kms.py's SigningKms, under the
collection's real ApiClient and credential client, so every KMS call shows which credentials signed it.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _imds
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.modules import instance_role_credentials_info, kms_access_check
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.kms import DENIED, SECRET_VALUE, ExpiredToken, SigningKms
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.metadata import (
    RENEWED, ROLE, SECOND_SECRET, SECOND_TOKEN, SECRET, TOKEN, FakeService, LateRole, RenewingService)
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.module import run_module

ON_INSTANCE = {'metadata_credentials': True, 'ecs_role_name': ROLE, 'region_id': 'cn-hangzhou'}
SECRET_BODY = {'SecretName': 'db', 'SecretData': SECRET_VALUE, 'VersionId': 'v1', 'VersionStages': {'VersionStage': ['ACSCurrent']},
               'SecretDataType': 'text'}
LEAKS = (SECRET, TOKEN, SECOND_SECRET, SECOND_TOKEN, 'metadata-token', SECRET_VALUE)


def full_kms(**answers):
    """KMS where the role may do everything: ListKeys, an Encrypt/Decrypt round trip, GetSecretValue."""
    return SigningKms(**{'ListKeys': {'TotalCount': 2}, 'GetSecretValue': SECRET_BODY,
                         'Encrypt': lambda req, signer: {'CiphertextBlob': 'blob:' + req['Plaintext'], 'KeyId': 'key-1', 'KeyVersionId': 'kv-1'},
                         'Decrypt': lambda req, signer: {'Plaintext': req['CiphertextBlob'][5:]}, **answers})


def check(monkeypatch, capsys, service, kms, check_mode=False, **args):
    """Run kms_access_check on the instance: (exit code, result); no secret anywhere in what the module printed."""
    monkeypatch.setattr(_imds, 'http_send', service)
    kms.install(monkeypatch)
    code, out = run_module(kms_access_check.main, capsys, check_mode=check_mode, **{**ON_INSTANCE, **args})
    printed = json.dumps(out)
    assert not [leak for leak in LEAKS if leak in printed]
    return code, out


def methods(service):
    return [(method, path.rsplit('/', 1)[-1]) for method, path, headers in service.requests]


@pytest.mark.parametrize('check_mode', [False, True])
def test_one_run_reads_the_role_once_and_signs_every_check_with_it(monkeypatch, capsys, check_mode):
    service, kms = FakeService(), full_kms()
    code, out = check(monkeypatch, capsys, service, kms, check_mode=check_mode, checks=['list_keys', 'encrypt_decrypt', 'get_secret'],
                      key_id='alias/app', secret_name='db')
    assert code == 0 and out['changed'] is False and out['passed'] is True and out['failed_checks'] == [] and out['attempts'] == 1
    # what step 3 reported (instance_role_credentials_info without return_secrets) ...
    assert out['role_name'] == ROLE and out['metadata_mode'] == 'token'
    assert out['credentials'] == {'access_key_id': 'STS.instance', 'expiration': '2026-11-28T04:00:00Z',
                                  'last_updated': '2026-11-27T21:59:00Z', 'seconds_left': out['credentials']['seconds_left']}
    assert isinstance(out['credentials']['seconds_left'], int)
    # ... and what step 4 reported, from one token and one read of the credentials
    assert out['credential_provider'] == 'ecs_ram_role' and list(out['checks']) == ['list_keys', 'encrypt_decrypt', 'get_secret']
    assert out['checks']['get_secret']['has_value'] is True and out['checks']['encrypt_decrypt']['key_id'] == 'key-1'
    assert methods(service) == [('PUT', 'token'), ('GET', ROLE)]
    assert kms.signed == [(action, 'STS.instance', TOKEN) for action in ('ListKeys', 'Encrypt', 'Decrypt', 'GetSecretValue')]


def test_without_a_role_name_the_role_the_service_reports(monkeypatch, capsys):
    service = FakeService()
    code, out = check(monkeypatch, capsys, service, full_kms(), ecs_role_name=None)
    assert code == 0 and out['role_name'] == ROLE and methods(service) == [('PUT', 'token'), ('GET', ''), ('GET', ROLE)]


def test_no_key_of_the_environment_stands_in_for_the_instance_role(monkeypatch, capsys):
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_ID', 'LTAIenvironment')
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'environment-secret')
    kms = full_kms()
    code, out = check(monkeypatch, capsys, FakeService(), kms, access_key_id='', access_key_secret='', profile='')
    assert code == 0 and out['credential_provider'] == 'ecs_ram_role' and kms.signed == [('ListKeys', 'STS.instance', TOKEN)]


@pytest.mark.parametrize('option, value', [('access_key_id', 'LTAIx'), ('profile', 'default'), ('assume_role_arn', 'acs:ram::1:role/x')])
def test_another_credential_source_is_refused(monkeypatch, capsys, option, value):
    service, kms = FakeService(), full_kms()
    extra = {'access_key_secret': 'x-secret'} if option == 'access_key_id' else {}
    code, out = check(monkeypatch, capsys, service, kms, **{option: value}, **extra)
    assert code == 1 and out['error']['option'] == 'metadata_credentials' and option in out['msg']
    assert service.requests == [] and kms.signed == []


# ---------------------------------------------------------------- the metadata service fails: step 3's code and message

@pytest.mark.parametrize('args, service, code', [
    ({}, FakeService(role=None), 'Metadata.NoRoleBound'),                       # the role is not attached: 404
    ({'ecs_role_name': 'Other'}, FakeService(), 'Metadata.NoRoleBound'),        # another role is
    ({'ecs_role_name': None}, FakeService(role=None), 'Metadata.NoRoleBound'),  # none at all, no name given
    ({'read_timeout': 0.5}, FakeService(unreachable=True), 'Metadata.Unreachable'),
    ({}, FakeService(token_status=403), 'Metadata.TokenRefused'),
    ({}, FakeService(token_status=503), 'Metadata.ServerError'),
    ({}, FakeService(document={'Code': 'Failed'}), 'Metadata.InvalidResponse'),
])
def test_a_metadata_failure_fails_before_kms_as_the_credentials_module_does(monkeypatch, capsys, args, service, code):
    kms = full_kms()
    rc, out = check(monkeypatch, capsys, service, kms, fail_on_failure=False, **args)
    assert rc == 1 and out['failed'] is True and out['error']['code'] == code and kms.signed == []
    # the very result instance_role_credentials_info gives on the same service: same error, same message
    # as the role ran it: role_name and ecs_role_name both the role's name
    step3_args = {**args, 'role_name': args.get('ecs_role_name', ROLE), 'ecs_role_name': args.get('ecs_role_name', ROLE)}
    service.requests.clear()
    step3_code, step3 = run_module(instance_role_credentials_info.main, capsys, **step3_args)
    assert step3_code == 1
    assert out['msg'] == step3['msg'] and out['error'] == step3['error']


def test_the_message_names_the_instance_role_and_the_code(monkeypatch, capsys):
    dummy, out = check(monkeypatch, capsys, FakeService(role='Another'), full_kms())
    assert out['msg'] == f"METADATA GetCredentials: Metadata.NoRoleBound: no RAM role named '{ROLE}' is bound to this instance (HTTP 404)"
    assert out['error']['message'] == f"no RAM role named '{ROLE}' is bound to this instance" and out['error']['http_status'] == 404


# ---------------------------------------------------------------- propagation: one window for both waits

def test_the_wait_covers_a_role_not_served_yet_then_a_policy_not_honoured_yet(monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    denials = [DENIED]

    def get_secret(request, signer):
        return denials.pop() if denials else SECRET_BODY
    service = LateRole(2)
    code, out = check(monkeypatch, capsys, service, SigningKms(GetSecretValue=get_secret), checks=['get_secret'], secret_name='db',
                      wait_timeout=60)
    assert code == 0 and out['passed'] is True and out['attempts'] == 4 and sleeps == [1.0, 2.0, 3.0]
    # the metadata service is asked again only while it serves no role; one token for every attempt
    assert methods(service) == [('PUT', 'token'), ('GET', ROLE), ('GET', ROLE), ('GET', ROLE)]


def test_a_role_never_served_fails_naming_the_attempts(monkeypatch, capsys):
    monkeypatch.setattr('time.sleep', lambda s: None)
    ticks = iter(range(0, 1000, 4))
    monkeypatch.setattr('time.monotonic', lambda: next(ticks))
    kms = full_kms()
    code, out = check(monkeypatch, capsys, FakeService(role=None), kms, wait_timeout=10)
    assert code == 1 and out['error']['code'] == 'Metadata.NoRoleBound' and kms.signed == []
    assert out['msg'].endswith('attempts over wait_timeout 10 s) (HTTP 404)') and 'still after 3 attempts' in out['error']['message']


@pytest.mark.parametrize('service', [FakeService(token_status=403), FakeService(unreachable=True)])
def test_other_metadata_failures_are_not_waited_for(monkeypatch, capsys, service):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    code, out = check(monkeypatch, capsys, service, full_kms(), wait_timeout=60)
    assert code == 1 and sleeps == [] and out['error']['code'] in ('Metadata.TokenRefused', 'Metadata.Unreachable')


# ---------------------------------------------------------------- KMS fails: step 4's results and messages

def test_a_kms_denial_fails_the_check_naming_it_with_the_instance_role_reported(monkeypatch, capsys):
    code, out = check(monkeypatch, capsys, FakeService(), full_kms(GetSecretValue=DENIED), checks=['list_keys', 'get_secret'],
                      secret_name='db')
    assert code == 1 and out['msg'] == 'KMS access check failed: get_secret (Forbidden.NoPermission)'
    assert out['failed_checks'] == ['get_secret'] and out['checks']['get_secret']['http_status'] == 403
    assert out['checks']['list_keys']['passed'] is True and out['role_name'] == ROLE and out['credentials']['access_key_id'] == 'STS.instance'


def test_a_kms_denial_is_only_reported_without_fail_on_failure(monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    kms = full_kms(GetSecretValue=DENIED)
    code, out = check(monkeypatch, capsys, FakeService(), kms, checks=['get_secret'], secret_name='db', fail_on_failure=False)
    assert code == 0 and out['passed'] is False and out['checks']['get_secret']['code'] == 'Forbidden.NoPermission'
    assert out['attempts'] == 1 and sleeps == [] and len(kms.signed) == 1


def test_kms_throttling_is_retried_by_the_policy_then_reported_not_waited_for(monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    throttled = AlicloudApiError('Rejected.Throttling', 'QPS Limit Exceeded', status=429, product='kms', action='ListKeys')
    kms = SigningKms(ListKeys=throttled)
    code, out = check(monkeypatch, capsys, FakeService(), kms, wait_timeout=60, fail_on_failure=False)
    assert code == 0 and out['passed'] is False and out['checks']['list_keys']['code'] == 'Rejected.Throttling'
    assert out['attempts'] == 1 and sleeps == [] and len(kms.signed) == 8  # the retry policy's 8 attempts, no propagation wait


def test_an_expired_token_reads_the_credentials_again_once(monkeypatch, capsys):
    expired = [ExpiredToken()]

    def list_keys(request, signer):
        return expired.pop() if expired else {'TotalCount': 1}
    service, kms = RenewingService(), SigningKms(ListKeys=list_keys)
    code, out = check(monkeypatch, capsys, service, kms)
    assert code == 0 and out['passed'] is True
    assert kms.signed == [('ListKeys', 'STS.instance', TOKEN), ('ListKeys', 'STS.renewed', SECOND_TOKEN)]
    # the same metadata token, a second read of the credentials; the report shows the credentials that were used
    assert methods(service) == [('PUT', 'token'), ('GET', ROLE), ('GET', ROLE)]
    assert out['credentials']['access_key_id'] == 'STS.renewed' and out['credentials']['expiration'] == RENEWED['Expiration']


def test_an_expired_token_after_the_second_read_fails_the_check(monkeypatch, capsys):
    kms = SigningKms(ListKeys=lambda request, signer: ExpiredToken())
    code, out = check(monkeypatch, capsys, RenewingService(), kms)
    assert code == 1 and out['msg'] == 'KMS access check failed: list_keys (InvalidSecurityToken.Expired)'
    assert out['checks']['list_keys']['request_id'] == 'R-exp' and [key for a, key, t in kms.signed] == ['STS.instance', 'STS.renewed']


def test_a_failure_after_the_role_was_read_still_reports_the_role(monkeypatch, capsys):
    lost = AlicloudApiError('InvalidCredentials', 'could not obtain credentials: the provider gave none')
    code, out = check(monkeypatch, capsys, FakeService(), SigningKms(ListKeys=lost))
    assert code == 1 and out['error']['code'] == 'InvalidCredentials' and 'the provider gave none' in out['msg']
    assert out['role_name'] == ROLE and out['metadata_mode'] == 'token' and 'access_key_secret' not in out['credentials']
