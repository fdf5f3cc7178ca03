# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instance metadata service, through the real ECS-role credentials provider and raw HTTP."""
from __future__ import annotations

import base64
import calendar
import http.client
import json
import time

import pytest
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_credentials.http import HttpOptions
from alibabacloud_credentials.provider import EcsRamRoleCredentialsProvider
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_sts20150401.client import Client as StsClient

from alicloud_emulator import DEFAULT_ACCOUNT_ID
from alicloud_emulator.testing import ControlError
from helpers import api_error, client_for

CREDS = '/latest/meta-data/ram/security-credentials/'


def provider(control, instance_id, **extra) -> EcsRamRoleCredentialsProvider:
    return EcsRamRoleCredentialsProvider(http_options=HttpOptions(proxy=control.metadata_proxy(instance_id)),
                                         async_update_enabled=False, **extra)


def whoami(emu, creds) -> str:
    client = client_for(StsClient, emu, access_key_id=creds.get_access_key_id(),
                        access_key_secret=creds.get_access_key_secret(), security_token=creds.get_security_token())
    return client.get_caller_identity().body.arn


def imds(emu, instance_id, path, method='GET', headers=None):
    """Origin-form access: /_imds/<instance-id>/latest/..."""
    return send_text(emu, method, f'/_imds/{instance_id}{path}', headers or {})[:2]


