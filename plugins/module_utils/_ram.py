# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""RAM operations and the one normaliser per RAM resource, shared by each module and its _info twin.

* Validation of names, descriptions, durations and documents happens here, before any call, and
  fails with an AlicloudParameterError naming the option, the rule and the API code the service
  would have answered.
* Every RAM call of the collection is made here: modules pass snake_case arguments and get back the
  normalised, snake_case shapes of normalize_role / normalize_ram_policy; no module builds a request.
* Getters return None for "does not exist"; attach/detach treat "already done" (a concurrent
  run) as done; deletes return False for "already gone" (as amazon.aws's deletion_error_handler);
  a create that finds the entity created meanwhile by a concurrent run reads it back instead
  (create_or_read); everything else raises AlicloudApiError.
"""

from __future__ import annotations

import json
import re
from collections import namedtuple

from ._errors import AlicloudApiError, AlicloudParameterError
from ._policy import PolicyDocumentError, normalize_policy, parse_document, to_json

POLICY_TYPES = ('System', 'Custom')
PAGE_SIZE = 1000  # ListRoles / ListPolicies MaxItems maximum
POLICY_DOCUMENT_MAX = 6144
DESCRIPTION_MAX = 1024
SESSION_MIN, SESSION_MAX = 3600, 43200
# RAM may still see a policy attached right after it was detached: DeleteRole answers DeleteConflict.Role.Policy
# and DeletePolicy DeleteConflict.Policy.User/.Group/.Version for a while; both are retried that long (seconds)
DETACH_SETTLE_TIMEOUT = 60.0
ROLE_DELETE_CONFLICTS = ('DeleteConflict.Role.Policy',)
POLICY_DELETE_CONFLICTS = ('DeleteConflict.Policy.User', 'DeleteConflict.Policy.Group', 'DeleteConflict.Policy.Version')
# CreatePolicyVersion on a policy with 5 versions: the oldest one that is not the default is removed to make room
ROTATE_STRATEGY = 'DeleteOldestNonDefaultVersionWhenLimitExceeded'
DEFAULT_SESSION_DURATION = 3600  # what CreateRole gives a role without MaxSessionDuration

_NameRule = namedtuple('_NameRule', 'api_name pattern max_len allowed')
ROLE_NAME = _NameRule('RoleName', re.compile(r'^[A-Za-z0-9.\-]+$'), 64, "letters, digits, '.' and '-'")
POLICY_NAME = _NameRule('PolicyName', re.compile(r'^[A-Za-z0-9\-]+$'), 128, "letters, digits and '-'")

# A validated document: as parsed (what the user wrote), canonical (for comparison and diffs), text (for the API)
Document = namedtuple('Document', 'parsed canonical text')


# ---------------------------------------------------------------- validation (pure)

def _check_name(value, option, rule):
    if not isinstance(value, str) or not 1 <= len(value) <= rule.max_len:
        raise AlicloudParameterError(option, f'must be 1 to {rule.max_len} characters (API code InvalidParameter.{rule.api_name}.Length)', value)
    if not rule.pattern.match(value):
        raise AlicloudParameterError(option, f'may contain only {rule.allowed} (API code InvalidParameter.{rule.api_name}.InvalidChars)', value)
    return value


def check_role_name(value, option='name'):
    return _check_name(value, option, ROLE_NAME)


def check_policy_name(value, option='name'):
    return _check_name(value, option, POLICY_NAME)


def check_description(value, option='description'):
    """None (leave alone) or 1 to 1024 characters."""
    if value is not None and not 1 <= len(value) <= DESCRIPTION_MAX:
        raise AlicloudParameterError(option, f'must be 1 to {DESCRIPTION_MAX} characters, got {len(value)} '
                                     '(API code InvalidParameter.Description.Length)')
    return value


def check_max_session_duration(value, option='max_session_duration'):
    if value is not None and not SESSION_MIN <= value <= SESSION_MAX:
        raise AlicloudParameterError(option, f'must be between {SESSION_MIN} and {SESSION_MAX} seconds '
                                     '(API code InvalidParameter.MaxSessionDuration)', value)
    return value


def _document_rules(statement, trust):
    """The rule a statement breaks, or None."""
    if trust and 'Principal' not in statement:
        return 'every Statement of a trust policy needs a Principal'
    if not trust and 'Principal' in statement:
        return 'Principal is only allowed in a trust policy (assume_role_policy_document)'
    if not trust and 'Resource' not in statement and 'NotResource' not in statement:
        return 'every Statement needs Resource or NotResource'
    return None


def check_document(document, option, trust=False):
    """Validate a trust (`trust=True`) or permission policy given as a dict or JSON text; return a Document."""
    try:
        canonical = normalize_policy(document, option)
        if canonical['Version'] != '1':
            raise PolicyDocumentError(option, 'Version must be "1"', canonical['Version'])
        for statement in canonical['Statement']:
            broken = _document_rules(statement, trust)
            if broken:
                raise PolicyDocumentError(option, broken)
    except PolicyDocumentError as err:
        raise PolicyDocumentError(option, f'{err.rule} (API code MalformedPolicyDocument)', err.value) from None
    parsed = parse_document(document, option)
    # what the service accepts: Version as text, Statement as a list (a number or a lone statement compare equal)
    statements = parsed['Statement'] if isinstance(parsed['Statement'], list) else [parsed['Statement']]
    parsed = {**parsed, 'Version': canonical['Version'], 'Statement': statements}
    text = to_json(parsed, option)
    if len(text) > POLICY_DOCUMENT_MAX:
        field = 'AssumeRolePolicyDocument' if trust else 'PolicyDocument'
        raise PolicyDocumentError(option, f'must be at most {POLICY_DOCUMENT_MAX} characters as compact JSON, got {len(text)} '
                                  f'(API code InvalidParameter.{field}.Length)')
    return Document(parsed, canonical, text)


def parse_policy_refs(values, option='policies'):
    """`policies` entries -> unique (name, type) pairs; type None when it is to be resolved.

    Accepted: "AliyunKMSFullAccess", "System/AliyunKMSFullAccess", "Custom/my-policy", {name: ..., type: ...}.
    """
    refs = []
    for value in values or []:
        if isinstance(value, dict):
            unknown = set(value) - {'name', 'type'}
            if unknown:
                raise AlicloudParameterError(option, f"unknown key(s) {', '.join(sorted(unknown))} (use name and type)", value)
            name, kind = value.get('name'), value.get('type')
        elif isinstance(value, str):
            kind, dummy, name = value.rpartition('/')
            kind = kind or None
        else:
            raise AlicloudParameterError(option, 'each entry must be a policy name, "Type/Name" or {name, type}', value)
        if kind is not None:
            matched = [t for t in POLICY_TYPES if t.lower() == str(kind).lower()]
            if not matched:
                raise AlicloudParameterError(option, 'a policy type must be System or Custom (API code InvalidParameter.PolicyType)', kind)
            kind = matched[0]
        ref = (check_policy_name(name, option), kind)
        if ref not in refs:
            refs.append(ref)
    return refs


def sort_policies(policies):
    """Attached policies as a sorted list of {name, type}, without duplicates."""
    unique = {(p['name'], p['type']) for p in policies}
    return [{'name': n, 'type': t} for n, t in sorted(unique)]


def select_attached(refs, attached):
    """The attached policies that `refs` name (a ref without type names either type)."""
    return [p for p in attached if any(p['name'] == n and k in (None, p['type']) for n, k in refs)]


# ---------------------------------------------------------------- roles

def get_role(ram, name):
    """The GetRole `Role` body for `name`, or None when the role does not exist."""
    try:
        return ram.call('GetRole', {'RoleName': name})['Role']
    except AlicloudApiError as err:
        if err.matches('EntityNotExist.Role'):
            return None
        raise


def is_missing_role(err):
    """Whether an AlicloudApiError says the role does not exist (EntityNotExist.Role)."""
    return err.matches('EntityNotExist.Role')


def read_role(ram, name):
    """The role `name`, normalised (without policies), or None when it does not exist (one GetRole)."""
    raw = get_role(ram, name)
    return None if raw is None else normalize_role(raw)


def describe_role(ram, raw, trust=False, policies=False):
    """A role of GetRole or ListRoles (raw), normalised and completed with what is asked, or None when it vanished meanwhile.

    `trust`: a ListRoles entry has no trust policy; it costs a GetRole. `policies`: the attached policies (ListPoliciesForRole).
    """
    if trust and 'AssumeRolePolicyDocument' not in raw:
        raw = get_role(ram, raw['RoleName'])
        if raw is None:
            return None
    attached = None
    if policies:
        try:
            attached = list_role_policies(ram, raw['RoleName'])
        except AlicloudApiError as err:
            if err.matches('EntityNotExist.Role'):
                return None
            raise
    return normalize_role(raw, attached)


def _role_body(name, trust_text, description=None, max_session_duration=None):
    """The GetRole body of a role CreateRole has just made, as far as known before the call."""
    return {'RoleName': name, 'AssumeRolePolicyDocument': trust_text, 'Description': description or '',
            'MaxSessionDuration': max_session_duration or DEFAULT_SESSION_DURATION}


def new_role(name, trust_text, description=None, max_session_duration=None):
    """The role create_role would make, normalised (the check-mode prediction; what only the service assigns is None)."""
    return normalize_role(_role_body(name, trust_text, description, max_session_duration))


def create_role(ram, name, trust_text, description=None, max_session_duration=None):
    """CreateRole (the trust policy as JSON text; no description / duration: none / 3600); the new role, normalised.

    A role that exists raises AlicloudApiError EntityAlreadyExists.Role: see create_or_read.
    """
    raw = ram.call('CreateRole', {'RoleName': name, 'AssumeRolePolicyDocument': trust_text, 'Description': description,
                                  'MaxSessionDuration': max_session_duration})['Role']
    return normalize_role({**_role_body(name, trust_text, description, max_session_duration), **raw})


def updated_role(current, assume_role_policy_document=None, description=None, max_session_duration=None):
    """The normalised role `current` as update_role with these changes (None: unchanged) leaves it (the check-mode prediction).

    The trust policy is given as JSON text, as update_role sends it.
    """
    after = dict(current)
    if assume_role_policy_document is not None:
        after['assume_role_policy_document'] = parse_trust_document({'AssumeRolePolicyDocument': assume_role_policy_document})
    if description is not None:
        after['description'] = description
    if max_session_duration is not None:
        after['max_session_duration'] = max_session_duration
    return after


def update_role(ram, current, assume_role_policy_document=None, description=None, max_session_duration=None):
    """UpdateRole of the normalised role `current` with what changes (None: unchanged); the role after, normalised.

    The maximum session duration is always sent (the current one when unchanged): the API resets an absent one to 3600.
    """
    if max_session_duration is None:
        max_session_duration = current['max_session_duration']
    body = ram.call('UpdateRole', {'RoleName': current['role_name'], 'NewAssumeRolePolicyDocument': assume_role_policy_document,
                                   'NewDescription': description, 'NewMaxSessionDuration': max_session_duration})
    raw = body.get('Role') or {}
    after = updated_role(current, assume_role_policy_document, description, max_session_duration)
    # what the service answered wins over the prediction, field by field
    answered = normalize_role(raw)
    return {**after, **{key: answered[key] for key, field in _ROLE_FIELDS.items() if field in raw}}


def with_policies(role, policies):
    """A normalised role with its attached policies (sorted, without duplicates)."""
    return {**role, 'policies': sort_policies(policies)}


def parse_trust_document(raw_role):
    """The role's trust policy as a dict (the API returns JSON text)."""
    text = raw_role.get('AssumeRolePolicyDocument')
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def delete_role(ram, name, retry_timeout=DETACH_SETTLE_TIMEOUT):
    """DeleteRole: True when this call deleted the role, False when it was gone already (a concurrent run).

    `DeleteConflict.Role.Policy` (a policy detached just before that RAM still sees attached) is retried for at
    most `retry_timeout` seconds, then raised.
    """
    try:
        ram.call('DeleteRole', {'RoleName': name}, retry_codes=ROLE_DELETE_CONFLICTS, retry_timeout=retry_timeout)
    except AlicloudApiError as err:
        if not err.matches('EntityNotExist.Role'):
            raise
        return False
    return True


def wait_for_role(ram, name, timeout):
    """GetRole until the role is visible (RAM is eventually consistent), for at most `timeout` seconds."""
    return ram.call('GetRole', {'RoleName': name}, retry_codes=('EntityNotExist.Role',), retry_timeout=timeout)['Role']


def _paged(ram, action, params, container, item):
    """Every entry of a Marker-paged RAM list, fetched 1000 at a time."""
    marker = None
    while True:
        body = ram.call(action, {**params, 'MaxItems': PAGE_SIZE, 'Marker': marker})
        yield from (body.get(container) or {}).get(item) or []
        marker = body.get('Marker')
        if not body.get('IsTruncated') or not marker:
            return


def list_roles(ram, prefix=None):
    """ListRoles entries (no trust document) whose name starts with `prefix`."""
    return [r for r in _paged(ram, 'ListRoles', {}, 'Roles', 'Role') if r['RoleName'].startswith(prefix or '')]


# normalised key -> GetRole field
_ROLE_FIELDS = {'role_name': 'RoleName', 'role_id': 'RoleId', 'arn': 'Arn', 'description': 'Description',
                'assume_role_policy_document': 'AssumeRolePolicyDocument', 'max_session_duration': 'MaxSessionDuration',
                'create_date': 'CreateDate', 'update_date': 'UpdateDate'}


def normalize_role(raw, policies=None, instance_ids=None):
    """One role as the modules return it; `policies` / `instance_ids` only when they were read."""
    role = {key: raw.get(field) for key, field in _ROLE_FIELDS.items()}
    role['description'] = role['description'] or ''
    role['assume_role_policy_document'] = parse_trust_document(raw)
    if policies is not None:
        role['policies'] = sort_policies(policies)
    if instance_ids is not None:
        role['instance_ids'] = sorted(instance_ids)
    return role


# ---------------------------------------------------------------- role <-> policy attachments

def list_role_policies(ram, role_name):
    """The policies attached to a role, as a sorted list of {name, type}."""
    body = ram.call('ListPoliciesForRole', {'RoleName': role_name})
    return sort_policies({'name': p['PolicyName'], 'type': p['PolicyType']} for p in (body.get('Policies') or {}).get('Policy') or [])


def resolve_policies(ram, refs, attached, option='policies', check_mode=False, warn=None):
    """{name, type} for every ref. Raise naming `option` when a policy does not exist.

    The type of an attached policy is known from ListPoliciesForRole; any other policy is checked
    with GetPolicy (System first, then Custom, for a name given without type), so that a missing
    policy fails before anything is created or changed. In check mode a missing policy is only a
    warning (through `warn`) and is predicted as attached, so that a playbook whose earlier task
    creates it (ram_policy) can be checked as a whole; its type is taken as given, else Custom
    (system policies always exist).
    """
    resolved = []
    for name, kind in refs:
        known = [p['type'] for p in attached if p['name'] == name and kind in (None, p['type'])]
        if known:
            kind = 'System' if 'System' in known else known[0]
        else:
            candidates = (kind,) if kind else POLICY_TYPES
            found = next((c for c in candidates if get_policy(ram, c, name) is not None), None)
            if found is None:
                problem = f"policy {name} does not exist as a {' or '.join(candidates)} policy (API code EntityNotExist.Policy)"
                if not check_mode:
                    raise AlicloudParameterError(option, problem)
                warn(f'{option}: {problem} -- check mode goes on as if an earlier task creates it; a real run fails unless one does')
                found = kind or 'Custom'
            kind = found
        entry = {'name': name, 'type': kind}
        if entry not in resolved:
            resolved.append(entry)
    return resolved


def attach_role_policy(ram, role_name, policy, retry_timeout=None):
    """Attach a policy; already attached (by a concurrent run) counts as done.

    With `retry_timeout`, `EntityNotExist.Role` is retried that long: RAM may not see a role it just created.
    """
    try:
        ram.call('AttachPolicyToRole', {'PolicyType': policy['type'], 'PolicyName': policy['name'], 'RoleName': role_name},
                 retry_codes=('EntityNotExist.Role',) if retry_timeout else (), retry_timeout=retry_timeout)
    except AlicloudApiError as err:
        if not err.matches('EntityAlreadyExists.Role.Policy'):
            raise


# entity kind -> (detach action, name parameter, "not attached" error code)
_DETACH = {
    'roles': ('DetachPolicyFromRole', 'RoleName', 'EntityNotExist.Role.Policy'),
    'users': ('DetachPolicyFromUser', 'UserName', 'EntityNotExist.User.Policy'),
    'groups': ('DetachPolicyFromGroup', 'GroupName', 'EntityNotExist.Group.Policy'),
}


def detach_policy(ram, policy, entity_name, kind='roles'):
    """Detach a policy from a role (or user, group); not attached (a concurrent run) counts as done."""
    action, param, not_attached = _DETACH[kind]
    try:
        ram.call(action, {'PolicyType': policy['type'], 'PolicyName': policy['name'], param: entity_name})
    except AlicloudApiError as err:
        if not err.matches(not_attached):
            raise


# ---------------------------------------------------------------- policies

def get_policy(ram, policy_type, name):
    """The GetPolicy body (`Policy` and `DefaultPolicyVersion`), or None when no such policy exists."""
    try:
        return ram.call('GetPolicy', {'PolicyType': policy_type, 'PolicyName': name})
    except AlicloudApiError as err:
        if err.matches('EntityNotExist.Policy'):
            return None
        raise


def read_policy(ram, policy_type, name):
    """The policy, normalised with its default version's document, or None when no such policy exists (one GetPolicy)."""
    body = get_policy(ram, policy_type, name)
    return None if body is None else normalize_ram_policy(body['Policy'], body.get('DefaultPolicyVersion'))


def _policy_body(name, document_text, description=None):
    """The GetPolicy `Policy` of a custom policy CreatePolicy has just made, as far as known before the call."""
    return {'PolicyName': name, 'PolicyType': 'Custom', 'Description': description or '', 'DefaultVersion': 'v1',
            'AttachmentCount': 0, 'PolicyDocument': document_text}


def new_policy(name, document_text, description=None):
    """The policy create_policy would make, normalised (the check-mode prediction)."""
    return normalize_ram_policy(_policy_body(name, document_text, description))


def create_policy(ram, name, document_text, description=None):
    """CreatePolicy of a custom policy (the document as JSON text); the new policy, normalised.

    A policy that exists raises AlicloudApiError EntityAlreadyExists.Policy: see create_or_read.
    """
    body = ram.call('CreatePolicy', {'PolicyName': name, 'PolicyDocument': document_text, 'Description': description})
    return normalize_ram_policy({**_policy_body(name, document_text, description), **body.get('Policy', {})})


def create_policy_version(ram, name, document_text):
    """CreatePolicyVersion of a custom policy, made the default; with 5 versions the oldest non-default one is removed.

    Returns the new version as {version_id, is_default_version, create_date} (None for what the answer lacks).
    """
    version = ram.call('CreatePolicyVersion', {'PolicyName': name, 'PolicyDocument': document_text, 'SetAsDefault': True,
                                               'RotateStrategy': ROTATE_STRATEGY})['PolicyVersion']
    return {'version_id': version.get('VersionId'), 'is_default_version': version.get('IsDefaultVersion'),
            'create_date': version.get('CreateDate')}


def update_policy_description(ram, name, description):
    """UpdatePolicyDescription of a custom policy; the policy as the service answers, normalised (None for what it lacks)."""
    body = ram.call('UpdatePolicyDescription', {'PolicyName': name, 'NewDescription': description})
    return normalize_ram_policy(body.get('Policy') or {})


def delete_policy(ram, name, retry_timeout=DETACH_SETTLE_TIMEOUT):
    """DeletePolicy of a custom policy with all its versions: True when this call deleted it, False when it was gone
    already (a concurrent run).

    `DeleteConflict.Policy.User`/`.Group`/`.Version` (attachments or versions removed just before that RAM
    still sees) are retried for at most `retry_timeout` seconds, then raised.
    """
    try:
        ram.call('DeletePolicy', {'PolicyName': name, 'CascadingDelete': True}, retry_codes=POLICY_DELETE_CONFLICTS,
                 retry_timeout=retry_timeout)
    except AlicloudApiError as err:
        if not err.matches('EntityNotExist.Policy'):
            raise
        return False
    return True


def list_policies(ram, policy_type=None, prefix=None):
    """ListPolicies entries (no document) of one type or both, whose name starts with `prefix`."""
    return [p for p in _paged(ram, 'ListPolicies', {'PolicyType': policy_type}, 'Policies', 'Policy')
            if p['PolicyName'].startswith(prefix or '')]


def policy_entities(ram, policy):
    """Names of the roles, users and groups a policy is attached to (ListEntitiesForPolicy)."""
    body = ram.call('ListEntitiesForPolicy', {'PolicyType': policy['type'], 'PolicyName': policy['name']})
    found = {}
    for kind, container, item, key in (('roles', 'Roles', 'Role', 'RoleName'), ('users', 'Users', 'User', 'UserName'),
                                       ('groups', 'Groups', 'Group', 'GroupName')):
        found[kind] = sorted(e[key] for e in (body.get(container) or {}).get(item) or [])
    return found


def normalize_ram_policy(policy, default_version=None):
    """One policy as the modules return it, from a GetPolicy body's parts or a ListPolicies entry.

    `policy_document` (the default version's document, as a dict) is None when it was not read.
    """
    text = (default_version or {}).get('PolicyDocument') or policy.get('PolicyDocument')
    try:
        document = json.loads(text) if text else None
    except ValueError:
        document = None
    return {
        'policy_name': policy.get('PolicyName'),
        'policy_type': policy.get('PolicyType'),
        'description': policy.get('Description') or '',
        'default_version': policy.get('DefaultVersion'),
        'policy_document': document,
        'attachment_count': policy.get('AttachmentCount'),
        'create_date': policy.get('CreateDate'),
        'update_date': policy.get('UpdateDate'),
    }


# ---------------------------------------------------------------- created meanwhile by a concurrent run

# kind -> (create, read, what the create answers for an existing entity, the code of "not found", create / read actions)
_Creatable = namedtuple('_Creatable', 'create read exists missing create_action read_action')
_CREATABLE = {
    'role': _Creatable(create_role, read_role, 'EntityAlreadyExists.Role', 'EntityNotExist.Role', 'CreateRole', 'GetRole'),
    'policy': _Creatable(create_policy, lambda ram, name: read_policy(ram, 'Custom', name), 'EntityAlreadyExists.Policy',
                         'EntityNotExist.Policy', 'CreatePolicy', 'GetPolicy'),
}


def create_or_read(ram, kind, name, *args, **kwargs):
    """Create the `kind` ('role': create_role, 'policy': create_policy) that a read has just found missing.

    Returns (True, the new entity) or, when a concurrent run created it in between (EntityAlreadyExists),
    (False, the entity read back), for the caller to converge like any existing one. Both normalised.
    Raises EntityNotExist when the read back does not find what the create said exists.
    """
    entity = _CREATABLE[kind]
    try:
        return True, entity.create(ram, name, *args, **kwargs)
    except AlicloudApiError as err:
        if not err.matches(entity.exists):
            raise
    current = entity.read(ram, name)
    if current is None:
        raise AlicloudApiError(entity.missing, f'{kind} {name} was reported to exist by {entity.create_action} but {entity.read_action} '
                               'does not find it', product='ram', action=entity.read_action)
    return False, current
