# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RAM 2015-05-01: roles, users and their access keys, custom and system policies, policy versions, attachments."""
from __future__ import annotations

import base64
import bisect
import json
import re

from . import contract as c
from .api import Context, Product
from .clock import iso, random_alnum, random_digits
from .errors import ApiError, invalid
from .params import Params
from .policy import parse_document
from .store import Policy, PolicyVersion, Role, User, new_policy

RAM = Product('RAM', '2015-05-01', 'ram', c.RAM_DENIED.code, c.RAM_DENIED.message, 'ram.aliyuncs.com')

MAX_ROLES = 1000
MAX_CUSTOM_POLICIES = 1500
MAX_POLICY_VERSIONS = 5
MAX_ATTACHED = {'System': 20, 'Custom': 10}  # per role (RAM limits page, 2025-12; reference 0b.11), also per user
MAX_USERS = 1000
MAX_USER_ACCESS_KEYS = 2
TRUST_DOCUMENT_MAX = 2048
POLICY_DOCUMENT_MAX = 6144
_ROLE_NAME_RE = re.compile(r'^[A-Za-z0-9.\-]+$')
_USER_NAME_RE = re.compile(r'^[A-Za-z0-9._\-]+$')
_POLICY_NAME_RE = re.compile(r'^[A-Za-z0-9\-]+$')
_VERSION_RE = re.compile(r'^v[1-9][0-9]*$')


# ------------------------------------------------------------------------------------ validation
def _name(params: Params, field: str, kind: str, pattern: re.Pattern, max_len: int) -> str:
    value = params.str(field, required=True)
    if len(value) > max_len:
        raise ApiError(f'InvalidParameter.{kind}.Length', f'The parameter - "{kind}" beyond the length limit.')
    if not pattern.match(value):
        raise ApiError(f'InvalidParameter.{kind}.InvalidChars', f'The parameter - "{kind}" contains invalid chars.')
    return value


def role_name(params: Params, field: str = 'RoleName') -> str:
    return _name(params, field, 'RoleName', _ROLE_NAME_RE, 64)


def user_name(params: Params) -> str:
    return _name(params, 'UserName', 'UserName', _USER_NAME_RE, 64)


def policy_name(params: Params) -> str:
    return _name(params, 'PolicyName', 'PolicyName', _POLICY_NAME_RE, 128)


def policy_type(params: Params) -> str:
    value = params.str('PolicyType', required=True)
    if value not in ('System', 'Custom'):
        raise ApiError(*c.POLICY_TYPE_INVALID)
    return value


def _description(params: Params, field: str) -> str | None:
    value = params.str(field)
    if value is not None and len(value) > 1024:
        raise ApiError('InvalidParameter.Description.Length', 'The parameter - "Description" beyond the length limit.')
    return value


def _document(params: Params, field: str, max_len: int, trust: bool, required: bool = True) -> str | None:
    """Validate a policy document parameter; return it in the service's canonical formatting."""
    text = params.str(field, required=required)
    if text is None:
        return None
    if len(text) > max_len:
        raise ApiError(f'InvalidParameter.{field}.Length', f'The parameter - "{field}" beyond the length limit.')
    return canonical_document(parse_document(text, trust=trust))


