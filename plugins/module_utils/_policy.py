# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""RAM policy and trust-policy documents: parsing, normalisation and semantic comparison.

Two documents are equal when they grant the same thing, whatever the key order, the whitespace,
`"x"` versus `["x"]`, the order of order-free lists (Action, Resource, Principal values, condition
values, the statements themselves), duplicates in those lists, or `Version` given as a number.
Principals are canonicalised once, by `_normalize_principal`: an account id in `RAM` is its root ARN
(`"123456"` is `acs:ram::123456:root`), and the principal `"*"` is `{"RAM": ["*"]}` (anyone), as amazon.aws
`_canonify_root_arn` does. The trust warnings read that same canonical form.
This is what stops the perpetual diffs that every peer tool suffers from.
"""

from __future__ import annotations

import json
import re

from ._errors import AlicloudParameterError

ECS_SERVICE = 'ecs.aliyuncs.com'

# The trust policy of the guide: ECS may assume the role.
ECS_TRUST_POLICY = {
    'Statement': [
        {
            'Action': 'sts:AssumeRole',
            'Effect': 'Allow',
            'Principal': {'Service': [ECS_SERVICE]},
        }
    ],
    'Version': '1',
}

_LIST_KEYS = ('Action', 'NotAction', 'Resource', 'NotResource')
_KNOWN_STATEMENT_KEYS = frozenset(_LIST_KEYS + ('Effect', 'Principal', 'Condition', 'Sid'))
_EFFECTS = ('Allow', 'Deny')
_ROOT_ARN = re.compile(r'^acs:ram::(\d+):root$')
ANYONE = '*'


class PolicyDocumentError(AlicloudParameterError):
    """A policy document that is not valid JSON or not a valid RAM policy."""


def _scalar(value):
    """Condition and principal values compare as text: true == "true", 1 == "1"."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _as_sorted_list(value):
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    return sorted({_scalar(v) for v in value})


def _canonical_ram_principal(value):
    """An account id alone means the account's root: both spellings become `acs:ram::<id>:root`."""
    return f'acs:ram::{value}:root' if value.isdigit() else value


def _normalize_principal(value, option):
    """The one canonical form of a Principal: `{"RAM": [...], "Service": [...], ...}` with sorted text values."""
    if value == ANYONE:
        # "*" alone means anyone, exactly as {"RAM": "*"}
        value = {'RAM': ANYONE}
    elif isinstance(value, str):
        return value  # another text principal is compared as written
    if not isinstance(value, dict):
        raise PolicyDocumentError(option, 'Principal must be an object such as {"Service": ["ecs.aliyuncs.com"]} or "*"')
    out = {k: _as_sorted_list(v) for k, v in sorted(value.items())}
    if 'RAM' in out:
        out['RAM'] = sorted({_canonical_ram_principal(v) for v in out['RAM']})
    return out


def _normalize_condition(value, option):
    if not isinstance(value, dict):
        raise PolicyDocumentError(option, 'Condition must be an object of operators')
    out = {}
    for operator, tests in sorted(value.items()):
        if not isinstance(tests, dict):
            raise PolicyDocumentError(option, f'Condition operator {operator} must map keys to values')
        out[operator] = {k: _as_sorted_list(v) for k, v in sorted(tests.items())}
    return out


def _normalize_statement(statement, option):
    if not isinstance(statement, dict):
        raise PolicyDocumentError(option, 'every Statement must be an object')
    unknown = set(statement) - _KNOWN_STATEMENT_KEYS
    if unknown:
        raise PolicyDocumentError(option, f"unknown Statement key(s) {', '.join(sorted(unknown))}")
    effect = statement.get('Effect')
    if effect not in _EFFECTS:
        raise PolicyDocumentError(option, 'every Statement needs Effect "Allow" or "Deny"', effect)
    if 'Action' not in statement and 'NotAction' not in statement:
        raise PolicyDocumentError(option, 'every Statement needs Action or NotAction')
    out = {'Effect': effect}
    for key in _LIST_KEYS:
        if key in statement:
            out[key] = _as_sorted_list(statement[key])
    if 'Principal' in statement:
        out['Principal'] = _normalize_principal(statement['Principal'], option)
    if 'Condition' in statement:
        out['Condition'] = _normalize_condition(statement['Condition'], option)
    # Sid is a label and does not change what the statement grants
    return out


def parse_document(document, option='policy_document'):
    """Accept a dict or JSON text; return a dict. Raise PolicyDocumentError naming `option`."""
    if isinstance(document, dict):
        return document
    if not isinstance(document, str) or not document.strip():
        raise PolicyDocumentError(option, 'must be a JSON object (a dict or JSON text)')
    try:
        parsed = json.loads(document)
    except ValueError as exc:
        raise PolicyDocumentError(option, f'malformed JSON: {exc}') from None
    if not isinstance(parsed, dict):
        raise PolicyDocumentError(option, 'must be a JSON object, not ' + type(parsed).__name__)
    return parsed


def normalize_policy(document, option='policy_document'):
    """The canonical form of a policy document, used for comparison and for display in diffs."""
    doc = parse_document(document, option)
    unknown = set(doc) - {'Version', 'Statement'}
    if unknown:
        raise PolicyDocumentError(option, f"unknown top-level key(s) {', '.join(sorted(unknown))}")
    if 'Version' not in doc:
        raise PolicyDocumentError(option, 'Version is required (use "1")')
    statements = doc.get('Statement')
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise PolicyDocumentError(option, 'Statement must be a non-empty list of statements')
    normalized = [_normalize_statement(s, option) for s in statements]
    unique = {json.dumps(s, sort_keys=True): s for s in normalized}
    return {
        'Version': _scalar(doc['Version']),
        'Statement': [unique[k] for k in sorted(unique)],
    }


def policies_equal(left, right):
    """True when both documents grant exactly the same thing. None never equals a document."""
    if left is None or right is None:
        return left is right
    return normalize_policy(left) == normalize_policy(right)


def to_json(document, option='policy_document'):
    """Compact JSON text for the API (the document as the user wrote it, not re-ordered)."""
    return json.dumps(parse_document(document, option), separators=(',', ':'), sort_keys=False)


def trusted_services(document):
    """Services allowed to call sts:AssumeRole by this trust policy."""
    services = set()
    for statement in normalize_policy(document, 'assume_role_policy_document')['Statement']:
        if statement['Effect'] != 'Allow':
            continue
        actions = statement.get('Action', [])
        if not any(a in ('sts:AssumeRole', 'sts:*', '*') for a in actions):
            continue
        principal = statement.get('Principal')
        if isinstance(principal, dict):
            services.update(principal.get('Service', []))
    return services


def trusts_ecs(document):
    """True when ECS may assume the role, which AttachInstanceRamRole and RunInstances require."""
    return ECS_SERVICE in trusted_services(document)


def broad_trust_warnings(document):
    """Warnings for trust policies that let anyone, or a whole account, assume the role (canonical principals)."""
    warnings = []
    for statement in normalize_policy(document, 'assume_role_policy_document')['Statement']:
        if statement['Effect'] != 'Allow':
            continue
        principal = statement.get('Principal')
        if not isinstance(principal, dict):
            continue
        if any(ANYONE in v for v in principal.values()):
            warnings.append('the trust policy lets any principal ("*") assume this role; restrict Principal to the service that needs it')
            continue
        for arn in principal.get('RAM', []):
            root = _ROOT_ARN.match(arn)
            if root:
                warnings.append(f'the trust policy lets every RAM identity of account {root.group(1)} ({arn}) assume this role; '
                                'name the users or roles that need it')
    return warnings
