# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Injected faults: throttling, 5xx, dropped connections, latency and slow answers; all logged."""
from __future__ import annotations

import pytest
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_credentials.http import HttpOptions
from alibabacloud_credentials.provider import EcsRamRoleCredentialsProvider
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from darabonba.exceptions import UnretryableException

from alicloud_emulator.testing import ControlError
from helpers import client_for


def _list(ram):
    return ram.list_roles(ram_models.ListRolesRequest())


def test_throttling_for_k_calls_with_and_without_retry_after(ram, control):
    control.set_fault('throttle', action='ListRoles', count=2, retry_after=1500)
    for dummy in range(2):
        with pytest.raises(ThrottlingException) as info:
            _list(ram)
        assert (info.value.code, info.value.retry_after, info.value.status_code) == ('Throttling', 1500, 400)
    assert _list(ram).body.is_truncated is False
    control.set_fault('throttle', action='ListRoles', count=1, code='Throttling.User')
    with pytest.raises(ClientException) as info:
        _list(ram)
    assert not isinstance(info.value, ThrottlingException) and info.value.code == 'Throttling.User'
    assert ram.get_policy(ram_models.GetPolicyRequest(policy_type='System', policy_name='ReadOnlyAccess')).body
    calls = control.calls(action='ListRoles')
    assert [(c['status'], c['code'], c['fault']) for c in calls] == [
        (400, 'Throttling', 'throttle'), (400, 'Throttling', 'throttle'), (200, None, None),
        (400, 'Throttling.User', 'throttle')]
    assert control.faults() == []


def test_server_errors(ram, control):
    control.set_fault('error', action='ListRoles', count=1)
    control.set_fault('error', action='ListRoles', count=1, code='ServiceUnavailable')
    with pytest.raises(ServerException) as info:
        _list(ram)
    assert (info.value.code, info.value.status_code) == ('InternalError', 500)
    with pytest.raises(ServerException) as info:
        _list(ram)
    assert (info.value.code, info.value.status_code) == ('ServiceUnavailable', 503)
    assert _list(ram)


def test_dropped_connection(ram, control):
    control.set_fault('drop', action='ListRoles', count=1)
    with pytest.raises(UnretryableException):
        _list(ram)
    assert _list(ram)
    first = control.calls(action='ListRoles')[0]
    assert (first['status'], first['code'], first['fault']) == (0, 'ConnectionDropped', 'drop')


def test_answer_slower_than_the_read_timeout(emu, control):
    impatient = client_for(RamClient, emu, read_timeout=300)
    control.set_fault('delay', action='ListRoles', count=1, delay_ms=1500)
    with pytest.raises(UnretryableException):
        _list(impatient)
    control.set_latency(1500, action='ListRoles')
    with pytest.raises(UnretryableException):
        _list(impatient)
    assert impatient.get_policy(ram_models.GetPolicyRequest(policy_type='System', policy_name='ReadOnlyAccess')).body
    control.set_latency(0, action='ListRoles')
    control.set_latency(1500)
    with pytest.raises(UnretryableException):
        impatient.get_policy(ram_models.GetPolicyRequest(policy_type='System', policy_name='ReadOnlyAccess'))
    control.set_latency(0)
    assert _list(impatient)


def test_metadata_faults(emu, control):
    control.create_role('R')
    instance = control.seed_instances(count=1, ram_role_name='R')[0]
    control.set_fault('error', product='IMDS', action='MetadataCredentials', code='ServiceUnavailable')
    provider = EcsRamRoleCredentialsProvider(http_options=HttpOptions(proxy=control.metadata_proxy(instance)),
                                             async_update_enabled=False)
    with pytest.raises(CredentialException):
        provider.get_credentials()
    control.clear_faults()
    assert provider.get_credentials().get_access_key_id().startswith('STS.')


def test_fault_validation(control):
    for bad in ({'kind': 'explode'}, {'kind': 'throttle', 'count': 0}):
        with pytest.raises(ControlError):
            control.set_fault(**bad)
    fault = control.set_fault('throttle')
    assert fault['action'] == '*' and fault['count'] is None and fault['code'] is None, 'the code depends on the product'
    with pytest.raises(ControlError):
        control.settings(throttle_status=418)
    control.clear_faults()
    assert control.faults() == []


def test_kms_throttling_is_rejected_throttling_429(emu, kms, control):
    """Reference 0b.1: KMS throttles with Rejected.Throttling / HTTP 429 ("QPS Limit Exceeded")."""
    from alibabacloud_kms20160120 import models as kms_models  # pylint: disable=import-outside-toplevel
    control.set_fault('throttle', action='ListKeys', count=1, retry_after=800)
    with pytest.raises(ThrottlingException) as info:  # the SDK's class whenever x-acs-retry-after is sent
        kms.list_keys(kms_models.ListKeysRequest())
    assert (info.value.code, info.value.status_code, info.value.message.split(' request id')[0].endswith('QPS Limit Exceeded')) \
        == ('Rejected.Throttling', 429, True)
    assert kms.list_keys(kms_models.ListKeysRequest()).body.total_count == 0
    call = control.calls(action='ListKeys')[0]
    assert (call['product'], call['status'], call['code'], call['fault']) == ('KMS', 429, 'Rejected.Throttling', 'throttle')


def test_throttle_status_429_as_newer_gateways_send_it(ram, control):
    control.settings(throttle_status=429)
    control.set_fault('throttle', action='ListRoles', count=1, code='Throttling.User')
    control.set_fault('throttle', action='ListRoles', count=1, status=400)
    with pytest.raises(ClientException) as info:
        _list(ram)
    assert (info.value.code, info.value.status_code) == ('Throttling.User', 429)
    with pytest.raises(ClientException) as info:
        _list(ram)
    assert (info.value.code, info.value.status_code) == ('Throttling', 400), 'an explicit status wins'
    assert [c['status'] for c in control.calls(action='ListRoles')] == [429, 400]


@pytest.mark.parametrize('kind', ['empty_body', 'truncated_body'])
def test_unreadable_200_answers_after_the_call_took_effect(emu, control, kind):
    """Reference 0b.16: a 200 whose body is empty or cut off; the write happened."""
    from helpers import signed_v3  # pylint: disable=import-outside-toplevel
    control.set_fault(kind, action='CreateRole', count=1)
    trust = '{"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}'
    status, body, dummy = None, None, None
    try:
        status, body, dummy = signed_v3(emu, 'CreateRole', '2015-05-01',
                                        query={'RoleName': 'Half', 'AssumeRolePolicyDocument': trust})
    except ValueError:  # json.loads of a truncated body
        status = 200
    assert status == 200 and not body
    call = control.calls(action='CreateRole')[0]
    assert (call['status'], call['code'], call['fault']) == (200, 'UnreadableBody', kind)
    assert 'half' in next(a for a in control.state()['accounts'] if a['account_id'] == '1234567890123456')['roles']
