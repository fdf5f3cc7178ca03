# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ram
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError, AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import ECS_TRUST_POLICY
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ram import KMS_DOC, FakeCloud

KMS = {'name': 'AliyunKMSFullAccess', 'type': 'System'}


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize('value, ok', [
    ('EcsRamRoleTest', True), ('a.b-c.1', True), ('r' * 64, True),
    ('', False), ('r' * 65, False), ('with space', False), ('under_score', False), ('at@x', False), (None, False),
])
def test_role_names(value, ok):
    if ok:
        assert _ram.check_role_name(value) == value
    else:
        with pytest.raises(AlicloudParameterError) as exc:
            _ram.check_role_name(value, 'role_name')
        assert exc.value.option == 'role_name' and 'InvalidParameter.RoleName.' in exc.value.rule


@pytest.mark.parametrize('value, ok', [('my-policy-1', True), ('p' * 128, True), ('p' * 129, False), ('a.b', False), ('a_b', False)])
def test_policy_names(value, ok):
    if ok:
        assert _ram.check_policy_name(value) == value
    else:
        with pytest.raises(AlicloudParameterError):
            _ram.check_policy_name(value)


@pytest.mark.parametrize('check, value, ok', [
    (_ram.check_max_session_duration, 3600, True), (_ram.check_max_session_duration, 43200, True),
    (_ram.check_max_session_duration, None, True), (_ram.check_max_session_duration, 3599, False),
    (_ram.check_max_session_duration, 43201, False), (_ram.check_description, 'x' * 1024, True),
    (_ram.check_description, None, True), (_ram.check_description, '', False), (_ram.check_description, 'x' * 1025, False),
])
def test_bounds(check, value, ok):
    if ok:
        assert check(value) == value
    else:
        with pytest.raises(AlicloudParameterError):
            check(value)


@pytest.mark.parametrize('document, trust, broken', [
    (ECS_TRUST_POLICY, True, None),
    (json.dumps(ECS_TRUST_POLICY), True, None),
    (KMS_DOC, False, None),
    (KMS_DOC, True, 'needs a Principal'),
    (ECS_TRUST_POLICY, False, 'Principal is only allowed'),
    ({'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:*'}]}, False, 'Resource or NotResource'),
    ({'Version': '2012-10-17', 'Statement': KMS_DOC['Statement']}, False, 'Version must be "1"'),
    ('{"Version": "1"', False, 'malformed JSON'),
    ('[]', False, 'must be a JSON object'),
    ({'Version': '1', 'Statement': [{'Effect': 'Maybe', 'Action': 'kms:*', 'Resource': '*'}]}, False, 'Effect'),
])
def test_check_document(document, trust, broken):
    if broken is None:
        checked = _ram.check_document(document, 'doc', trust)
        assert json.loads(checked.text) == checked.parsed and checked.canonical['Version'] == '1'
    else:
        with pytest.raises(AlicloudParameterError) as exc:
            _ram.check_document(document, 'doc', trust)
        assert exc.value.option == 'doc' and broken in exc.value.rule and 'MalformedPolicyDocument' in exc.value.rule


def test_check_document_sends_what_the_service_accepts():
    loose = {'Statement': {'Effect': 'Allow', 'Action': 'kms:*', 'Resource': '*'}, 'Version': 1}
    checked = _ram.check_document(loose, 'doc')
    assert checked.text == '{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}],"Version":"1"}'
    assert checked.parsed == json.loads(checked.text) and checked.canonical == _ram.check_document(KMS_DOC, 'doc').canonical


@pytest.mark.parametrize('values, expected', [
    (['AliyunKMSFullAccess'], [('AliyunKMSFullAccess', None)]),
    (['System/AliyunKMSFullAccess', 'custom/app'], [('AliyunKMSFullAccess', 'System'), ('app', 'Custom')]),
    ([{'name': 'app', 'type': 'CUSTOM'}, {'name': 'x'}], [('app', 'Custom'), ('x', None)]),
    (['app', 'app', 'Custom/app', {'name': 'app', 'type': 'Custom'}], [('app', None), ('app', 'Custom')]),
    (None, []),
])
def test_parse_policy_refs(values, expected):
    assert _ram.parse_policy_refs(values) == expected