def canonical_document(doc: dict) -> str:
    """Documents are returned re-serialised (sorted keys, two-space indent), not as sent: see README."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)


def _max_session(params: Params, field: str) -> int | None:
    return params.int(field, None, 3600, 43200, code=f'InvalidParameter.{field}')


def _tags(params: Params) -> list[dict]:
    tags = params.json('Tag', [], code='InvalidParameter.Tag')
    if not isinstance(tags, list) or not all(isinstance(t, dict) and isinstance(t.get('Key'), str) for t in tags):
        raise invalid('Tag', 'It must be a JSON list of {"Key": ..., "Value": ...}.', 'InvalidParameter.Tag')
    return [{'Key': t['Key'], 'Value': str(t.get('Value', ''))} for t in tags]


def _has_tags(tags: list[dict], wanted: list[dict]) -> bool:
    return all(any(t['Key'] == w['Key'] and (not w['Value'] or t['Value'] == w['Value']) for t in tags) for w in wanted)


# ------------------------------------------------------------------------------------ lookups
def get_role(ctx: Context, name: str) -> Role:
    role = ctx.store.find_role(ctx.account, name)
    if role is None:
        raise ApiError(*c.ROLE_NOT_FOUND)
    return role


def get_policy(ctx: Context, kind: str, name: str) -> Policy:
    policy = ctx.store.find_policy(ctx.account, kind, name)
    if policy is None:
        raise ApiError(*c.POLICY_NOT_FOUND)
    return policy


def _custom_policy(ctx: Context) -> Policy:
    return get_policy(ctx, 'Custom', policy_name(ctx.params))


def _version_id(params: Params) -> str:
    value = params.str('VersionId', required=True)
    if not _VERSION_RE.match(value):
        raise ApiError(*c.VERSION_ID_INVALID)
    return value


def _policy_version(policy: Policy, version_id: str) -> PolicyVersion:
    version = policy.versions.get(version_id)
    if version is None:
        raise ApiError(*c.VERSION_NOT_FOUND)
    return version


def _attachments(ctx: Context, policy: Policy, kinds: tuple[str, ...] = ('roles', 'users')) -> int:
    key = f'{policy.type}:{policy.name}'
    return sum(1 for kind in kinds for entity in getattr(ctx.account, kind).values() if key in entity.attached)


def get_user(ctx: Context, name: str) -> User:
    user = ctx.store.find_user(ctx.account, name)
    if user is None:
        raise ApiError(*c.USER_NOT_FOUND)
    return user


# ------------------------------------------------------------------------------------ views
def role_view(role: Role, ctx: Context, full: bool = True) -> dict:
    view = {
        'RoleId': role.role_id, 'RoleName': role.name, 'Arn': ctx.account.role_arn(role.name),
        'Description': role.description, 'CreateDate': role.create_date, 'UpdateDate': role.update_date,
        'MaxSessionDuration': role.max_session_duration, 'AllowConsoleLogin': role.allow_console_login,
    }
    if full:
        view['AssumeRolePolicyDocument'] = role.trust_document
    return view


def _version_view(policy: Policy, version: PolicyVersion) -> dict:
    return {'VersionId': version.version_id, 'IsDefaultVersion': version.version_id == policy.default_version,
            'PolicyDocument': version.document, 'CreateDate': version.create_date}


def _policy_view(policy: Policy) -> dict:
    return {'PolicyName': policy.name, 'PolicyType': policy.type, 'Description': policy.description,
            'DefaultVersion': policy.default_version, 'CreateDate': policy.create_date}


def marker_page(items: list, keys: list, params: Params) -> tuple[list, dict]:
    """Marker paging over items sorted by ``keys``; returns the page and the paging fields."""
    max_items = params.int('MaxItems', 100, 1, 1000, code='InvalidParameter.MaxItems')
    start = 0
    marker = params.str('Marker')
    if marker:
        try:
            start = bisect.bisect_left(keys, tuple(json.loads(base64.urlsafe_b64decode(marker.encode()))))
        except (ValueError, TypeError):
            raise ApiError('InvalidParameter.Marker', 'The parameter - "Marker" is invalid.') from None
    page = items[start:start + max_items]
    paging = {'IsTruncated': start + max_items < len(items)}
    if paging['IsTruncated']:
        paging['Marker'] = base64.urlsafe_b64encode(json.dumps(list(keys[start + max_items])).encode()).decode()
    return page, paging


def _role_arn(ctx: Context) -> list[str]:
    return [ctx.account.role_arn(ctx.params.str('RoleName') or '*')]


def _policy_arn(ctx: Context) -> list[str]:
    return [f'acs:ram::{ctx.account.account_id}:policy/{ctx.params.str("PolicyName") or "*"}']


def _role_and_policy_arns(ctx: Context) -> list[str]:
    return _role_arn(ctx) + _policy_arn(ctx)


# ------------------------------------------------------------------------------------ roles
@RAM.action('CreateRole', _role_arn)
def create_role(ctx: Context) -> dict:
    p = ctx.params
    name = role_name(p)
    trust = _document(p, 'AssumeRolePolicyDocument', TRUST_DOCUMENT_MAX, trust=True)
    description = _description(p, 'Description') or ''
    max_session = _max_session(p, 'MaxSessionDuration') or 3600
    allow_console = p.bool('AllowConsoleLogin', False)
    tags = _tags(p)
    account = ctx.account
    if ctx.store.find_role(account, name):
        raise ApiError(*c.ROLE_EXISTS)
    if len(account.roles) >= MAX_ROLES:
        raise ApiError(*c.ROLE_LIMIT)
    created = iso(ctx.now)
    account.role_seq += 1
    role = Role(role_id=random_digits(19), name=name, description=description, trust_document=trust,
                max_session_duration=max_session, allow_console_login=allow_console, create_date=created,
                update_date=created, created_at=ctx.now, seq=account.role_seq, tags=tags)
    account.roles[name.lower()] = role
    view = role_view(role, ctx)
    del view['UpdateDate']
    return {'Role': view}


@RAM.action('GetRole', _role_arn)
def get_role_action(ctx: Context) -> dict:
    role = get_role(ctx, role_name(ctx.params))
    view = role_view(role, ctx)
    view.update(IsServiceLinkedRole=False,
                RolePrincipalName=f'{role.name}@role.{ctx.account.account_id}.onaliyunservice.com')
    return {'Role': view}


@RAM.action('UpdateRole', _role_arn)
def update_role(ctx: Context) -> dict:
    p = ctx.params
    role = get_role(ctx, role_name(p))
    trust = _document(p, 'NewAssumeRolePolicyDocument', TRUST_DOCUMENT_MAX, trust=True, required=False)
    description = _description(p, 'NewDescription')
    max_session = _max_session(p, 'NewMaxSessionDuration')
    allow_console = p.bool('NewAllowConsoleLogin')
    if trust is not None:
        role.set_trust(trust)
    if description is not None:
        role.description = description
    role.max_session_duration = max_session or 3600  # absent resets to the default, as the real API does
    if allow_console is not None:
        role.allow_console_login = allow_console
    role.update_date = iso(ctx.now)
    return {'Role': role_view(role, ctx)}


@RAM.action('DeleteRole', _role_arn)
def delete_role(ctx: Context) -> dict:
    role = get_role(ctx, role_name(ctx.params))
    detached = ctx.store.detached_at.get((ctx.account.account_id, f'Role:{role.name.lower()}'), float('-inf'))
    if role.attached or ctx.now < detached + ctx.settings.delete_conflict_seconds:  # reference 0b.7
        raise ApiError(*c.ROLE_HAS_POLICIES)
    del ctx.account.roles[role.name.lower()]
    return {}


@RAM.action('ListRoles', lambda ctx: [ctx.account.role_arn('*')])
def list_roles(ctx: Context) -> dict:
    wanted = _tags(ctx.params)
    roles = [r for r in sorted(ctx.account.roles.values(), key=lambda r: r.seq) if _has_tags(r.tags, wanted)]
    page, paging = marker_page(roles, [(r.seq,) for r in roles], ctx.params)
    views = []
    for role in page:
        view = role_view(role, ctx, full=False)
        view['Tags'] = {'Tag': [{'TagKey': t['Key'], 'TagValue': t['Value']} for t in role.tags]}
        views.append(view)
    return {'Roles': {'Role': views}, **paging}


# ------------------------------------------------------------------------------------ attachments
def _attach(ctx: Context, entity: Role | User, kind_name: str) -> None:
    p = ctx.params
    kind = policy_type(p)
    policy = get_policy(ctx, kind, policy_name(p))
    key = f'{kind}:{policy.name}'
    if key in entity.attached:
        raise ApiError(*c.ATTACHED[kind_name])
    if sum(1 for k in entity.attached if k.startswith(f'{kind}:')) >= MAX_ATTACHED[kind]:
        raise ApiError(*c.ATTACH_LIMIT[kind_name])
    entity.attached[key] = iso(ctx.now)


def _detach(ctx: Context, entity: Role | User, kind_name: str) -> None:
    p = ctx.params
    kind = policy_type(p)
    name = policy_name(p)
    if entity.attached.pop(f'{kind}:{name}', None) is None:
        raise ApiError(*c.NOT_ATTACHED[kind_name])
    ctx.store.detached_at[(ctx.account.account_id, f'{kind_name}:{entity.name.lower()}')] = ctx.now
    ctx.store.detached_at[(ctx.account.account_id, f'policy:{kind}:{name}')] = ctx.now


def _attached_views(ctx: Context, entity: Role | User) -> dict:
    views = []
    for key, attach_date in entity.attached.items():
        kind, dummy, name = key.partition(':')
        policy = ctx.store.find_policy(ctx.account, kind, name)
        if policy is not None:
            views.append({'PolicyName': policy.name, 'PolicyType': policy.type, 'Description': policy.description,
                          'DefaultVersion': policy.default_version, 'AttachDate': attach_date})
    return {'Policies': {'Policy': views}}


# ------------------------------------------------------------------------------------ policies
@RAM.action('CreatePolicy', _policy_arn)
def create_policy(ctx: Context) -> dict:
    p = ctx.params
    name = policy_name(p)
    document = _document(p, 'PolicyDocument', POLICY_DOCUMENT_MAX, trust=False)
    description = _description(p, 'Description') or ''
    tags = _tags(p)
    account = ctx.account
    if name in account.policies:
        raise ApiError(*c.POLICY_EXISTS)
    if len(account.policies) >= MAX_CUSTOM_POLICIES:
        raise ApiError(*c.POLICY_LIMIT)
    policy = new_policy(name, 'Custom', document, description, iso(ctx.now))
    policy.tags = tags
    account.policies[name] = policy
    return {'Policy': _policy_view(policy)}


@RAM.action('GetPolicy', _policy_arn)
def get_policy_action(ctx: Context) -> dict:
    kind = policy_type(ctx.params)
    policy = get_policy(ctx, kind, policy_name(ctx.params))
    view = _policy_view(policy)
    view.update(UpdateDate=policy.update_date, AttachmentCount=_attachments(ctx, policy),
                PolicyDocument=policy.versions[policy.default_version].document)
    return {'Policy': view,
            'DefaultPolicyVersion': _version_view(policy, policy.versions[policy.default_version])}


@RAM.action('ListPolicies', lambda ctx: [f'acs:ram::{ctx.account.account_id}:policy/*'])
def list_policies(ctx: Context) -> dict:
    kind = ctx.params.choice('PolicyType', ('System', 'Custom'), code='InvalidParameter.PolicyType')
    wanted = _tags(ctx.params)
    pools = []
    if kind in (None, 'System'):
        pools.append(ctx.store.system_policies.values())
    if kind in (None, 'Custom'):
        pools.append(ctx.account.policies.values())
    policies = sorted((pol for pool in pools for pol in pool if _has_tags(pol.tags, wanted)),
                      key=lambda pol: (pol.type != 'System', pol.name))
    page, paging = marker_page(policies, [(pol.type != 'System', pol.name) for pol in policies], ctx.params)
    views = [{**_policy_view(pol), 'UpdateDate': pol.update_date, 'AttachmentCount': _attachments(ctx, pol)}
             for pol in page]
    return {'Policies': {'Policy': views}, **paging}


@RAM.action('ListEntitiesForPolicy', _policy_arn)
def list_entities_for_policy(ctx: Context) -> dict:
    kind = policy_type(ctx.params)
    policy = get_policy(ctx, kind, policy_name(ctx.params))
    key = f'{kind}:{policy.name}'
    roles = [{'RoleName': role.name, 'RoleId': role.role_id, 'Arn': ctx.account.role_arn(role.name),
              'Description': role.description, 'AttachDate': role.attached[key]}
             for role in sorted(ctx.account.roles.values(), key=lambda r: r.name.lower()) if key in role.attached]
    users = [{'UserName': user.name, 'UserId': user.user_id, 'DisplayName': user.display_name,
              'AttachDate': user.attached[key]}
             for user in sorted(ctx.account.users.values(), key=lambda u: u.name.lower()) if key in user.attached]
    # the emulator has no RAM groups: that list is always empty
    return {'Roles': {'Role': roles}, 'Users': {'User': users}, 'Groups': {'Group': []}}


@RAM.action('UpdatePolicyDescription', _policy_arn)
def update_policy_description(ctx: Context) -> dict:
    policy = _custom_policy(ctx)
    policy.description = _description(ctx.params, 'NewDescription') or ''
    policy.update_date = iso(ctx.now)
    return {'Policy': {**_policy_view(policy), 'UpdateDate': policy.update_date}}


@RAM.action('DeletePolicy', _policy_arn)
def delete_policy(ctx: Context) -> dict:
    policy = _custom_policy(ctx)
    detached = ctx.store.detached_at.get((ctx.account.account_id, f'policy:Custom:{policy.name}'), float('-inf'))
    if _attachments(ctx, policy, ('users',)) or ctx.now < detached + ctx.settings.delete_conflict_seconds:
        raise ApiError(*c.POLICY_ATTACHED_TO_USER)
    if _attachments(ctx, policy, ('roles',)):  # undocumented code for roles: README, assumptions
        raise ApiError(*c.POLICY_ATTACHED_TO_ROLE)
    if len(policy.versions) > 1 and not ctx.params.bool('CascadingDelete', False):
        raise ApiError(*c.POLICY_HAS_VERSIONS)
    del ctx.account.policies[policy.name]
    return {}


@RAM.action('CreatePolicyVersion', _policy_arn)
def create_policy_version(ctx: Context) -> dict:
    p = ctx.params
    policy = _custom_policy(ctx)
    document = _document(p, 'PolicyDocument', POLICY_DOCUMENT_MAX, trust=False)
    set_default = p.bool('SetAsDefault', False)
    rotate = p.choice('RotateStrategy', ('None', 'DeleteOldestNonDefaultVersionWhenLimitExceeded'), 'None')
    if len(policy.versions) >= MAX_POLICY_VERSIONS:
        if rotate == 'None':
            raise ApiError(*c.VERSION_LIMIT)
        oldest = next(v for v in policy.versions if v != policy.default_version)
        del policy.versions[oldest]
    created = iso(ctx.now)
    version = PolicyVersion(f'v{policy.next_version}', document, created)
    policy.next_version += 1
    policy.versions[version.version_id] = version
    if set_default:
        policy.default_version = version.version_id
    policy.update_date = created
    return {'PolicyVersion': _version_view(policy, version)}


@RAM.action('DeletePolicyVersion', _policy_arn)
def delete_policy_version(ctx: Context) -> dict:
    policy = _custom_policy(ctx)
    version = _policy_version(policy, _version_id(ctx.params))
    if version.version_id == policy.default_version:
        raise ApiError(*c.DEFAULT_VERSION_DELETE)
    del policy.versions[version.version_id]
    return {}


@RAM.action('ListPolicyVersions', _policy_arn)
def list_policy_versions(ctx: Context) -> dict:
    kind = policy_type(ctx.params)
    policy = get_policy(ctx, kind, policy_name(ctx.params))
    return {'PolicyVersions': {'PolicyVersion': [_version_view(policy, v) for v in policy.versions.values()]}}


@RAM.action('GetPolicyVersion', _policy_arn)
def get_policy_version(ctx: Context) -> dict:
    kind = policy_type(ctx.params)
    policy = get_policy(ctx, kind, policy_name(ctx.params))
    return {'PolicyVersion': _version_view(policy, _policy_version(policy, _version_id(ctx.params)))}


@RAM.action('SetDefaultPolicyVersion', _policy_arn)
def set_default_policy_version(ctx: Context) -> dict:
    policy = _custom_policy(ctx)
    version = _policy_version(policy, _version_id(ctx.params))
    policy.default_version = version.version_id
    policy.update_date = iso(ctx.now)
    return {}


# ------------------------------------------------------------------------------------ users and access keys
def _user_arn(ctx: Context) -> list[str]:
    return [ctx.account.user_arn(ctx.params.str('UserName') or '*')]


def _user_and_policy_arns(ctx: Context) -> list[str]:
    return _user_arn(ctx) + _policy_arn(ctx)


def user_view(user: User, full: bool = True) -> dict:
    view = {'UserId': user.user_id, 'UserName': user.name, 'DisplayName': user.display_name,
            'Comments': user.comments, 'Email': user.email, 'MobilePhone': user.mobile_phone,
            'CreateDate': user.create_date}
    if full:
        view['UpdateDate'] = user.update_date
    return view


def new_user(account, store, name: str, at: float, display_name: str = '', comments: str = '', email: str = '',
             mobile_phone: str = '') -> User:
    """Create a RAM user (the API and the control plane)."""
    if store.find_user(account, name):
        raise ApiError(*c.USER_EXISTS)
    if len(account.users) >= MAX_USERS:
        raise ApiError(*c.USER_LIMIT)
    created = iso(at)
    account.user_seq += 1
    user = User(user_id=random_digits(16), name=name, display_name=display_name or name, comments=comments,
                email=email, mobile_phone=mobile_phone, create_date=created, update_date=created,
                seq=account.user_seq)
    account.users[name.lower()] = user
    return user


def new_access_key(store, account, user: User, at: float) -> dict:
    if len(user.access_keys) >= MAX_USER_ACCESS_KEYS:
        raise ApiError(*c.ACCESS_KEY_LIMIT)
    key_id, secret = 'LTAI5t' + random_alnum(18), random_alnum(30)
    store.add_user_key(account, user, key_id, secret, iso(at))
    return {'AccessKeyId': key_id, 'AccessKeySecret': secret, 'Status': 'Active', 'CreateDate': iso(at)}


@RAM.action('CreateUser', _user_arn)
def create_user(ctx: Context) -> dict:
    p = ctx.params
    name = user_name(p)
    display = p.str('DisplayName', name, max_len=128, code='InvalidParameter.DisplayName.Length')
    comments = p.str('Comments', '', max_len=128, code='InvalidParameter.Comments.Length')
    user = new_user(ctx.account, ctx.store, name, ctx.now, display, comments, p.str('Email', ''), p.str('MobilePhone', ''))
    return {'User': user_view(user, full=False)}


@RAM.action('GetUser', _user_arn)
def get_user_action(ctx: Context) -> dict:
    return {'User': {**user_view(get_user(ctx, user_name(ctx.params))), 'LastLoginDate': ''}}


@RAM.action('ListUsers', lambda ctx: [ctx.account.user_arn('*')])
def list_users(ctx: Context) -> dict:
    users = sorted(ctx.account.users.values(), key=lambda u: u.seq)
    page, paging = marker_page(users, [(u.seq,) for u in users], ctx.params)
    return {'Users': {'User': [user_view(u) for u in page]}, **paging}


@RAM.action('DeleteUser', _user_arn)
def delete_user(ctx: Context) -> dict:
    user = get_user(ctx, user_name(ctx.params))
    if user.access_keys:
        raise ApiError(*c.USER_HAS_KEYS)
    if user.attached:
        raise ApiError(*c.USER_HAS_POLICIES)
    del ctx.account.users[user.name.lower()]
    return {}


@RAM.action('CreateAccessKey', _user_arn)
def create_access_key(ctx: Context) -> dict:
    return {'AccessKey': new_access_key(ctx.store, ctx.account, get_user(ctx, user_name(ctx.params)), ctx.now)}


@RAM.action('ListAccessKeys', _user_arn)
def list_access_keys(ctx: Context) -> dict:
    user = get_user(ctx, user_name(ctx.params))
    rows = [{'AccessKeyId': k, 'Status': v['status'], 'CreateDate': v['create_date']} for k, v in user.access_keys.items()]
    return {'AccessKeys': {'AccessKey': rows}}


@RAM.action('DeleteAccessKey', _user_arn)
def delete_access_key(ctx: Context) -> dict:
    user = get_user(ctx, user_name(ctx.params))
    key_id = ctx.params.str('UserAccessKeyId', required=True)
    if key_id not in user.access_keys:
        raise ApiError(*c.ACCESS_KEY_NOT_FOUND)
    ctx.store.remove_user_key(user, key_id)
    return {}


def _attachment_actions(kind_name: str, lookup, name, entity_arns, with_policy_arns) -> None:
    """AttachPolicyTo<Kind>, DetachPolicyFrom<Kind> and ListPoliciesFor<Kind>, for roles and users alike."""
    def entity(ctx: Context):
        return lookup(ctx, name(ctx.params))

    def attach(ctx: Context) -> dict:
        policy_type(ctx.params)
        policy_name(ctx.params)
        _attach(ctx, entity(ctx), kind_name)
        return {}

    def detach(ctx: Context) -> dict:
        policy_type(ctx.params)
        policy_name(ctx.params)
        _detach(ctx, entity(ctx), kind_name)
        return {}

    RAM.action(f'AttachPolicyTo{kind_name}', with_policy_arns)(attach)
    RAM.action(f'DetachPolicyFrom{kind_name}', with_policy_arns)(detach)
    RAM.action(f'ListPoliciesFor{kind_name}', entity_arns)(lambda ctx: _attached_views(ctx, entity(ctx)))


_attachment_actions('Role', get_role, role_name, _role_arn, _role_and_policy_arns)
_attachment_actions('User', get_user, user_name, _user_arn, _user_and_policy_arns)
