# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wire protocol: V3 and V1 signatures, rejections with the real codes, JSON error bodies."""
from __future__ import annotations

import json
import urllib.parse

from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_kms20160120.client import Client as KmsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient

from alicloud_emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from helpers import ECS_TRUST, api_error, client_for, send, signed_v3, utc_timestamp

RAM_VERSION = '2015-05-01'


def test_signed_v3_request_is_accepted_and_answers_json(emu):
    status, body, headers = signed_v3(emu, 'ListRoles', RAM_VERSION, {'MaxItems': '5'})
    assert status == 200 and body['IsTruncated'] is False and body['RequestId'] == headers['x-acs-request-id']
    assert headers['content-type'].startswith('application/json')


def test_wrong_secret_and_unknown_key(emu):
    api_error('SignatureDoesNotMatch', 400, client_for(RamClient, emu, access_key_secret='wrong').list_roles,
              ram_models.ListRolesRequest())
    api_error('InvalidAccessKeyId.NotFound', 404, client_for(RamClient, emu, access_key_id='LTAI5tNoSuchKey').list_roles,
              ram_models.ListRolesRequest())


def test_replayed_nonce_is_refused(emu):
    first = signed_v3(emu, 'ListRoles', RAM_VERSION, nonce='0123456789abcdef0123456789abcdef')
    second = signed_v3(emu, 'ListRoles', RAM_VERSION, nonce='0123456789abcdef0123456789abcdef')
    assert first[0] == 200
    assert (second[0], second[1]['Code']) == (400, 'SignatureNonceUsed')


def test_tampered_body_and_query_are_refused(emu):
    form = {'SecretData': 'p@ss w0rd+/=&'}
    query = {'SecretName': 'db', 'VersionId': 'v1'}
    status, body = signed_v3(emu, 'CreateSecret', '2016-01-20', query, form, send_body=b'SecretData=other')[:2]
    assert (status, body['Code']) == (400, 'SignatureDoesNotMatch')
    assert 'x-acs-content-sha256' in body['Message']
    # the body hash still matches, but the query differs from the signed one
    status, body = signed_v3(emu, 'ListRoles', RAM_VERSION, {'MaxItems': '5'}, send_query={'MaxItems': '6'})[:2]
    assert (status, body['Code']) == (400, 'SignatureDoesNotMatch')
    assert signed_v3(emu, 'ListRoles', RAM_VERSION, {'MaxItems': '5'})[0] == 200


def test_old_or_malformed_timestamp_is_refused(emu):
    for date in (utc_timestamp(-20 * 60), utc_timestamp(+20 * 60), 'yesterday'):
        status, body = signed_v3(emu, 'ListRoles', RAM_VERSION, date=date)[:2]
        assert (status, body['Code']) == (400, 'IllegalTimestamp'), date
    assert signed_v3(emu, 'ListRoles', RAM_VERSION, date=utc_timestamp(-10 * 60))[0] == 200


def test_incomplete_signatures(emu):
    status, body = signed_v3(emu, 'ListRoles', RAM_VERSION, unsigned=('x-acs-action',))[:2]
    assert (status, body['Code']) == (400, 'IncompleteSignature') and 'x-acs-action' in body['Message']
    status, body = signed_v3(emu, 'ListRoles', RAM_VERSION, unsigned=('host',))[:2]
    assert (status, body['Code']) == (400, 'IncompleteSignature')
    base = {'host': emu.endpoint, 'x-acs-action': 'ListRoles', 'x-acs-version': RAM_VERSION}
    for auth in ('ACS3-HMAC-SHA256 Credential=x', 'ACS3-HMAC-SM3 Credential=a,SignedHeaders=host,Signature=b'):
        status, body = send(emu, 'POST', '/', b'', {**base, 'Authorization': auth})[:2]
        assert (status, body['Code']) == (400, 'IncompleteSignature'), auth
    status, body = send(emu, 'POST', '/', b'', base)[:2]
    assert (status, body['Code']) == (400, 'MissingParameter')