@pytest.mark.parametrize('values, rule', [
    (['Managed/x'], 'System or Custom'), ([{'name': 'x', 'kind': 'System'}], 'unknown key'), ([3], 'each entry'),
    (['System/'], 'InvalidParameter.PolicyName.Length'), ([{'type': 'System'}], 'InvalidParameter.PolicyName.Length'),
])
def test_parse_policy_refs_refusals(values, rule):
    with pytest.raises(AlicloudParameterError) as exc:
        _ram.parse_policy_refs(values)
    assert exc.value.option == 'policies' and rule in exc.value.rule


def test_select_attached():
    attached = [{'name': 'app', 'type': 'Custom'}, KMS]
    assert _ram.select_attached([('app', None)], attached) == [{'name': 'app', 'type': 'Custom'}]
    assert _ram.select_attached([('app', 'System')], attached) == []
    assert _ram.select_attached([('AliyunKMSFullAccess', 'System'), ('zzz', None)], attached) == [KMS]


# ---------------------------------------------------------------- calls

@pytest.fixture(name='cloud')
def cloud_fixture():
    return FakeCloud()


def test_resolve_uses_attached_types_and_looks_up_the_rest(cloud):
    cloud.add_policy('app', KMS_DOC)
    ram = cloud.client('ram')
    attached = [KMS]
    resolved = _ram.resolve_policies(ram, [('AliyunKMSFullAccess', None), ('app', None)], attached)
    assert resolved == [KMS, {'name': 'app', 'type': 'Custom'}]
    # the attached one cost nothing; the custom one: System tried first, then Custom
    assert [(c[1], c[2]['PolicyType']) for c in cloud.calls] == [('GetPolicy', 'System'), ('GetPolicy', 'Custom')]


def test_resolve_prefers_system_and_fails_for_a_missing_policy(cloud):
    cloud.add_policy('AliyunKMSFullAccess', KMS_DOC)  # custom twin of a system name
    ram = cloud.client('ram')
    assert _ram.resolve_policies(ram, [('AliyunKMSFullAccess', None)], []) == [KMS]
    assert _ram.resolve_policies(ram, [('AliyunKMSFullAccess', 'Custom')], []) == [{'name': 'AliyunKMSFullAccess', 'type': 'Custom'}]
    with pytest.raises(AlicloudParameterError) as exc:
        _ram.resolve_policies(ram, [('nope', 'System')], [])
    assert 'nope does not exist as a System policy' in exc.value.rule


def test_resolve_in_check_mode_warns_and_predicts_a_missing_policy(cloud):
    ram = cloud.client('ram')
    warnings = []
    resolved = _ram.resolve_policies(ram, [('later', None), ('typed', 'System')], [], check_mode=True, warn=warnings.append)
    assert resolved == [{'name': 'later', 'type': 'Custom'}, {'name': 'typed', 'type': 'System'}]
    assert len(warnings) == 2 and all(w.startswith('policies: policy ') and 'check mode goes on' in w for w in warnings)


def test_getters_return_none_for_missing_and_raise_the_rest(cloud):
    ram = cloud.client('ram')
    assert _ram.get_role(ram, 'nope') is None and _ram.get_policy(ram, 'Custom', 'nope') is None
    cloud.fail('GetRole', 'Throttling.User')
    with pytest.raises(AlicloudApiError):
        _ram.get_role(ram, 'nope')


def test_attach_and_detach_treat_races_as_done_and_raise_the_rest(cloud):
    cloud.add_role('r')
    ram = cloud.client('ram')
    _ram.attach_role_policy(ram, 'r', KMS)
    _ram.attach_role_policy(ram, 'r', KMS)  # EntityAlreadyExists.Role.Policy
    _ram.detach_policy(ram, KMS, 'r')
    _ram.detach_policy(ram, KMS, 'r')  # EntityNotExist.Role.Policy
    with pytest.raises(AlicloudApiError) as exc:
        _ram.attach_role_policy(ram, 'ghost', KMS)
    assert exc.value.code == 'EntityNotExist.Role'
    _ram.attach_role_policy(ram, 'r', KMS, retry_timeout=5)
    assert cloud.calls[-1][3:] == (('EntityNotExist.Role',), 5) and cloud.calls[0][3:] == ((), None)