def send_text(emu, method, target, headers):
    conn = http.client.HTTPConnection('127.0.0.1', emu.port, timeout=10)
    try:
        conn.request(method, target, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(), dict(resp.getheaders())
    finally:
        conn.close()


@pytest.fixture
def two_instances(control):
    control.create_role('RoleA', policies=['AliyunKMSFullAccess'])
    control.create_role('RoleB')
    a = control.seed_instances(count=1, ram_role_name='RoleA')[0]
    b = control.seed_instances(count=1, ram_role_name='RoleB', http_tokens='required')[0]
    bare = control.seed_instances(count=1)[0]
    return a, b, bare


def test_each_instance_reached_as_itself_through_the_real_provider(emu, control, two_instances):
    a, b = two_instances[:2]
    creds_a = provider(control, a).get_credentials()
    creds_b = provider(control, b, disable_imds_v1=True).get_credentials()
    assert creds_a.get_access_key_id() != creds_b.get_access_key_id()
    assert whoami(emu, creds_a) == f'acs:ram::{DEFAULT_ACCOUNT_ID}:assumed-role/RoleA/{a}'
    assert whoami(emu, creds_b) == f'acs:ram::{DEFAULT_ACCOUNT_ID}:assumed-role/RoleB/{b}'
    actions = [(c['action'], c['params']['InstanceId'], c['status']) for c in control.calls(product='IMDS')]
    assert ('MetadataToken', a, 200) in actions and ('MetadataRoleName', b, 200) in actions
    assert ('MetadataCredentials', b, 200) in actions


def test_credentials_document_and_role_name(emu, control, two_instances):
    a, bare = two_instances[0], two_instances[2]
    status, name = imds(emu, a, CREDS)
    assert (status, name) == (200, 'RoleA'), 'the role name comes without a trailing newline'
    status, text = imds(emu, a, CREDS + 'RoleA')
    doc = json.loads(text)
    assert status == 200 and doc['Code'] == 'Success' and doc['AccessKeyId'].startswith('STS.')
    assert set(doc) == {'AccessKeyId', 'AccessKeySecret', 'Expiration', 'SecurityToken', 'LastUpdated', 'Code'}
    lifetime = calendar.timegm(time.strptime(doc['Expiration'], '%Y-%m-%dT%H:%M:%SZ')) - time.time()
    assert 6 * 3600 - 60 < lifetime <= 6 * 3600, 'Expiration is 6 hours ahead by default'
    assert json.loads(imds(emu, a, CREDS + 'RoleA')[1])['AccessKeyId'] == doc['AccessKeyId'], 'reused until rotation'
    assert imds(emu, a, CREDS + 'RoleB')[0] == 404
    assert imds(emu, bare, CREDS)[0] == 404
    assert imds(emu, bare, CREDS + 'RoleA')[0] == 404
    assert imds(emu, 'i-nosuchinstance', CREDS)[0] == 404
    assert imds(emu, a, '/latest/meta-data/instance-id') == (200, a)
    assert imds(emu, a, '/latest/meta-data/region-id') == (200, 'cn-hangzhou')
    with pytest.raises(CredentialException):
        provider(control, bare).get_credentials()


def test_hardened_mode(emu, control, two_instances):
    a, b = two_instances[:2]
    ttl = 'X-aliyun-ecs-metadata-token-ttl-seconds'
    assert imds(emu, b, CREDS)[0] == 403, 'HttpTokens=required refuses tokenless reads with 403 (reference 0b.9)'
    assert imds(emu, a, CREDS)[0] == 200, 'HttpTokens=optional allows them'
    for value, status in (('0', 400), ('21601', 400), ('abc', 400), ('21600', 200), ('1', 200)):
        assert imds(emu, b, '/latest/api/token', 'PUT', {ttl: value})[0] == status, value
    assert imds(emu, b, '/latest/api/token', 'PUT')[0] == 400
    assert imds(emu, b, '/latest/api/token', 'PUT', {ttl: '60', 'X-Forwarded-For': '10.0.0.1'})[0] == 403
    status, token = imds(emu, b, '/latest/api/token', 'PUT', {ttl: '60'})
    assert imds(emu, b, CREDS, headers={'X-aliyun-ecs-metadata-token': token}) == (200, 'RoleB')
    assert imds(emu, b, CREDS, headers={'X-aliyun-ecs-metadata-token': 'forged'})[0] == 401
    assert imds(emu, a, CREDS, headers={'X-aliyun-ecs-metadata-token': token})[0] == 401, 'a token is bound to its instance'
    control.set_metadata_options(a, http_tokens='required')
    assert imds(emu, a, CREDS)[0] == 403
    control.set_metadata_options(a, http_endpoint='disabled')
    assert imds(emu, a, '/latest/api/token', 'PUT', {ttl: '60'})[0] == 403


def test_modify_metadata_options_through_ecs_takes_effect(emu, ecs, control, two_instances):
    a = two_instances[0]
    ecs.modify_instance_metadata_options(ecs_models.ModifyInstanceMetadataOptionsRequest(
        region_id='cn-hangzhou', instance_id=a, http_tokens='required'))
    assert imds(emu, a, CREDS)[0] == 403
    assert provider(control, a).get_credentials().get_access_key_id().startswith('STS.')


def test_rotation_before_expiry_and_refusal_after(emu, control, two_instances):
    a = two_instances[0]
    first = provider(control, a).get_credentials()
    control.expire_credentials(instance_id=a, in_seconds=600)  # inside the 30-minute rotation lead
    second = json.loads(imds(emu, a, CREDS + 'RoleA')[1])
    assert second['AccessKeyId'] != first.get_access_key_id(), 'a new credential is served before the old one expires'
    assert whoami(emu, first).endswith(a), 'the previous credential stays valid until its Expiration'
    control.expire_credentials(access_key_id=first.get_access_key_id())
    api_error('InvalidSecurityToken.Expired', 400, whoami, emu, first)


def test_detach_and_reattach_change_what_the_instance_sees(emu, ecs, control, two_instances):
    a = two_instances[0]
    assert imds(emu, a, CREDS)[1] == 'RoleA'
    ecs.detach_instance_ram_role(ecs_models.DetachInstanceRamRoleRequest(region_id='cn-hangzhou',
                                                                         instance_ids=json.dumps([a])))
    assert imds(emu, a, CREDS)[0] == 404
    ecs.attach_instance_ram_role(ecs_models.AttachInstanceRamRoleRequest(region_id='cn-hangzhou', ram_role_name='RoleB',
                                                                         instance_ids=json.dumps([a])))
    assert imds(emu, a, CREDS)[1] == 'RoleB'
    assert json.loads(imds(emu, a, CREDS + 'RoleB')[1])['Code'] == 'Success'


def test_a_role_that_no_longer_trusts_ecs_or_was_deleted_yields_no_credentials(emu, ram, control, two_instances):
    from alibabacloud_ram20150501 import models as ram_models  # pylint: disable=import-outside-toplevel
    a, b = two_instances[:2]
    ram.update_role(ram_models.UpdateRoleRequest(role_name='RoleA', new_assume_role_policy_document=json.dumps(
        {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow',
                                        'Principal': {'RAM': [f'acs:ram::{DEFAULT_ACCOUNT_ID}:root']}}]})))
    assert imds(emu, a, CREDS)[1] == 'RoleA'
    assert imds(emu, a, CREDS + 'RoleA')[0] == 404
    ram.delete_role(ram_models.DeleteRoleRequest(role_name='RoleB'))
    assert control.instance(b)['ram_role'] == 'RoleB', 'DeleteRole leaves the binding in place'
    status, token = imds(emu, b, '/latest/api/token', 'PUT', {'X-aliyun-ecs-metadata-token-ttl-seconds': '60'})
    assert status == 200
    assert imds(emu, b, CREDS + 'RoleB', headers={'X-aliyun-ecs-metadata-token': token})[0] == 404


