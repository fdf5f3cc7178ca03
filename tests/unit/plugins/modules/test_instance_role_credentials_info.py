# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _imds
from ansible_collections.alicloud.instance_ram.plugins.modules import instance_role_credentials_info
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.metadata import ROLE, SECRET, TOKEN, FakeService, LateRole


def run(monkeypatch, capsys, args, service):
    monkeypatch.setattr(_imds, 'http_send', service)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            instance_role_credentials_info.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize('check_mode', [False, True])
def test_role_and_credentials_without_secrets(monkeypatch, capsys, check_mode):
    service = FakeService()
    code, out = run(monkeypatch, capsys, {'_ansible_check_mode': check_mode}, service)
    assert code == 0 and out['changed'] is False
    assert out['role_name'] == ROLE and out['metadata_mode'] == 'token'
    assert set(out['credentials']) == {'access_key_id', 'expiration', 'last_updated', 'seconds_left'}
    assert out['credentials']['access_key_id'] == 'STS.instance' and out['credentials']['expiration'] == '2026-11-28T04:00:00Z'
    raw = json.dumps(out)
    assert SECRET not in raw and TOKEN not in raw and 'metadata-token' not in raw
    assert [m for m, p, h in service.requests] == ['PUT', 'GET', 'GET']


def test_secrets_only_when_asked(monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, {'return_secrets': True, 'role_name': ROLE}, FakeService())
    assert code == 0
    assert out['credentials']['access_key_secret'] == SECRET and out['credentials']['security_token'] == TOKEN
    assert 'metadata-token' not in json.dumps(out)  # the metadata token is never returned


def test_shared_ecs_role_name_names_the_role(monkeypatch, capsys):
    service = FakeService()
    code, out = run(monkeypatch, capsys, {'ecs_role_name': ROLE}, service)
    assert code == 0 and [p for m, p, h in service.requests][-1].endswith('/' + ROLE) and len(service.requests) == 2


@pytest.mark.parametrize('args, service, code, words', [
    ({}, FakeService(role=None), 'Metadata.NoRoleBound', 'no RAM role is bound to this instance'),
    ({'role_name': 'Other'}, FakeService(), 'Metadata.NoRoleBound', "no RAM role named 'Other'"),
    ({}, FakeService(token_status=403), 'Metadata.TokenRefused', 'hardened mode is required'),
    ({'allow_tokenless': True}, FakeService(token_status=403, tokenless_status=401), 'Metadata.TokenlessRefused', 'HttpTokens=required'),
    ({'read_timeout': 0.5}, FakeService(unreachable=True), 'Metadata.Unreachable', 'read timeout 0.5 s'),
])
def test_clear_failures(monkeypatch, capsys, args, service, code, words):
    rc, out = run(monkeypatch, capsys, args, service)
    assert rc == 1 and out['failed'] is True
    assert out['error']['code'] == code and words in out['msg']
    assert SECRET not in json.dumps(out)


def test_tokenless_when_allowed(monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, {'allow_tokenless': True}, FakeService(token_status=403))
    assert code == 0 and out['metadata_mode'] == 'tokenless'


@pytest.mark.parametrize('ttl', [0, 21601])
def test_token_ttl_is_bounded(monkeypatch, capsys, ttl):
    service = FakeService()
    code, out = run(monkeypatch, capsys, {'metadata_token_ttl': ttl}, service)
    assert code == 1 and out['error']['option'] == 'metadata_token_ttl' and not service.requests


def test_token_ttl_is_sent(monkeypatch, capsys):
    service = FakeService()
    run(monkeypatch, capsys, {'metadata_token_ttl': 60}, service)
    assert service.requests[0][2] == {_imds.TOKEN_TTL_HEADER: '60'}


def test_wait_timeout_waits_for_a_role_that_is_not_served_yet(monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    service = LateRole(2)
    code, out = run(monkeypatch, capsys, {'role_name': ROLE, 'wait_timeout': 60}, service)
    assert code == 0 and out['role_name'] == ROLE and out['attempts'] == 3 and sleeps == [1.0, 2.0]
    # one token for every attempt
    assert [m for m, p, h in service.requests].count('PUT') == 1


def test_without_wait_timeout_no_role_fails_at_once(monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    code, out = run(monkeypatch, capsys, {'role_name': ROLE}, LateRole(1))
    assert code == 1 and out['error']['code'] == 'Metadata.NoRoleBound' and sleeps == []


def test_wait_timeout_gives_up_naming_the_attempts(monkeypatch, capsys):
    monkeypatch.setattr('time.sleep', lambda s: None)
    ticks = iter(range(0, 1000, 4))
    monkeypatch.setattr('time.monotonic', lambda: next(ticks))
    code, out = run(monkeypatch, capsys, {'role_name': ROLE, 'wait_timeout': 10}, FakeService(role=None))
    assert code == 1 and out['error']['code'] == 'Metadata.NoRoleBound' and 'attempts over wait_timeout 10 s' in out['msg']


def test_other_failures_are_not_waited_for(monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr('time.sleep', sleeps.append)
    code, out = run(monkeypatch, capsys, {'wait_timeout': 60}, FakeService(token_status=403))
    assert code == 1 and out['error']['code'] == 'Metadata.TokenRefused' and sleeps == []