def test_normalize_role_and_policy():
    raw = {'RoleName': 'r', 'RoleId': '1', 'Arn': 'acs:ram::1:role/r', 'AssumeRolePolicyDocument': json.dumps(ECS_TRUST_POLICY),
           'MaxSessionDuration': 3600, 'CreateDate': 'c', 'UpdateDate': 'u'}
    role = _ram.normalize_role(raw, [KMS, {'name': 'a', 'type': 'Custom'}, KMS], ['i-2', 'i-1'])
    assert role == {'role_name': 'r', 'role_id': '1', 'arn': 'acs:ram::1:role/r', 'description': '',
                    'assume_role_policy_document': ECS_TRUST_POLICY, 'max_session_duration': 3600, 'create_date': 'c',
                    'update_date': 'u', 'policies': [KMS, {'name': 'a', 'type': 'Custom'}], 'instance_ids': ['i-1', 'i-2']}
    assert set(_ram.normalize_role({'RoleName': 'r'})) == set(role) - {'policies', 'instance_ids'}
    policy = _ram.normalize_ram_policy({'PolicyName': 'p', 'PolicyType': 'Custom', 'DefaultVersion': 'v2', 'AttachmentCount': 0},
                                       {'PolicyDocument': json.dumps(KMS_DOC)})
    assert policy['policy_document'] == KMS_DOC and policy['attachment_count'] == 0 and policy['description'] == ''
    assert _ram.normalize_ram_policy({'PolicyName': 'p'})['policy_document'] is None


def test_lists_follow_markers(cloud, monkeypatch):
    monkeypatch.setattr(_ram, 'PAGE_SIZE', 2)
    for name in ('a1', 'a2', 'b1', 'a3', 'a4'):
        cloud.add_role(name)
    assert [r['RoleName'] for r in _ram.list_roles(cloud.client('ram'), 'a')] == ['a1', 'a2', 'a3', 'a4']
    assert len([c for c in cloud.calls if c[1] == 'ListRoles']) == 3


# ---------------------------------------------------------------- writes: what is sent, what comes back

ECS_TEXT = _ram.check_document(ECS_TRUST_POLICY, 'doc', trust=True).text
MANAGED = ('role_name', 'assume_role_policy_document', 'description', 'max_session_duration')


@pytest.mark.parametrize('description, duration, sent', [
    (None, None, {}),
    ('kms access', 7200, {'Description': 'kms access', 'MaxSessionDuration': 7200}),
])
def test_create_role_sends_what_is_set_and_returns_the_role_normalised(cloud, description, duration, sent):
    ram = cloud.client('ram')
    role = _ram.create_role(ram, 'r', ECS_TEXT, description, duration)
    assert cloud.calls == [('ram', 'CreateRole', {'RoleName': 'r', 'AssumeRolePolicyDocument': ECS_TEXT, **sent}, (), None)]
    assert role == _ram.normalize_role({**cloud.roles['r'], 'UpdateDate': None})  # CreateRole answers no UpdateDate
    assert role['description'] == (description or '') and role['max_session_duration'] == (duration or 3600)
    # the check-mode prediction: the same but for what only the service assigns
    predicted = _ram.new_role('r', ECS_TEXT, description, duration)
    assert {k: predicted[k] for k in MANAGED} == {k: role[k] for k in MANAGED}
    assert predicted['role_id'] is None and predicted['arn'] is None and predicted['assume_role_policy_document'] == ECS_TRUST_POLICY
    with pytest.raises(AlicloudApiError) as exc:
        _ram.create_role(ram, 'r', ECS_TEXT)
    assert exc.value.code == 'EntityAlreadyExists.Role'


def test_update_role_keeps_the_prediction_for_what_the_answer_lacks(cloud, monkeypatch):
    cloud.add_role('r', description='old', duration=7200)
    ram = cloud.client('ram')
    current = _ram.read_role(ram, 'r')
    monkeypatch.setattr(cloud, 'UpdateRole', lambda params: {'Role': {'RoleName': 'r', 'UpdateDate': 'later'}})
    after = _ram.update_role(ram, current, description='new')
    # the duration is always sent: the API resets an absent one to 3600
    assert cloud.calls[-1][2] == {'RoleName': 'r', 'NewDescription': 'new', 'NewMaxSessionDuration': 7200}
    assert after == {**current, 'description': 'new', 'update_date': 'later'}
    monkeypatch.setattr(cloud, 'UpdateRole', lambda params: {})
    assert _ram.update_role(ram, current, max_session_duration=3600) == {**current, 'max_session_duration': 3600}


