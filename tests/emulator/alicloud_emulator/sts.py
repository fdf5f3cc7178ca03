# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""STS 2015-04-01: AssumeRole (trust policy evaluated) and GetCallerIdentity."""
from __future__ import annotations

import re

from . import contract as c
from .api import Context, Product
from .clock import iso
from .errors import ApiError
from .policy import parse_document, trust_allows
from .store import TempCredential

STS = Product('STS', '2015-04-01', 'sts', c.STS_DENIED.code, c.STS_DENIED.message, 'sts.aliyuncs.com')

_ROLE_ARN_RE = re.compile(r'^acs:ram::(\d+):role/(.+)$', re.IGNORECASE)
_SESSION_RE = re.compile(r'^[A-Za-z0-9.@_-]{2,64}$')
SESSION_POLICY_MAX = 2048
MIN_DURATION = 900


def credential_view(cred: TempCredential) -> dict:
    return {'AccessKeyId': cred.access_key_id, 'AccessKeySecret': cred.secret,
            'SecurityToken': cred.token, 'Expiration': iso(cred.expiration)}


@STS.action('AssumeRole')
def assume_role(ctx: Context) -> dict:
    p = ctx.params
    arn = p.str('RoleArn', required=True)
    session = p.str('RoleSessionName', required=True)
    match = _ROLE_ARN_RE.match(arn)
    if not match:
        raise ApiError('InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.')
    if not _SESSION_RE.match(session):
        raise ApiError('InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.')
    policy = p.str('Policy')
    if policy is not None:
        if len(policy) > SESSION_POLICY_MAX:
            raise ApiError('InvalidParameter.PolicySize', 'The size of Policy must be smaller than 2048 bytes.')
        parse_document(policy, code='InvalidParameter.PolicyGrammar')
    if ctx.caller.is_root:  # STS FAQ; reference 0b.8
        raise ApiError(*c.ROOT_CANNOT_ASSUME)
    account = ctx.store.account(match.group(1))
    role = ctx.store.find_role(account, match.group(2)) if account else None
    if role is None:
        raise ApiError(*c.STS_ROLE_NOT_FOUND)
    duration = p.int('DurationSeconds', 3600, code='InvalidParameter.DurationSeconds')
    if not MIN_DURATION <= duration <= role.max_session_duration:
        raise ApiError('InvalidParameter.DurationSeconds',
                       f'The Min/Max value of DurationSeconds is {MIN_DURATION}/{role.max_session_duration} seconds.')
    ctx.authorize('sts:AssumeRole', [account.role_arn(role.name)])
    if not trust_allows(role.trust, 'RAM', ctx.caller.trust_identities):
        raise ApiError(*c.STS_DENIED)
    cred = ctx.store.mint_credential(account, role, session, duration, 'AssumeRole', policy=policy)
    return {
        'Credentials': credential_view(cred),
        'AssumedRoleUser': {'Arn': f'acs:ram::{account.account_id}:role/{role.name.lower()}/{session}',
                            'AssumedRoleId': f'{role.role_id}:{session}'},
        'SourceIdentity': p.str('SourceIdentity', ''),
    }


@STS.action('GetCallerIdentity')
def get_caller_identity(ctx: Context) -> dict:
    account_id = ctx.account.account_id
    cred = ctx.caller.credential
    user = ctx.caller.user
    if user is not None:
        return {'AccountId': account_id, 'UserId': user.user_id, 'PrincipalId': user.user_id,
                'Arn': ctx.account.user_arn(user.name), 'IdentityType': 'RAMUser'}
    if cred is None:
        return {'AccountId': account_id, 'UserId': account_id, 'PrincipalId': account_id,
                'Arn': ctx.account.root_arn, 'IdentityType': 'Account'}
    # no UserId for a role session (reference 0b.8)
    return {'AccountId': account_id, 'PrincipalId': f'{cred.role_id}:{cred.session_name}', 'RoleId': cred.role_id,
            'Arn': f'acs:ram::{account_id}:assumed-role/{cred.role_name}/{cred.session_name}',
            'IdentityType': 'AssumedRoleUser'}
