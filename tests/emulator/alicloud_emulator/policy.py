# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RAM policy documents: syntax validation, and evaluation of permission and trust policies.

Evaluation: a statement applies when its Action (or NotAction) and Resource (or NotResource)
match, with ``*`` and ``?`` wildcards (actions case-insensitive, resources case-sensitive).
An applicable Deny wins over any Allow; no applicable Allow means an implicit deny.
Condition blocks are validated as objects and treated as satisfied (README, assumptions).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from .errors import ApiError

ALLOW = 'allow'
DENY = 'deny'
IMPLICIT = 'implicit'

_STATEMENT_KEYS = {'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'Condition', 'Sid'}
_PRINCIPAL_KEYS = {'RAM', 'Service', 'Federated'}
_ACTION_RE = re.compile(r'^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$')


def _strings(value) -> list[str] | None:
    """A string or a non-empty list of non-empty strings, as a list; None when malformed."""
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return value
    return None


def parse_document(text: str, trust: bool = False, code: str = 'MalformedPolicyDocument') -> dict:
    """Validate a policy (or, with ``trust``, a role trust policy); return it parsed."""
    def bad(detail: str) -> ApiError:
        return ApiError(code, f'The policy document is malformed: {detail}')

    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise bad(f'not valid JSON ({exc.msg} at position {exc.pos}).') from None
    if not isinstance(doc, dict):
        raise bad('the document must be a JSON object.')
    unknown = set(doc) - {'Version', 'Statement'}
    if unknown:
        raise bad(f'unknown element(s) {", ".join(sorted(unknown))}.')
    if doc.get('Version') != '1':
        raise bad('"Version" must be "1".')
    statements = doc.get('Statement')
    if not isinstance(statements, list) or not statements:
        raise bad('"Statement" must be a non-empty list.')
    for index, stmt in enumerate(statements, 1):
        where = f'Statement {index}'
        if not isinstance(stmt, dict):
            raise bad(f'{where} must be an object.')
        unknown = set(stmt) - _STATEMENT_KEYS
        if unknown:
            raise bad(f'{where} has unknown element(s) {", ".join(sorted(unknown))}.')
        if stmt.get('Effect') not in ('Allow', 'Deny'):
            raise bad(f'{where}: "Effect" must be "Allow" or "Deny".')
        if ('Action' in stmt) == ('NotAction' in stmt):
            raise bad(f'{where} needs exactly one of "Action" and "NotAction".')
        actions = _strings(stmt.get('Action', stmt.get('NotAction')))
        if actions is None or not all(_ACTION_RE.match(a) for a in actions):
            raise bad(f'{where}: actions must look like "service:Action" or "*".')
        if 'Condition' in stmt and not isinstance(stmt['Condition'], dict):
            raise bad(f'{where}: "Condition" must be an object.')
        if trust:
            principal = stmt.get('Principal')
            if not isinstance(principal, dict) or not principal or set(principal) - _PRINCIPAL_KEYS \
                    or any(_strings(v) is None for v in principal.values()):
                raise bad(f'{where}: "Principal" must map RAM, Service or Federated to names.')
        else:
            if 'Principal' in stmt:
                raise bad(f'{where}: "Principal" is only allowed in a trust policy.')
            if ('Resource' in stmt) == ('NotResource' in stmt):
                raise bad(f'{where} needs exactly one of "Resource" and "NotResource".')
            if _strings(stmt.get('Resource', stmt.get('NotResource'))) is None:
                raise bad(f'{where}: "Resource" must be a string or a list of strings.')
    return doc


@lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern:
    regex = ''.join('.*' if c == '*' else '.' if c == '?' else re.escape(c) for c in pattern)
    return re.compile(f'^{regex}$', re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def matches(patterns, value: str, ignore_case: bool) -> bool:
    return any(_pattern(p, ignore_case).match(value) for p in _strings(patterns) or ())


def _applies(stmt: dict, action: str, resource: str) -> bool:
    if 'Action' in stmt:
        action_ok = matches(stmt['Action'], action, True)
    else:
        action_ok = not matches(stmt['NotAction'], action, True)
    if not action_ok:
        return False
    if 'Resource' in stmt:
        return matches(stmt['Resource'], resource, False)
    return not matches(stmt['NotResource'], resource, False)


def evaluate(documents: list[dict], action: str, resource: str) -> str:
    """ALLOW, DENY (an explicit Deny applies) or IMPLICIT (nothing allows)."""
    allowed = False
    for doc in documents:
        for stmt in doc['Statement']:
            if _applies(stmt, action, resource):
                if stmt['Effect'] == 'Deny':
                    return DENY
                allowed = True
    return ALLOW if allowed else IMPLICIT


def is_allowed(role_documents: list[dict], session_policies: list[dict], action: str, resource: str) -> bool:
    """Role policies must allow; every session policy (AssumeRole Policy, instance Policy) must allow too."""
    if evaluate(role_documents, action, resource) != ALLOW:
        return False
    return all(evaluate([doc], action, resource) == ALLOW for doc in session_policies)


def trust_allows(trust: dict, kind: str, identities: list[str]) -> bool:
    """Whether the trust policy lets a principal (``RAM`` ARNs / account ids, or a ``Service``) assume the role."""
    allowed = False
    lowered = [i.lower() for i in identities]
    for stmt in trust['Statement']:
        if not _applies(stmt | {'Resource': '*'}, 'sts:AssumeRole', '*'):
            continue
        names = _strings(stmt.get('Principal', {}).get(kind)) or []
        if any(n == '*' or n.lower() in lowered for n in names):
            if stmt['Effect'] == 'Deny':
                return False
            allowed = True
    return allowed