def test_delete_role_says_whether_it_deleted(cloud):
    cloud.add_role('r')
    ram = cloud.client('ram')
    assert _ram.delete_role(ram, 'r') is True and 'r' not in cloud.roles
    assert _ram.delete_role(ram, 'r') is False  # EntityNotExist.Role: gone already (a concurrent run)
    assert [c[1:] for c in cloud.calls] == [('DeleteRole', {'RoleName': 'r'}, _ram.ROLE_DELETE_CONFLICTS, _ram.DETACH_SETTLE_TIMEOUT)] * 2
    cloud.add_role('r', policies=['System/AliyunKMSFullAccess'])
    with pytest.raises(AlicloudApiError) as exc:
        _ram.delete_role(ram, 'r', retry_timeout=0)
    assert exc.value.code == 'DeleteConflict.Role.Policy' and 'r' in cloud.roles


def test_delete_policy_says_whether_it_deleted(cloud):
    cloud.add_policy('app', KMS_DOC, versions=3)
    ram = cloud.client('ram')
    assert _ram.delete_policy(ram, 'app') is True and ('Custom', 'app') not in cloud.policies
    assert _ram.delete_policy(ram, 'app') is False  # EntityNotExist.Policy
    assert [c[1:3] for c in cloud.calls] == [('DeletePolicy', {'PolicyName': 'app', 'CascadingDelete': True})] * 2
    cloud.add_policy('app', KMS_DOC)
    cloud.users[('Custom', 'app')] = ['alice']
    with pytest.raises(AlicloudApiError) as exc:
        _ram.delete_policy(ram, 'app')
    assert exc.value.code == 'DeleteConflict.Policy.User'


def test_create_policy_and_its_prediction(cloud):
    ram = cloud.client('ram')
    text = _ram.check_document(KMS_DOC, 'doc').text
    policy = _ram.create_policy(ram, 'app', text, 'secrets')
    assert cloud.calls[-1][1:3] == ('CreatePolicy', {'PolicyName': 'app', 'PolicyDocument': text, 'Description': 'secrets'})
    assert policy == {**_ram.new_policy('app', text, 'secrets'), 'create_date': '2026-11-27T10:00:00Z', 'update_date': '2026-11-27T10:00:00Z'}
    assert policy['policy_document'] == KMS_DOC and policy['policy_type'] == 'Custom' and policy['default_version'] == 'v1'
    assert _ram.read_policy(ram, 'Custom', 'app')['policy_document'] == KMS_DOC
    assert _ram.read_policy(ram, 'System', 'app') is None
    with pytest.raises(AlicloudApiError) as exc:
        _ram.create_policy(ram, 'app', text)
    assert exc.value.code == 'EntityAlreadyExists.Policy'


def test_create_policy_version_rotates_and_becomes_the_default(cloud):
    cloud.add_policy('app', KMS_DOC, versions=5)
    ram = cloud.client('ram')
    version = _ram.create_policy_version(ram, 'app', '{"Version":"1","Statement":[]}')
    assert version == {'version_id': 'v6', 'is_default_version': True, 'create_date': None}
    assert cloud.calls[-1][2] == {'PolicyName': 'app', 'PolicyDocument': '{"Version":"1","Statement":[]}', 'SetAsDefault': True,
                                  'RotateStrategy': 'DeleteOldestNonDefaultVersionWhenLimitExceeded'}
    assert sorted(cloud.policies[('Custom', 'app')]['versions']) == ['v2', 'v3', 'v4', 'v5', 'v6']
    assert _ram.read_policy(ram, 'Custom', 'app')['default_version'] == 'v6'


def test_update_policy_description(cloud):
    cloud.add_policy('app', KMS_DOC, description='old')
    answered = _ram.update_policy_description(cloud.client('ram'), 'app', 'new')
    assert cloud.calls[-1][1:3] == ('UpdatePolicyDescription', {'PolicyName': 'app', 'NewDescription': 'new'})
    assert answered['description'] == 'new' and answered['update_date'] == '2026-11-27T11:00:00Z'


