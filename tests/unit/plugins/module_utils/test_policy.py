# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import (
    ECS_TRUST_POLICY,
    PolicyDocumentError,
    broad_trust_warnings,
    normalize_policy,
    policies_equal,
    to_json,
    trusts_ecs,
)

ECS = ECS_TRUST_POLICY


def trust(principal):
    return {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Principal': principal}]}


def stmt(**kw):
    base = {'Effect': 'Allow', 'Action': 'kms:*', 'Resource': '*'}
    base.update(kw)
    return {'Version': '1', 'Statement': [base]}


# (left, right, equal, why) — the perpetual-diff bugs of the peers are the "equal" rows
PAIRS = [
    (ECS, json.dumps(ECS), True, 'dict vs JSON text'),
    (ECS, json.dumps(ECS, indent=4, sort_keys=True), True, 'whitespace and key order (alibaba.alicloud compares strings)'),
    (ECS, {'Version': 1, 'Statement': ECS['Statement']}, True, 'Version as a number (API returns text)'),
    (ECS, {'Version': '1', 'Statement': [{'Action': ['sts:AssumeRole'], 'Effect': 'Allow',
                                          'Principal': {'Service': 'ecs.aliyuncs.com'}}]}, True,
     'scalar vs one-item list in Action and Principal.Service (pulumi-alicloud #1176, terraform #9017)'),
    (ECS, {'Version': '1', 'Statement': ECS['Statement'][0]}, True, 'Statement as a single object'),
    (stmt(Action=['kms:Encrypt', 'kms:Decrypt']), stmt(Action=['kms:Decrypt', 'kms:Encrypt']), True, 'Action order (terraform keeps list order)'),
    (stmt(Resource=['acs:kms:*:*:key/a', 'acs:kms:*:*:key/b']), stmt(Resource=['acs:kms:*:*:key/b', 'acs:kms:*:*:key/a']), True, 'Resource order'),
    (stmt(Action=['kms:Encrypt', 'kms:Encrypt']), stmt(Action='kms:Encrypt'), True, 'duplicates in an order-free list'),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Principal': {'Service': ['b.aliyuncs.com', 'a.aliyuncs.com']}}]},
     {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Principal': {'Service': ['a.aliyuncs.com', 'b.aliyuncs.com']}}]},
     True, 'Principal.Service order'),
    ({'Version': '1', 'Statement': [stmt()['Statement'][0], stmt(Effect='Deny', Action='kms:Delete*')['Statement'][0]]},
     {'Version': '1', 'Statement': [stmt(Effect='Deny', Action='kms:Delete*')['Statement'][0], stmt()['Statement'][0]]},
     True, 'statement order'),
    (stmt(Sid='one'), stmt(Sid='two'), True, 'Sid is a label only'),
    (stmt(Condition={'Bool': {'acs:SecureTransport': True}}), stmt(Condition={'Bool': {'acs:SecureTransport': 'true'}}), True,
     'boolean condition value vs text'),
    (stmt(Condition={'IpAddress': {'acs:SourceIp': ['10.0.0.0/8', '192.168.0.0/16']}}),
     stmt(Condition={'IpAddress': {'acs:SourceIp': ['192.168.0.0/16', '10.0.0.0/8']}}), True, 'condition value order'),
    (stmt(Condition={'NumericLessThan': {'acs:Age': 5}}), stmt(Condition={'NumericLessThan': {'acs:Age': '5'}}), True, 'number vs text'),
    (json.dumps(stmt()), json.dumps(stmt(), separators=(',', ':')), True, 'compact JSON text'),
    (trust({'RAM': '1234567890123456'}), trust({'RAM': ['acs:ram::1234567890123456:root']}), True,
     'an account id is its root ARN (amazon.aws _canonify_root_arn)'),
    (trust({'RAM': 1234567890123456}), trust({'RAM': 'acs:ram::1234567890123456:root'}), True, 'an account id given as a number'),
    (trust({'RAM': ['1234567890123456', 'acs:ram::1234567890123456:root']}), trust({'RAM': '1234567890123456'}), True,
     'both spellings of one account are one principal'),
    (trust('*'), trust({'RAM': '*'}), True, '"*" is {"RAM": "*"}'),
    (trust('*'), trust({'RAM': ['*']}), True, '"*" is {"RAM": ["*"]}'),
    (trust({'RAM': '1234567890123456'}), trust({'RAM': 'acs:ram::1234567890123456:role/deployer'}), False,
     'an account is not one role of it'),
    (trust({'RAM': '1234567890123456'}), trust({'RAM': 'acs:ram::6543210987654321:root'}), False, 'another account'),
    (trust({'Service': '1234567890123456'}), trust({'Service': 'acs:ram::1234567890123456:root'}), False,
     'only RAM principals are account ids'),
    (trust('*'), trust({'Service': '*'}), False, '"*" is a RAM principal, not any service'),
    (trust('*'), trust({'RAM': '1234567890123456'}), False, 'anyone is not one account'),
    (ECS, stmt(), False, 'different documents'),
    (stmt(Effect='Allow'), stmt(Effect='Deny'), False, 'Effect differs'),
    (stmt(Action='kms:Encrypt'), stmt(Action=['kms:Encrypt', 'kms:Decrypt']), False, 'an extra action'),
    (stmt(Resource='*'), stmt(Resource='acs:kms:*:*:key/a'), False, 'a narrower resource'),
    (stmt(), stmt(Condition={'Bool': {'acs:MFAPresent': 'true'}}), False, 'an added condition'),
    (ECS, {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': ['fc.aliyuncs.com']}}]},
     False, 'another trusted service'),
    (ECS, {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'RAM': ['acs:ram::1:root']}}]},
     False, 'service vs account principal'),
    (stmt(Action='kms:Encrypt'), stmt(Action='kms:encrypt'), False, 'action names are compared as written'),
    ({'Version': '1', 'Statement': [stmt()['Statement'][0]]},
     {'Version': '1', 'Statement': [stmt()['Statement'][0], stmt(Action='kms:Decrypt')['Statement'][0]]}, False, 'an extra statement'),
    (stmt(NotAction='kms:Delete*', Action=None), stmt(Action='kms:Delete*'), False, 'NotAction is not Action'),
    (ECS, None, False, 'a document never equals nothing'),
]


