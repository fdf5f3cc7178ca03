# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _client, _imds
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.modules import kms_access_check
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.kms import DENIED, SECRET_VALUE, FakeKms, round_trip
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.metadata import FakeService

KEYS = {'access_key_id': 'LTAIcheck', 'access_key_secret': 'check-secret-DoNotLeak', 'region_id': 'cn-hangzhou'}
SECRET_BODY = {'SecretName': 'db', 'SecretData': SECRET_VALUE, 'VersionId': 'v1', 'VersionStages': {'VersionStage': ['ACSCurrent']},
               'SecretDataType': 'text'}


def run(monkeypatch, capsys, args, kms):
    monkeypatch.setattr(_client.ClientFactory, 'client', lambda self, product: kms)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            kms_access_check.main()
    out = capsys.readouterr().out
    assert SECRET_VALUE not in out and KEYS['access_key_secret'] not in out
    return exc.value.code, json.loads(out)


@pytest.mark.parametrize('check_mode', [False, True])
def test_every_check_passes(monkeypatch, capsys, check_mode):
    kms = round_trip(ListKeys={'TotalCount': 3}, GetSecretValue=SECRET_BODY)
    code, out = run(monkeypatch, capsys, {**KEYS, 'checks': ['list_keys', 'encrypt_decrypt', 'get_secret'], 'key_id': 'alias/app',
                                          'secret_name': 'db', '_ansible_check_mode': check_mode}, kms)
    assert code == 0 and out['changed'] is False and out['passed'] is True and out['failed_checks'] == []
    assert out['credential_provider'] == 'static_ak'
    assert list(out['checks']) == ['list_keys', 'encrypt_decrypt', 'get_secret']
    assert out['checks']['list_keys']['key_count'] == 3 and out['checks']['get_secret']['version_id'] == 'v1'
    assert [a for a, p in kms.calls] == ['ListKeys', 'Encrypt', 'Decrypt', 'GetSecretValue']


def test_default_is_list_keys_only(monkeypatch, capsys):
    kms = FakeKms(ListKeys={'TotalCount': 0})
    code, out = run(monkeypatch, capsys, KEYS, kms)
    assert code == 0 and list(out['checks']) == ['list_keys'] and kms.calls == [('ListKeys', {'PageSize': 100})]


def test_denial_fails_the_task_naming_check_and_code(monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, {**KEYS, 'checks': ['encrypt_decrypt', 'get_secret'], 'key_id': 'k', 'secret_name': 'db'},
                    round_trip(GetSecretValue=DENIED))
    assert code == 1 and out['msg'] == 'KMS access check failed: get_secret (Forbidden.NoPermission)'
    assert out['passed'] is False and out['failed_checks'] == ['get_secret']
    assert out['checks']['encrypt_decrypt']['passed'] is True and out['checks']['get_secret']['http_status'] == 403


def test_denial_reported_without_failing(monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, {**KEYS, 'checks': ['get_secret'], 'secret_name': 'db', 'fail_on_failure': False},
                    FakeKms(GetSecretValue=DENIED))
    assert code == 0 and out['passed'] is False and out['checks']['get_secret']['code'] == 'Forbidden.NoPermission'


@pytest.mark.parametrize('args, option', [
    ({'checks': ['encrypt_decrypt']}, 'key_id'),
    ({'checks': ['list_keys', 'get_secret']}, 'secret_name'),
    ({'checks': []}, 'checks'),
])
def test_a_check_needs_its_input(monkeypatch, capsys, args, option):
    kms = FakeKms()
    code, out = run(monkeypatch, capsys, {**KEYS, **args}, kms)
    assert code == 1 and out['error']['option'] == option and kms.calls == []


def test_repeated_checks_run_once(monkeypatch, capsys):
    kms = FakeKms(ListKeys={'TotalCount': 1})
    code, out = run(monkeypatch, capsys, {**KEYS, 'checks': ['list_keys', 'list_keys']}, kms)
    assert code == 0 and len(kms.calls) == 1


def test_no_role_bound_is_explained_by_the_metadata_service(monkeypatch, capsys):
    def no_credentials(self):
        raise AlicloudApiError('InvalidCredentials', 'could not obtain credentials: HttpCode=404')

    monkeypatch.setattr(_client.ClientFactory, 'credential', no_credentials)
    monkeypatch.setattr(_imds, 'http_send', FakeService(role=None))
    kms = FakeKms()
    code, out = run(monkeypatch, capsys, {'ecs_role_name': 'EcsRamRoleTest', 'region_id': 'cn-hangzhou', 'checks': ['list_keys']}, kms)
    assert code == 1 and kms.calls == []
    assert out['error']['code'] == 'Metadata.NoRoleBound'
    assert "no RAM role named 'EcsRamRoleTest' is bound to this instance" in out['msg'] and 'HttpCode=404' in out['msg']


def test_missing_keys_are_not_blamed_on_the_metadata_service(monkeypatch, capsys):
    def no_credentials(self):
        raise AlicloudApiError('InvalidCredentials', 'could not obtain credentials: bad profile')

    monkeypatch.setattr(_client.ClientFactory, 'credential', no_credentials)
    monkeypatch.setattr(_imds, 'http_send', FakeService(role=None))
    code, out = run(monkeypatch, capsys, {**KEYS, 'checks': ['list_keys']}, FakeKms())
    assert code == 1 and out['error']['code'] == 'InvalidCredentials' and 'bad profile' in out['msg']


def test_wait_timeout_waits_out_a_fresh_policy_attachment(monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    answers = [DENIED, DENIED]

    def get_secret(params):
        if answers:
            raise answers.pop()
        return SECRET_BODY
    kms = FakeKms(GetSecretValue=get_secret)
    code, out = run(monkeypatch, capsys, {**KEYS, 'checks': ['get_secret'], 'secret_name': 'db', 'wait_timeout': 60}, kms)
    assert code == 0 and out['passed'] is True and out['attempts'] == 3 and sleeps == [1.0, 2.0]
    assert [a for a, p in kms.calls] == ['GetSecretValue'] * 3


def test_wait_timeout_waits_for_the_role_to_be_served(monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    tries = []

    def credential(self):
        tries.append(1)
        if len(tries) < 3:
            raise AlicloudApiError('InvalidCredentials', 'could not obtain credentials: HttpCode=404')
        return type('Credential', (), {'provider_name': 'ecs_ram_role'})()

    monkeypatch.setattr(_client.ClientFactory, 'credential', credential)
    monkeypatch.setattr(_imds, 'http_send', FakeService(role=None))
    kms = FakeKms(ListKeys={'Keys': {'Key': []}, 'TotalCount': 0})
    code, out = run(monkeypatch, capsys, {'ecs_role_name': 'EcsRamRoleTest', 'region_id': 'cn-hangzhou', 'wait_timeout': 60}, kms)
    assert code == 0 and out['passed'] is True and out['attempts'] == 3 and sleeps == [1.0, 2.0]


def test_a_denial_without_wait_timeout_is_reported_at_once(monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    kms = FakeKms(GetSecretValue=DENIED)
    code, out = run(monkeypatch, capsys, {**KEYS, 'checks': ['get_secret'], 'secret_name': 'db', 'fail_on_failure': False}, kms)
    assert code == 0 and out['passed'] is False and out['attempts'] == 1 and sleeps == [] and len(kms.calls) == 1
