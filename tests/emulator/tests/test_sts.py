# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""STS 2015-04-01: AssumeRole with trust evaluation, GetCallerIdentity, expiry; the RAM-role-ARN provider."""
from __future__ import annotations

import calendar
import json
import time

import pytest
from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider, StaticAKCredentialsProvider
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient

from alicloud_emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_ACCOUNT_ID
from helpers import api_error, assert_all_set, client_for

ROOT_TRUST = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow',
                                             'Principal': {'RAM': [f'acs:ram::{DEFAULT_ACCOUNT_ID}:root']}}]}
ARN = f'acs:ram::{DEFAULT_ACCOUNT_ID}:role/'


def _assume(sts, role='Deployer', session='s1', **extra):
    return sts.assume_role(sts_models.AssumeRoleRequest(role_arn=ARN + role, role_session_name=session, **extra)).body


@pytest.fixture
def deployer(control):
    control.create_role('Deployer', trust=ROOT_TRUST, policies=['AliyunKMSFullAccess'], max_session_duration=7200)


def test_assume_role_and_caller_identity(emu, sts, deployer):
    body = _assume(sts, duration_seconds=1800)
    assert_all_set(body)
    creds = body.credentials
    assert creds.access_key_id.startswith('STS.') and creds.security_token
    expires = calendar.timegm(time.strptime(creds.expiration, '%Y-%m-%dT%H:%M:%SZ'))
    assert 1700 < expires - time.time() <= 1800
    assert body.assumed_role_user.assumed_role_id.endswith(':s1')

    root = sts.get_caller_identity().body
    assert_all_set(root, ignore=('role_id',))
    assert (root.identity_type, root.arn, root.account_id) == ('Account', f'acs:ram::{DEFAULT_ACCOUNT_ID}:root', DEFAULT_ACCOUNT_ID)
    session = client_for(StsClient, emu, access_key_id=creds.access_key_id, access_key_secret=creds.access_key_secret,
                         security_token=creds.security_token)
    who = session.get_caller_identity().body
    assert_all_set(who)
    assert who.identity_type == 'AssumedRoleUser' and who.arn == f'acs:ram::{DEFAULT_ACCOUNT_ID}:assumed-role/Deployer/s1'


def test_assume_role_errors(sts, control, deployer):
    control.create_role('EcsOnly')
    api_error('NoPermission', 403, _assume, sts, 'EcsOnly')
    api_error('EntityNotExist.Role', 404, _assume, sts, 'Nope')
    api_error('InvalidParameter.RoleArn', 400, sts.assume_role, sts_models.AssumeRoleRequest(
        role_arn='arn:aws:iam::1:role/x', role_session_name='s1'))
    api_error('InvalidParameter.RoleSessionName', 400, _assume, sts, session='bad session')
    api_error('InvalidParameter.DurationSeconds', 400, _assume, sts, duration_seconds=899)
    api_error('InvalidParameter.DurationSeconds', 400, _assume, sts, duration_seconds=7201)
    api_error('InvalidParameter.PolicyGrammar', 400, _assume, sts, policy='{"Version": "1"}')
    api_error('InvalidParameter.PolicySize', 400, _assume, sts, policy=' ' * 2049)
    api_error('MissingParameter', 400, sts.assume_role, sts_models.AssumeRoleRequest(role_arn=ARN + 'Deployer'))


def test_expired_and_mismatched_tokens_are_refused(emu, sts, control, deployer):
    creds = _assume(sts).credentials
    client = client_for(StsClient, emu, access_key_id=creds.access_key_id, access_key_secret=creds.access_key_secret,
                        security_token=creds.security_token)
    assert client.get_caller_identity().body.identity_type == 'AssumedRoleUser'
    wrong_token = client_for(StsClient, emu, access_key_id=creds.access_key_id, access_key_secret=creds.access_key_secret,
                             security_token='CAISforged')
    api_error('InvalidSecurityToken.MismatchWithAccessKey', 400, wrong_token.get_caller_identity)
    assert control.expire_credentials(access_key_id=creds.access_key_id) == 1
    api_error('InvalidSecurityToken.Expired', 400, client.get_caller_identity)


def test_cross_account_trust(emu, control):
    other = control.add_account(account_id='2222222222222222')
    control.create_role('Shared', account_id=other['account_id'], trust={'Version': '1', 'Statement': [
        {'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'RAM': [DEFAULT_ACCOUNT_ID]}}]})
    sts = client_for(StsClient, emu)
    creds = sts.assume_role(sts_models.AssumeRoleRequest(role_arn='acs:ram::2222222222222222:role/shared',
                                                         role_session_name='x-acct')).body.credentials
    session = client_for(StsClient, emu, access_key_id=creds.access_key_id, access_key_secret=creds.access_key_secret,
                         security_token=creds.security_token)
    assert session.get_caller_identity().body.account_id == '2222222222222222'
    own = client_for(StsClient, emu, access_key_id=other['access_key_id'], access_key_secret=other['access_key_secret'])
    api_error('EntityNotExist.Role', 404, own.assume_role, sts_models.AssumeRoleRequest(
        role_arn='acs:ram::2222222222222222:role/Deployer', role_session_name='s1'))


def test_ram_role_arn_provider_signs_v1_get_with_quote_plus(emu, deployer):
    policy = json.dumps({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:*', 'Resource': '*'}]})
    provider = RamRoleArnCredentialsProvider(
        credentials_provider=StaticAKCredentialsProvider(access_key_id=DEFAULT_ACCESS_KEY_ID,
                                                         access_key_secret=DEFAULT_ACCESS_KEY_SECRET),
        role_arn=ARN + 'Deployer', role_session_name='provider', duration_seconds=900, policy=policy,
        sts_endpoint=emu.url)
    creds = provider.get_credentials()
    assert creds.get_access_key_id().startswith('STS.')
    session = client_for(StsClient, emu, access_key_id=creds.get_access_key_id(),
                         access_key_secret=creds.get_access_key_secret(), security_token=creds.get_security_token())
    assert session.get_caller_identity().body.arn.endswith('assumed-role/Deployer/provider')
    call = emu.control.calls(action='AssumeRole')[-1]
    assert call['status'] == 200 and call['params']['Policy'] == policy and call['write'] is False