def test_routing_errors(emu):
    status, body = signed_v3(emu, 'NoSuchAction', RAM_VERSION)[:2]
    assert (status, body['Code']) == (403, 'InvalidAction')
    status, body = signed_v3(emu, 'ListRoles', '2099-01-01')[:2]
    assert (status, body['Code']) == (400, 'InvalidVersion')
    status, body = send(emu, 'GET', '/?Version=2015-05-01')[:2]
    assert (status, body['Code']) == (400, 'MissingParameter') and set(body) >= {'RequestId', 'HostId', 'Code', 'Message'}


def test_v1_signature_through_the_sdk(emu):
    """Config(signature_algorithm='v2') makes tea-openapi sign RPC V1 (HMAC-SHA1, RFC 3986 encoding)."""
    ram = client_for(RamClient, emu, signature_algorithm='v2')
    ram.create_role(ram_models.CreateRoleRequest(role_name='V1Role', assume_role_policy_document=ECS_TRUST,
                                                 description='with spaces and * and ~'))
    assert ram.get_role(ram_models.GetRoleRequest(role_name='V1Role')).body.role.description == 'with spaces and * and ~'
    kms = client_for(KmsClient, emu, signature_algorithm='v2')  # form-body parameters are signed too
    kms.create_secret(kms_models.CreateSecretRequest(secret_name='s1', version_id='v1', secret_data='a b+c'))
    assert kms.get_secret_value(kms_models.GetSecretValueRequest(secret_name='s1')).body.secret_data == 'a b+c'
    api_error('SignatureDoesNotMatch', 400, client_for(RamClient, emu, signature_algorithm='v2',
                                                       access_key_secret='wrong').list_roles, ram_models.ListRolesRequest())


def test_v1_quote_plus_variant_and_missing_parameters(emu):
    from alibabacloud_credentials.utils import parameter_helper as ph  # pylint: disable=import-outside-toplevel
    query = {'Action': 'ListRoles', 'Version': RAM_VERSION, 'Format': 'JSON', 'AccessKeyId': DEFAULT_ACCESS_KEY_ID,
             'SignatureMethod': 'HMAC-SHA1', 'SignatureVersion': '1.0', 'Timestamp': utc_timestamp(),
             'SignatureNonce': 'nonce with spaces', 'MaxItems': '10'}
    query['Signature'] = ph.sign_string(ph.compose_string_to_sign('GET', query), DEFAULT_ACCESS_KEY_SECRET + '&')
    status, body = send(emu, 'GET', '/?' + urllib.parse.urlencode(query), headers={'Host': f'http://{emu.endpoint}'})[:2]
    assert status == 200 and 'Roles' in body
    for name in ('Signature', 'Timestamp', 'SignatureNonce', 'AccessKeyId'):
        partial = {k: v for k, v in query.items() if k != name}
        status, body = send(emu, 'GET', '/?' + urllib.parse.urlencode(partial))[:2]
        assert (status, body['Code']) == (400, 'MissingParameter') and name in body['Message']


def test_api_call_through_the_emulator_as_http_proxy(emu):
    """With HTTP_PROXY pointing at the emulator, SDK calls arrive in absolute form; they are dispatched normally."""
    ram = client_for(RamClient, emu, http_proxy=emu.url)
    assert ram.list_roles(ram_models.ListRolesRequest()).body.is_truncated is False


def test_every_error_body_is_json_with_the_four_fields(emu, control):
    signed_v3(emu, 'GetRole', RAM_VERSION, {'RoleName': 'missing'})
    call = control.calls(action='GetRole')[-1]
    assert call['status'] == 404 and call['code'] == 'EntityNotExist.Role'
    status, body, headers = signed_v3(emu, 'GetRole', RAM_VERSION, {'RoleName': 'missing'})
    assert status == 404 and json.loads(json.dumps(body)).keys() >= {'RequestId', 'HostId', 'Code', 'Message'}
    assert body['HostId'] == 'ram.aliyuncs.com' and headers['x-acs-request-id'] == body['RequestId']