def _clean(doc):
    if isinstance(doc, dict):
        return {k: _clean(v) for k, v in doc.items() if v is not None}
    if isinstance(doc, list):
        return [_clean(v) for v in doc]
    return doc


@pytest.mark.parametrize('left, right, equal, why', PAIRS, ids=[p[3] for p in PAIRS])
def test_policy_comparison_table(left, right, equal, why):
    first, second = _clean(left), _clean(right)
    assert policies_equal(first, second) is equal, why
    assert policies_equal(second, first) is equal, why  # symmetric


def test_table_is_large_enough():
    assert len(PAIRS) >= 20
    assert sum(1 for p in PAIRS if p[2]) >= 10 and sum(1 for p in PAIRS if not p[2]) >= 10


@pytest.mark.parametrize('document, rule', [
    ('{"Version": "1", "Statement": [', 'malformed JSON'),
    ('[1, 2]', 'must be a JSON object'),
    ('', 'must be a JSON object'),
    ({'Statement': [{'Effect': 'Allow', 'Action': '*'}]}, 'Version is required'),
    ({'Version': '1', 'Statement': []}, 'non-empty list'),
    ({'Version': '1', 'Statement': [{'Effect': 'Permit', 'Action': '*'}]}, 'Effect "Allow" or "Deny"'),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow'}]}, 'needs Action or NotAction'),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Actions': '*'}]}, 'unknown Statement key'),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': '*'}], 'Id': 'x'}, 'unknown top-level key'),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Principal': ['x']}]}, 'Principal must be'),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Condition': {'Bool': 'x'}}]}, 'must map keys'),
])
def test_invalid_documents_name_the_option_and_rule(document, rule):
    with pytest.raises(PolicyDocumentError) as exc:
        normalize_policy(document, 'assume_role_policy_document')
    assert exc.value.option == 'assume_role_policy_document'
    assert rule in str(exc.value)


def test_normalized_form_is_stable_and_readable():
    doc = normalize_policy(json.dumps(ECS))
    expected = {'Effect': 'Allow', 'Action': ['sts:AssumeRole'], 'Principal': {'Service': ['ecs.aliyuncs.com']}}
    assert doc == {'Version': '1', 'Statement': [expected]}
    assert normalize_policy(doc) == doc


def test_to_json_keeps_user_order_and_is_compact():
    text = to_json({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:*', 'Resource': '*'}]})
    assert text == '{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}'


@pytest.mark.parametrize('document, expected', [
    (ECS, True),
    (json.dumps(ECS), True),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:*', 'Principal': {'Service': 'ecs.aliyuncs.com'}}]}, True),
    ({'Version': '1', 'Statement': [{'Effect': 'Deny', 'Action': 'sts:AssumeRole', 'Principal': {'Service': 'ecs.aliyuncs.com'}}]}, False),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Principal': {'Service': 'fc.aliyuncs.com'}}]}, False),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:GetCallerIdentity', 'Principal': {'Service': 'ecs.aliyuncs.com'}}]}, False),
])
def test_trusts_ecs(document, expected):
    assert trusts_ecs(document) is expected


def test_broad_trust_warnings():
    assert not broad_trust_warnings(ECS)
    star = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Principal': '*'}]}
    assert 'any principal' in broad_trust_warnings(star)[0]
    ram_star = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Principal': {'RAM': '*'}}]}
    assert 'any principal' in broad_trust_warnings(ram_star)[0]
    account = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole',
                                              'Principal': {'RAM': ['acs:ram::1234567890123456:root']}}]}
    assert 'every RAM identity of account' in broad_trust_warnings(account)[0]
    user = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole',
                                           'Principal': {'RAM': ['acs:ram::1234567890123456:user/deployer']}}]}
    assert not broad_trust_warnings(user)


@pytest.mark.parametrize('left, right', [
    ('*', {'RAM': '*'}),
    ({'RAM': '1234567890123456'}, {'RAM': 'acs:ram::1234567890123456:root'}),
    ({'RAM': [1234567890123456, 'acs:ram::1234567890123456:root']}, {'RAM': 'acs:ram::1234567890123456:root'}),
])
def test_trust_warnings_read_the_canonical_principal(left, right):
    """One canonicaliser: two spellings that compare equal draw the same single warning."""
    assert policies_equal(trust(left), trust(right))
    warnings = broad_trust_warnings(trust(left))
    assert warnings == broad_trust_warnings(trust(right)) and len(warnings) == 1


def test_account_warning_names_the_account_and_its_root():
    (warning,) = broad_trust_warnings(trust({'RAM': '1234567890123456'}))
    assert 'every RAM identity of account 1234567890123456 (acs:ram::1234567890123456:root)' in warning


def test_normalized_principal_is_canonical():
    doc = normalize_policy(trust({'RAM': ['1234567890123456', 'acs:ram::1:user/a'], 'Service': 'ecs.aliyuncs.com'}))
    assert doc['Statement'][0]['Principal'] == {'RAM': ['acs:ram::1234567890123456:root', 'acs:ram::1:user/a'],
                                                'Service': ['ecs.aliyuncs.com']}
    assert normalize_policy(trust('*'))['Statement'][0]['Principal'] == {'RAM': ['*']}