# ---------------------------------------------------------------- created meanwhile by a concurrent run

def test_create_or_read_creates_what_is_missing(cloud):
    created, role = _ram.create_or_read(cloud.client('ram'), 'role', 'r', ECS_TEXT, 'mine')
    assert created is True and role['description'] == 'mine' and cloud.actions() == ['CreateRole']
    created, policy = _ram.create_or_read(cloud.client('ram'), 'policy', 'app', '{"Version":"1","Statement":[]}')
    assert created is True and policy['policy_name'] == 'app' and cloud.actions() == ['CreateRole', 'CreatePolicy']


@pytest.mark.parametrize('kind, seed, read', [
    ('role', lambda cloud: cloud.add_role('x', description='theirs'), 'GetRole'),
    ('policy', lambda cloud: cloud.add_policy('x', KMS_DOC, description='theirs'), 'GetPolicy'),
])
def test_create_or_read_reads_back_what_a_concurrent_run_created(cloud, kind, seed, read):
    seed(cloud)  # the other run created it after our read said it did not exist
    created, current = _ram.create_or_read(cloud.client('ram'), kind, 'x', ECS_TEXT if kind == 'role' else '{}', 'mine')
    assert created is False and current['description'] == 'theirs'  # theirs, for the caller to converge
    assert cloud.actions() == [f'Create{kind.title()}', read] and cloud.writes() == [f'Create{kind.title()}']
    if kind == 'policy':
        assert cloud.calls[-1][2] == {'PolicyType': 'Custom', 'PolicyName': 'x'}


@pytest.mark.parametrize('kind, exists, missing, message', [
    ('role', 'EntityAlreadyExists.Role', 'EntityNotExist.Role', 'role x was reported to exist by CreateRole but GetRole does not find it'),
    ('policy', 'EntityAlreadyExists.Policy', 'EntityNotExist.Policy',
     'policy x was reported to exist by CreatePolicy but GetPolicy does not find it'),
])
def test_create_or_read_fails_when_the_read_back_finds_nothing(cloud, kind, exists, missing, message):
    cloud.fail(f'Create{kind.title()}', exists)  # "exists", yet no read finds it (deleted again meanwhile)
    with pytest.raises(AlicloudApiError) as exc:
        _ram.create_or_read(cloud.client('ram'), kind, 'x', '{}')
    assert (exc.value.code, exc.value.message, exc.value.product, exc.value.action) == (missing, message, 'ram', f'Get{kind.title()}')


def test_create_or_read_raises_any_other_error_without_a_read(cloud):
    cloud.fail('CreateRole', 'Throttling.User')
    with pytest.raises(AlicloudApiError) as exc:
        _ram.create_or_read(cloud.client('ram'), 'role', 'x', ECS_TEXT)
    assert exc.value.code == 'Throttling.User' and cloud.actions() == ['CreateRole']


# ---------------------------------------------------------------- reads for the modules

def test_describe_role_completes_a_list_entry(cloud):
    cloud.add_role('r', policies=['System/AliyunKMSFullAccess'])
    ram = cloud.client('ram')
    entry = _ram.list_roles(ram)[0]
    assert _ram.describe_role(ram, entry)['assume_role_policy_document'] is None and cloud.actions() == ['ListRoles']
    role = _ram.describe_role(ram, entry, trust=True, policies=True)
    assert role == _ram.normalize_role(cloud.roles['r'], [KMS])
    assert cloud.actions() == ['ListRoles', 'GetRole', 'ListPoliciesForRole']
    cloud.calls.clear()
    assert _ram.describe_role(ram, cloud.roles['r'], trust=True) == _ram.normalize_role(cloud.roles['r'])
    assert cloud.actions() == []  # a GetRole body has its trust policy


@pytest.mark.parametrize('trust, policies', [(True, False), (False, True)])
def test_describe_role_of_a_role_that_vanished_meanwhile_is_none(cloud, trust, policies):
    entry = {'RoleName': 'gone'}
    assert _ram.describe_role(cloud.client('ram'), entry, trust=trust, policies=policies) is None
    cloud.fail('ListPoliciesForRole', 'Throttling.User')
    cloud.add_role('r')
    with pytest.raises(AlicloudApiError):
        _ram.describe_role(cloud.client('ram'), {'RoleName': 'r'}, policies=True)
