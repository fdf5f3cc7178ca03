# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import (
    AlicloudApiError,
    AlicloudParameterError,
    from_exception,
    is_api_exception,
    redact,
)

SECRET = 'EmulatorDefaultSecretDoNotLeak01'
TOKEN = 'CAISsecurityTokenValue0123456789'


def sdk_exception(**kw):
    from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
    cls = {'client': ClientException, 'server': ServerException, 'throttling': ThrottlingException}[kw.pop('kind', 'client')]
    return cls(**kw)


def test_client_exception_translation():
    exc = sdk_exception(code='EntityNotExist.Role', status_code=404, request_id='R-1',
                        message='code: 404, The role does not exist. request id: R-1',
                        data={'Code': 'EntityNotExist.Role', 'Message': 'The role does not exist.', 'RequestId': 'R-1', 'statusCode': 404})
    err = from_exception(exc, product='ram', action='GetRole')
    assert (err.code, err.message, err.request_id, err.status) == ('EntityNotExist.Role', 'The role does not exist.', 'R-1', 404)
    assert str(err) == 'RAM GetRole: EntityNotExist.Role: The role does not exist. (HTTP 404, request id R-1)'
    assert err.to_dict() == {'code': 'EntityNotExist.Role', 'message': 'The role does not exist.', 'request_id': 'R-1',
                             'http_status': 404, 'product': 'ram', 'action': 'GetRole', 'attempts': 1}
    assert err.matches('EntityNotExist') and err.matches('EntityNotExist.Role') and not err.matches('EntityNotExist.Policy')


def test_a_refusal_names_the_missing_permission():
    denied = {'AuthAction': 'ram:CreateRole', 'AuthPrincipalType': 'SubUser', 'NoPermissionType': 'ImplicitDeny'}
    exc = sdk_exception(code='NoPermission', status_code=403, request_id='R-9', access_denied_detail=denied,
                        data={'Code': 'NoPermission', 'Message': 'You are not authorized to do this action.', 'RequestId': 'R-9'})
    err = from_exception(exc, product='ram', action='CreateRole')
    assert err.message == 'You are not authorized to do this action. (missing permission: ram:CreateRole)'
    # the detail only in the body, as older SDKs keep it
    exc = sdk_exception(code='Forbidden.RAM', status_code=403, data={'Message': 'denied', 'AccessDeniedDetail': {'AuthAction': 'ecs:AttachInstanceRamRole'}})
    assert from_exception(exc).message == 'denied (missing permission: ecs:AttachInstanceRamRole)'
    # a code that stands for one permission, whose answer names none
    exc = sdk_exception(code='InvalidUser.PassRoleForbidden', status_code=403, data={'Message': 'The user is not authorized to pass the role.'})
    assert from_exception(exc).message == 'The user is not authorized to pass the role. (missing permission: ram:PassRole)'
    # any other error: nothing added
    exc = sdk_exception(code='EntityNotExist.Role', status_code=404, data={'Message': 'The role does not exist.'})
    assert from_exception(exc).message == 'The role does not exist.'


def test_message_parsed_without_data():
    exc = sdk_exception(kind='server', code='InternalError', status_code=500, request_id='R-2',
                        message='code: 500, Something broke request id: R-2')
    err = from_exception(exc)
    assert err.message == 'Something broke' and err.status == 500


def test_throttling_retry_after_in_seconds():
    exc = sdk_exception(kind='throttling', code='Throttling.User', status_code=400, retry_after=2500, message='code: 400, slow down')
    assert from_exception(exc).retry_after == 2.5


def test_transport_failures():
    timeout = from_exception(TimeoutError('read timed out'), product='ecs', action='DescribeInstances')
    assert timeout.code == 'Transport.Timeout' and timeout.is_transport
    refused = from_exception(ConnectionRefusedError('Connection refused'))
    assert refused.code == 'Transport.ConnectionFailed' and refused.is_transport


def test_credential_exception():
    from alibabacloud_credentials.exceptions import CredentialException
    err = from_exception(CredentialException('Failed to get RAM session credentials from ECS metadata service. HttpCode=404'))
    assert err.code == 'InvalidCredentials' and 'HttpCode=404' in err.message


def test_is_api_exception():
    assert is_api_exception(sdk_exception(code='X', status_code=400))
    assert is_api_exception(ConnectionResetError())
    assert not is_api_exception(KeyError('x'))
    assert not is_api_exception(ValueError('x'))


def test_parameter_error_names_option_and_rule():
    err = AlicloudParameterError('max_session_duration', 'must be between 3600 and 43200 seconds', 60)
    assert str(err) == 'max_session_duration: must be between 3600 and 43200 seconds (got 60)'


@pytest.mark.parametrize('text', [
    f'signature failed for {SECRET}',
    f'token {TOKEN} expired; secret={SECRET}',
])
def test_redact_removes_every_secret(text):
    out = redact(text, [SECRET, TOKEN, None, ''])
    assert SECRET not in out and TOKEN not in out and '********' in out


def test_redact_ignores_trivially_short_values():
    assert redact('a b c', ['a']) == 'a b c'


def test_error_text_never_contains_the_secret_it_was_not_given():
    exc = sdk_exception(code='SignatureDoesNotMatch', status_code=400, request_id='R-3',
                        data={'Code': 'SignatureDoesNotMatch', 'Message': 'Specified signature is not matched with our calculation.'})
    err = from_exception(exc)
    assert SECRET not in str(err) and SECRET not in repr(err.to_dict())
    assert isinstance(err, AlicloudApiError)


@pytest.mark.parametrize('text, kept, gone', [
    ('url: /?Action=AssumeRole&AccessKeyId=STS.abcdefgh&SecurityToken=CAISabc%2Bdef%2F%3D0123456789&Signature=x%3D (Caused by X)',
     ['url: /?', '(Caused by X)'], ['STS.abcdefgh', 'CAISabc', 'Signature=x']),
    ('string to sign is:POST&%2F&AccessKeyId%3DSTS.k1%26SecurityToken%3DCAIStok%252B%252Fen%253D%26Version%3D1',
     ['string to sign is:POST', 'Version%3D1'], ['STS.k1', 'CAIStok']),
    ('{"AccessKeySecret": "s3cr3t+/=", "SecurityToken": "tok"}', ['AccessKeySecret'], ['s3cr3t', '"tok"']),
    ('proxy http://i-abc:pa55word@127.0.0.1:3128 refused', ['http://i-abc:', '@127.0.0.1:3128'], ['pa55word']),
    # ordinary messages are left alone
    ('access_key_id: access_key_id and access_key_secret must be given together', ['must be given together', 'access_key_id: access'],
     ['********']),
    ('SignatureDoesNotMatch: Specified signature is not matched. Is this an ECS instance?', ['SignatureDoesNotMatch', 'instance?'],
     ['********']),
])
def test_scrub(text, kept, gone):
    from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import scrub
    out = scrub(text)
    for word in kept:
        assert word in out, (word, out)
    for word in gone:
        assert word not in out, (word, out)


def test_redact_masks_every_encoding_of_a_secret():
    secret = 'Secret+/=value'
    text = f'a {secret} b Secret%2B%2F%3Dvalue c Secret%252B%252F%253Dvalue d Secret%2B%2F%3Dvalue'
    assert redact(text, [secret]) == 'a ******** b ******** c ******** d ********'