def test_other_ways_to_reach_an_instance(emu, control, two_instances):
    a = two_instances[0]
    status = send_text(emu, 'GET', f'http://100.100.100.200{CREDS}', {'Host': '100.100.100.200'})[0]
    assert status == 407, 'the main port used as a proxy needs the instance id as proxy user name'
    basic = base64.b64encode(f'{a}:'.encode()).decode()
    answer = send_text(emu, 'GET', 'http://100.100.100.200/latest/meta-data/instance-id',
                       {'Host': '100.100.100.200', 'Proxy-Authorization': f'Basic {basic}'})
    assert answer[:2] == (200, a), 'curl -x http://<instance-id>@127.0.0.1:PORT works'
    proxy = control.metadata_proxy(a)
    assert control.metadata_proxy(a) == proxy, 'one port per instance, reused'
    port = int(proxy.rsplit(':', 1)[1])
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    conn.request('GET', '/latest/meta-data/instance-id')
    assert conn.getresponse().read().decode() == a, 'the dedicated port also answers origin-form requests'
    conn.close()
    with pytest.raises(ControlError):
        control.metadata_proxy('i-none')


def test_truncated_and_throttled_metadata_answers(emu, control, two_instances):
    a = two_instances[0]
    control.set_fault('truncated_body', product='IMDS', action='MetadataCredentials', count=1)
    status, text = imds(emu, a, CREDS + 'RoleA')
    assert status == 200 and text.startswith('{"AccessKeyId"') and not text.endswith('}'), text[:40]
    control.settings(throttle_status=429)
    control.set_fault('throttle', product='IMDS', action='MetadataCredentials', count=1)
    assert imds(emu, a, CREDS + 'RoleA')[0] == 429
    status, text = imds(emu, a, CREDS + 'RoleA')
    assert status == 200 and json.loads(text)['Code'] == 'Success'


def test_an_instance_port_as_the_http_proxy_of_a_service(emu, control, two_instances):
    """HTTP_PROXY=<the instance's port>: metadata for 100.100.100.200, every other host forwarded to the API."""
    from alibabacloud_kms20160120 import models as kms_models  # pylint: disable=import-outside-toplevel
    from alibabacloud_kms20160120.client import Client as KmsClient  # pylint: disable=import-outside-toplevel
    a = two_instances[0]
    proxy = control.metadata_proxy(a)
    creds = provider(control, a).get_credentials()
    kms = client_for(KmsClient, emu, access_key_id=creds.get_access_key_id(), access_key_secret=creds.get_access_key_secret(),
                     security_token=creds.get_security_token(), http_proxy=proxy)
    assert kms.list_keys(kms_models.ListKeysRequest()).body.request_id
    call = control.calls(product='KMS')[-1]
    assert (call['action'], call['status']) == ('ListKeys', 200)
    assert call['principal'] == f'acs:ram::{DEFAULT_ACCOUNT_ID}:assumed-role/RoleA/{a}'
    # the forwarded request is an API call, not a metadata request of the instance: no IMDS entry for it
    assert [c['params']['Path'] for c in control.calls(product='IMDS')][-1] == CREDS + 'RoleA'
    conn = http.client.HTTPConnection('127.0.0.1', int(proxy.rsplit(':', 1)[1]), timeout=10)
    try:
        conn.request('GET', f'http://127.0.0.1:{emu.port}/_emulator/health')
        assert conn.getresponse().status != 200, 'the control plane is not reachable through an instance'
    finally:
        conn.close()
