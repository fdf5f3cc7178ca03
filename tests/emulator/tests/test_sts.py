# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""STS 2015-04-01: AssumeRole (by RAM users and role sessions, never by root) with trust evaluation, GetCallerIdentity,
expiry; the RAM-role-ARN provider."""
from __future__ import annotations

import calendar
import json
import time

import pytest
from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider, StaticAKCredentialsProvider
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient

from alicloud_emulator import DEFAULT_ACCOUNT_ID
from helpers import api_error, assert_all_set, client_for, user_keys

ROOT_TRUST = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow',
                                             'Principal': {'RAM': [f'acs:ram::{DEFAULT_ACCOUNT_ID}:root']}}]}
ARN = f'acs:ram::{DEFAULT_ACCOUNT_ID}:role/'


def _assume(sts, role='Deployer', session='s1', **extra):
    return sts.assume_role(sts_models.AssumeRoleRequest(role_arn=ARN + role, role_session_name=session, **extra)).body


@pytest.fixture
def deployer(control):
    control.create_role('Deployer', trust=ROOT_TRUST, policies=['AliyunKMSFullAccess'], max_session_duration=7200)


@pytest.fixture
def keys(control):
    """The access key of a RAM user allowed sts:AssumeRole (root keys may not assume roles)."""
    return user_keys(control)


@pytest.fixture
def user_sts(emu, keys):
    return client_for(StsClient, emu, **keys)


def test_root_may_not_assume_roles(sts, control, deployer):
    """Reference 0b.8: NoPermission 403, "Roles may not be assumed by root accounts", whatever the trust says."""
    denied = api_error('NoPermission', 403, _assume, sts)
    assert 'root accounts' in denied.message
    assert control.calls(action='AssumeRole')[-1]['principal'] == f'acs:ram::{DEFAULT_ACCOUNT_ID}:root'


def test_a_user_needs_sts_assume_role_permission(emu, control, deployer):
    bare = client_for(StsClient, emu, **user_keys(control, 'bare', policies=()))
    denied = api_error('NoPermission', 403, _assume, bare)
    assert denied.data['AccessDeniedDetail']['AuthPrincipalType'] == 'SubUser'
    assert denied.data['AccessDeniedDetail']['AuthAction'] == 'sts:AssumeRole'


def test_assume_role_and_caller_identity(emu, sts, user_sts, deployer):
    body = _assume(user_sts, duration_seconds=1800)
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
    assert_all_set(who, ignore=('user_id',))
    assert who.identity_type == 'AssumedRoleUser' and who.arn == f'acs:ram::{DEFAULT_ACCOUNT_ID}:assumed-role/Deployer/s1'
    assert who.user_id is None, 'no UserId for a role session (reference 0b.8)'
    user = user_sts.get_caller_identity().body
    assert (user.identity_type, user.arn) == ('RAMUser', f'acs:ram::{DEFAULT_ACCOUNT_ID}:user/deployer')
    assert user.user_id and user.user_id == user.principal_id


def test_assume_role_errors(user_sts, control, deployer):
    sts = user_sts
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


def test_expired_and_mismatched_tokens_are_refused(emu, user_sts, control, deployer):
    creds = _assume(user_sts).credentials
    client = client_for(StsClient, emu, access_key_id=creds.access_key_id, access_key_secret=creds.access_key_secret,
                        security_token=creds.security_token)
    assert client.get_caller_identity().body.identity_type == 'AssumedRoleUser'
    wrong_token = client_for(StsClient, emu, access_key_id=creds.access_key_id, access_key_secret=creds.access_key_secret,
                             security_token='CAISforged')
    api_error('InvalidSecurityToken.MismatchWithAccessKey', 400, wrong_token.get_caller_identity)
    no_token = client_for(StsClient, emu, access_key_id=creds.access_key_id, access_key_secret=creds.access_key_secret)
    api_error('MissingSecurityToken', 400, no_token.get_caller_identity)
    assert control.expire_credentials(access_key_id=creds.access_key_id) == 1
    api_error('InvalidSecurityToken.Expired', 400, client.get_caller_identity)


def test_cross_account_trust(emu, control):
    other = control.add_account(account_id='2222222222222222')
    control.create_role('Shared', account_id=other['account_id'], trust={'Version': '1', 'Statement': [
        {'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'RAM': [DEFAULT_ACCOUNT_ID]}}]})
    sts = client_for(StsClient, emu, **user_keys(control))
    creds = sts.assume_role(sts_models.AssumeRoleRequest(role_arn='acs:ram::2222222222222222:role/shared',
                                                         role_session_name='x-acct')).body.credentials
    session = client_for(StsClient, emu, access_key_id=creds.access_key_id, access_key_secret=creds.access_key_secret,
                         security_token=creds.security_token)
    assert session.get_caller_identity().body.account_id == '2222222222222222'
    own = client_for(StsClient, emu, **user_keys(control, account_id=other['account_id']))
    api_error('EntityNotExist.Role', 404, own.assume_role, sts_models.AssumeRoleRequest(
        role_arn='acs:ram::2222222222222222:role/Deployer', role_session_name='s1'))


def test_ram_role_arn_provider_signs_v1_get_with_quote_plus(emu, deployer, keys):
    policy = json.dumps({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:*', 'Resource': '*'}]})
    provider = RamRoleArnCredentialsProvider(
        credentials_provider=StaticAKCredentialsProvider(**keys),
        role_arn=ARN + 'Deployer', role_session_name='provider', duration_seconds=900, policy=policy,
        sts_endpoint=emu.url)
    creds = provider.get_credentials()
    assert creds.get_access_key_id().startswith('STS.')
    session = client_for(StsClient, emu, access_key_id=creds.get_access_key_id(),
                         access_key_secret=creds.get_access_key_secret(), security_token=creds.get_security_token())
    assert session.get_caller_identity().body.arn.endswith('assumed-role/Deployer/provider')
    call = emu.control.calls(action='AssumeRole')[-1]
    assert call['status'] == 200 and call['params']['Policy'] == policy and call['write'] is False
