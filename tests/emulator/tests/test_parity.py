# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parity of the unit-test fakes and the emulator: one scenario table, played through both, compared.

Every row sets up the same world in the fakes of tests/unit/plugins/test_support (FakeCloud for RAM, FakeEcs for
ECS, the canned answers of test_support/kms.py for KMS) and in the emulator, plays the same calls through the
fake and through the collection's own client (`ClientFactory` -> the official SDK -> the emulator), and compares
what the collection sees: error code, HTTP status and message, or the body fields it reads, and which of the calls
were writes. Each row also names the result it expects (an error of `alicloud_emulator.contract` or the fields)
and the reference section (alibaba-api.md; 0b overrides older sections, "assumption" = README, Fidelity
assumptions) that result follows.

Known, deliberate difference (not a row): FakeEcs compares role names exactly unless `fold_case`, the stricter of
the two plausible ECS answers (reference 0b.11 says only that RAM names are case-insensitive); its tests then
prove that the collection sends a role name as ECS reports it. The emulator compares without regard to case.
"""
from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from alicloud_emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_REGION, contract
from alicloud_emulator.dispatch import PRODUCTS
from alicloud_emulator.testing import collections_path

ROOT = Path(__file__).resolve().parents[3]  # the collection (its checkout or the copy tools/test.sh runs in)


def _collection_loader():
    """Make `ansible_collections.alicloud.instance_ram` importable, as tests/unit/conftest.py does for plain pytest."""
    if any(type(finder).__name__ == '_AnsibleCollectionFinder' for finder in sys.meta_path):
        return
    from ansible.plugins.loader import init_plugin_loader  # pylint: disable=import-outside-toplevel
    init_plugin_loader([collections_path(str(ROOT), str(ROOT / 'build'))])


_collection_loader()

# pylint: disable=wrong-import-position
from ansible_collections.alicloud.instance_ram.plugins.module_utils import _client  # noqa: E402
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError  # noqa: E402
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy  # noqa: E402
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support import ecs as ecs_fake  # noqa: E402
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support import kms as kms_fake  # noqa: E402
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support import ram as ram_fake  # noqa: E402

ROLE = 'ParityRole'
OTHER = 'ParityOther'
KMS_FULL = ('System', 'AliyunKMSFullAccess')
DOC = json.dumps(ram_fake.KMS_DOC)
TRUST = json.dumps({'Version': '1', 'Statement': [
    {'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': ['ecs.aliyuncs.com']}}]})


def ids(*names):
    return json.dumps(list(names))


# ------------------------------------------------------------------------------------ what the collection reads
def role_fields(body):
    return body['Role']['RoleName'], body['Role']['Arn']


def attached_policies(body):
    return sorted((p['PolicyType'], p['PolicyName']) for p in body['Policies']['Policy'])


def rows(body):
    """Attach/DetachInstanceRamRole: the counts and every row's instance, success, code and message."""
    found = [v for k, v in body.items() if k.endswith('Results')][0]
    return body['TotalCount'], body['FailCount'], [(r['InstanceId'], r['Success'], r['Code'], r['Message'])
                                                   for r in list(found.values())[0]]


def bindings(body):
    return body['TotalCount'], [(r['InstanceId'], r['RamRoleName']) for r in body['InstanceRamRoleSets']['InstanceRamRoleSet']]


def nothing(body):
    return {k: v for k, v in body.items() if k != 'RequestId'}


def arn(name):
    return f'acs:ram::1234567890123456:role/{name}'


@dataclass
class Row:
    """One scenario: `world` seeded in both, `setup` calls (each must succeed in both), then `call`, then `expect`."""
    name: str
    ref: str
    call: tuple  # (product, action, params)
    expect: object  # a contract.Error, or what `read` returns from the answer
    read: Callable = nothing
    setup: tuple = ()
    roles: dict = field(default_factory=dict)  # name -> [(type, policy)], in RAM and known to ECS
    instances: dict = field(default_factory=dict)  # id -> role held (or None)
    classic: tuple = ()
    kms: dict = field(default_factory=dict)  # the canned answers of the KMS fake (test_support/kms.py)
    emulator: Callable | None = None  # control -> credentials keywords: extra emulator-only setup (KMS rows)
    # a refusal: the emulator's answer carries AccessDeniedDetail with this AuthAction (newer gateways, reference 3.5),
    # which the collection adds to the message; the fake's canned refusal is an older gateway's, without it
    denied: str | None = None


def reader(control):
    """A RAM user with no policy: what a caller without KMS permissions is."""
    user = control.create_user('parity-reader')
    control.create_secret('db', 'parity-secret-value')
    return {'access_key_id': user['access_key_id'], 'access_key_secret': user['access_key_secret']}


def secret_owner(control):
    control.create_secret('db', 'parity-secret-value')
    return {}


SCENARIOS = [
    # ------------------------------------------------------------------ RAM roles
    Row('create a role', '1.2', ('ram', 'CreateRole', {'RoleName': ROLE, 'AssumeRolePolicyDocument': TRUST}),
        (ROLE, arn(ROLE)), read=role_fields),
    Row('create a role twice', '1.4', ('ram', 'CreateRole', {'RoleName': ROLE, 'AssumeRolePolicyDocument': TRUST}),
        contract.ROLE_EXISTS, setup=(('ram', 'CreateRole', {'RoleName': ROLE, 'AssumeRolePolicyDocument': TRUST}),)),
    Row('create a role whose name differs only in case', '0b.11',
        ('ram', 'CreateRole', {'RoleName': ROLE.lower(), 'AssumeRolePolicyDocument': TRUST}), contract.ROLE_EXISTS, roles={ROLE: []}),
    Row('get a missing role', '1.4', ('ram', 'GetRole', {'RoleName': 'MissingRole'}), contract.ROLE_NOT_FOUND),
    Row('get a role in another case: the name as created', '0b.11', ('ram', 'GetRole', {'RoleName': ROLE.upper()}),
        (ROLE, arn(ROLE)), read=role_fields, roles={ROLE: []}),
    Row('delete a role holding a policy', '1.4, 0b.7', ('ram', 'DeleteRole', {'RoleName': ROLE}), contract.ROLE_HAS_POLICIES,
        roles={ROLE: [KMS_FULL]}),
    Row('delete a missing role', '1.4', ('ram', 'DeleteRole', {'RoleName': 'MissingRole'}), contract.ROLE_NOT_FOUND),
    Row('delete a role after detaching its policy', '1.2', ('ram', 'DeleteRole', {'RoleName': ROLE}), {},
        roles={ROLE: [KMS_FULL]}, setup=(('ram', 'DetachPolicyFromRole', {'RoleName': ROLE, 'PolicyType': 'System',
                                                                          'PolicyName': 'AliyunKMSFullAccess'}),)),
    # ------------------------------------------------------------------ RAM attachments
    Row('attach a policy to a missing role', '1.4',
        ('ram', 'AttachPolicyToRole', {'RoleName': 'MissingRole', 'PolicyType': 'System', 'PolicyName': 'AliyunKMSFullAccess'}),
        contract.ROLE_NOT_FOUND),
    Row('attach a missing policy', '1.4',
        ('ram', 'AttachPolicyToRole', {'RoleName': ROLE, 'PolicyType': 'Custom', 'PolicyName': 'missing-policy'}),
        contract.POLICY_NOT_FOUND, roles={ROLE: []}),
    Row('attach a policy twice', '1.4',
        ('ram', 'AttachPolicyToRole', {'RoleName': ROLE, 'PolicyType': 'System', 'PolicyName': 'AliyunKMSFullAccess'}),
        contract.ROLE_POLICY_ATTACHED, roles={ROLE: [KMS_FULL]}),
    Row('attach with a bad PolicyType', '1.4',
        ('ram', 'AttachPolicyToRole', {'RoleName': ROLE, 'PolicyType': 'system', 'PolicyName': 'AliyunKMSFullAccess'}),
        contract.POLICY_TYPE_INVALID, roles={ROLE: []}),
    Row('attach to a role named in another case', '0b.11',
        ('ram', 'AttachPolicyToRole', {'RoleName': ROLE.lower(), 'PolicyType': 'System', 'PolicyName': 'AliyunKMSFullAccess'}),
        {}, roles={ROLE: []}),
    Row('detach a policy that is not attached', '1.4',
        ('ram', 'DetachPolicyFromRole', {'RoleName': ROLE, 'PolicyType': 'System', 'PolicyName': 'AliyunKMSFullAccess'}),
        contract.ROLE_POLICY_NOT_ATTACHED, roles={ROLE: []}),
    Row('detach from a missing role', '1.4',
        ('ram', 'DetachPolicyFromRole', {'RoleName': 'MissingRole', 'PolicyType': 'System', 'PolicyName': 'AliyunKMSFullAccess'}),
        contract.ROLE_NOT_FOUND),
    Row("list a role's policies", '1.2', ('ram', 'ListPoliciesForRole', {'RoleName': ROLE}), [KMS_FULL], read=attached_policies,
        roles={ROLE: [KMS_FULL]}),
    Row("list a missing role's policies", '1.4', ('ram', 'ListPoliciesForRole', {'RoleName': 'MissingRole'}), contract.ROLE_NOT_FOUND),
    # ------------------------------------------------------------------ RAM policies
    Row('create a policy twice', '1.4', ('ram', 'CreatePolicy', {'PolicyName': 'parity-policy', 'PolicyDocument': DOC}),
        contract.POLICY_EXISTS, setup=(('ram', 'CreatePolicy', {'PolicyName': 'parity-policy', 'PolicyDocument': DOC}),)),
    Row('get a missing policy', '1.4', ('ram', 'GetPolicy', {'PolicyType': 'Custom', 'PolicyName': 'missing-policy'}),
        contract.POLICY_NOT_FOUND),
    Row('a sixth policy version', '1.3, 1.4', ('ram', 'CreatePolicyVersion', {'PolicyName': 'parity-policy', 'PolicyDocument': DOC}),
        contract.VERSION_LIMIT, setup=(('ram', 'CreatePolicy', {'PolicyName': 'parity-policy', 'PolicyDocument': DOC}),)
        + (('ram', 'CreatePolicyVersion', {'PolicyName': 'parity-policy', 'PolicyDocument': DOC}),) * 4),
    Row('delete a policy with versions, not cascading', '1.4', ('ram', 'DeletePolicy', {'PolicyName': 'parity-policy'}),
        contract.POLICY_HAS_VERSIONS, setup=(('ram', 'CreatePolicy', {'PolicyName': 'parity-policy', 'PolicyDocument': DOC}),
                                             ('ram', 'CreatePolicyVersion', {'PolicyName': 'parity-policy', 'PolicyDocument': DOC}))),
    Row('delete a policy attached to a role', '1.4, 0b.7 (assumption: no source for .Role)',
        ('ram', 'DeletePolicy', {'PolicyName': 'parity-policy', 'CascadingDelete': True}), contract.POLICY_ATTACHED_TO_ROLE,
        roles={ROLE: []}, setup=(('ram', 'CreatePolicy', {'PolicyName': 'parity-policy', 'PolicyDocument': DOC}),
                                 ('ram', 'AttachPolicyToRole', {'RoleName': ROLE, 'PolicyType': 'Custom', 'PolicyName': 'parity-policy'}))),
    Row('delete a missing policy', '1.4', ('ram', 'DeletePolicy', {'PolicyName': 'missing-policy'}), contract.POLICY_NOT_FOUND),
    # ------------------------------------------------------------------ ECS instance RAM roles
    Row('attach a role', '2.2', ('ecs', 'AttachInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': ROLE,
                                                                  'InstanceIds': ids('i-parity1', 'i-parity2')}),
        (2, 0, [('i-parity1', True, '200', 'success'), ('i-parity2', True, '200', 'success')]), read=rows,
        roles={ROLE: []}, instances={'i-parity1': None, 'i-parity2': None}),
    Row('attach to an instance holding another role', '2.3 (assumption: the code is undocumented)',
        ('ecs', 'AttachInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': ROLE, 'InstanceIds': ids('i-parity1', 'i-parity2')}),
        (2, 1, [('i-parity1', False, contract.ROLE_ALREADY_ATTACHED.code, contract.ROLE_ALREADY_ATTACHED.message),
                ('i-parity2', True, '200', 'success')]), read=rows,
        roles={ROLE: [], OTHER: []}, instances={'i-parity1': OTHER, 'i-parity2': None}),
    Row('attach a role ECS does not know', '2.3',
        ('ecs', 'AttachInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': 'MissingRole', 'InstanceIds': ids('i-parity1')}),
        contract.RAM_ROLE_NOT_FOUND, instances={'i-parity1': None}),
    Row('attach to a missing instance: the whole call fails', '0b.5',
        ('ecs', 'AttachInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': ROLE, 'InstanceIds': ids('i-parity1', 'i-gone')}),
        contract.INSTANCE_NOT_FOUND, roles={ROLE: []}, instances={'i-parity1': None}),
    Row('attach to a classic instance: the whole call fails', '0b.5',
        ('ecs', 'AttachInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': ROLE, 'InstanceIds': ids('i-classic')}),
        contract.CLASSIC_NETWORK, roles={ROLE: []}, classic=('i-classic',)),
    Row('detach a role', '2.2', ('ecs', 'DetachInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': ROLE,
                                                                  'InstanceIds': ids('i-parity1')}),
        (1, 0, [('i-parity1', True, '200', 'Success')]), read=rows, roles={ROLE: []}, instances={'i-parity1': ROLE}),
    Row('detach from an instance holding no role', '2.3 (assumption: the code is undocumented)',
        ('ecs', 'DetachInstanceRamRole', {'RegionId': DEFAULT_REGION, 'InstanceIds': ids('i-parity1')}),
        (1, 1, [('i-parity1', False, contract.ROLE_NOT_ATTACHED.code, contract.ROLE_NOT_ATTACHED.message)]), read=rows,
        instances={'i-parity1': None}),
    Row('detach a role the instance does not hold', '2.3 (assumption: the code is undocumented)',
        ('ecs', 'DetachInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': ROLE, 'InstanceIds': ids('i-parity1')}),
        (1, 1, [('i-parity1', False, contract.ROLE_MISMATCH.code, contract.ROLE_MISMATCH.message)]), read=rows,
        roles={ROLE: [], OTHER: []}, instances={'i-parity1': OTHER}),
    Row('detach from a missing instance: the whole call fails', '0b.5',
        ('ecs', 'DetachInstanceRamRole', {'RegionId': DEFAULT_REGION, 'InstanceIds': ids('i-gone')}), contract.INSTANCE_NOT_FOUND),
    Row('read the roles of instances', '2.2',
        ('ecs', 'DescribeInstanceRamRole', {'RegionId': DEFAULT_REGION, 'InstanceIds': ids('i-parity1', 'i-parity2'), 'PageSize': 50}),
        (2, [('i-parity1', ROLE), ('i-parity2', '')]), read=bindings, roles={ROLE: []},
        instances={'i-parity1': ROLE, 'i-parity2': None}),
    Row('read the instances of a role', '2.2',
        ('ecs', 'DescribeInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': ROLE, 'PageSize': 50}),
        (1, [('i-parity2', ROLE)]), read=bindings, roles={ROLE: []}, instances={'i-parity1': None, 'i-parity2': ROLE}),
    Row('read the roles of a missing instance', '2.3',
        ('ecs', 'DescribeInstanceRamRole', {'RegionId': DEFAULT_REGION, 'InstanceIds': ids('i-parity1', 'i-gone'), 'PageSize': 50}),
        contract.INSTANCE_NOT_FOUND, instances={'i-parity1': None}),
    Row('read the instances of a role that does not exist', '0b.4',
        ('ecs', 'DescribeInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': 'MissingRole', 'PageSize': 50}),
        contract.RAM_ROLE_NOT_FOUND, instances={'i-parity1': None}),
    Row('read instances by ids and a role that does not exist', '0b.4',
        ('ecs', 'DescribeInstanceRamRole', {'RegionId': DEFAULT_REGION, 'RamRoleName': 'MissingRole', 'InstanceIds': ids('i-parity1'),
                                            'PageSize': 50}),
        contract.RAM_ROLE_NOT_FOUND, instances={'i-parity1': None}),
    Row('read the roles of 51 instances', '0b.4',
        ('ecs', 'DescribeInstanceRamRole', {'RegionId': DEFAULT_REGION, 'PageSize': 50,
                                            'InstanceIds': ids(*[f'i-parity{n}' for n in range(51)])}),
        contract.INSTANCE_IDS_MALFORMED, instances={f'i-parity{n}': None for n in range(51)}),
    Row('delete missing instances', '0b.2',
        ('ecs', 'DeleteInstances', {'RegionId': DEFAULT_REGION, 'InstanceId': ['i-parity1', 'i-gone'], 'Force': True}),
        contract.INSTANCES_NOT_FOUND, instances={'i-parity1': None}),
    # ------------------------------------------------------------------ KMS (the fake's canned answers)
    Row('read a secret without permission', '6.2', ('kms', 'GetSecretValue', {'SecretName': 'db'}), contract.KMS_DENIED,
        kms={'GetSecretValue': kms_fake.DENIED}, emulator=reader, denied='kms:GetSecretValue'),
    Row('read a missing secret', '6.2 (assumption for GetSecretValue)', ('kms', 'GetSecretValue', {'SecretName': 'missing'}),
        contract.SECRET_NOT_FOUND, kms={'GetSecretValue': kms_fake.SECRET_NOT_FOUND}, emulator=secret_owner),
    Row('encrypt with a missing key', '6.2',
        ('kms', 'Encrypt', {'KeyId': '00000000-0000-4000-8000-000000000000', 'Plaintext': 'cGFyaXR5'}),
        contract.KEY_NOT_FOUND, kms={'Encrypt': kms_fake.KEY_NOT_FOUND}),
]


# ------------------------------------------------------------------------------------ the two sides
class FakeSide:
    def __init__(self, row):
        self.cloud = ram_fake.FakeCloud()
        for name, policies in row.roles.items():
            self.cloud.add_role(name, policies=[f'{kind}/{policy}' for kind, policy in policies])
        self.ecs = ecs_fake.FakeEcs(vpc=list(row.instances), classic=row.classic,
                                    roles={i: r for i, r in row.instances.items() if r}, ecs_roles=tuple(row.roles))
        self.kms = kms_fake.FakeKms(**row.kms)

    def client(self, product):
        return {'ram': self.cloud.client('ram'), 'ecs': self.ecs, 'kms': self.kms}[product]

    def writes(self):
        return self.cloud.writes() + self.ecs.writes()


class EmulatorSide:
    def __init__(self, row, emu):
        self.control = emu.control
        for name, policies in row.roles.items():
            self.control.create_role(name, policies=[policy if kind == 'System' else {'type': kind, 'name': policy}
                                                     for kind, policy in policies])
        seeds = [{'instance_id': i, 'ram_role_name': r or ''} for i, r in row.instances.items()]
        seeds += [{'instance_id': i, 'network_type': 'classic'} for i in row.classic]
        if seeds:
            self.control.seed_instances(instances=seeds)
        keys = {'access_key_id': DEFAULT_ACCESS_KEY_ID, 'access_key_secret': DEFAULT_ACCESS_KEY_SECRET}
        if row.emulator is not None:
            keys.update(row.emulator(self.control))
        params = {**keys, 'region_id': DEFAULT_REGION, 'connect_timeout': 5.0, 'read_timeout': 10.0,
                  **{f'{product}_endpoint': emu.url for product in ('ram', 'ecs', 'kms', 'sts')}}
        self.factory = _client.ClientFactory(params, policy=RetryPolicy(max_attempts=1))  # every call once
        self.cursor = self.control.cursor()

    def client(self, product):
        return self.factory.client(product)

    def writes(self):
        return [entry['action'] for entry in self.control.write_calls(since=self.cursor)]


def play(side, row, denied=None):
    """The setup calls (each must succeed), then the row's call: a contract.Error, or what `row.read` takes from the answer.

    `denied`: the permission the collection must name in the message of the answer (it is then taken off).
    """
    for product, action, params in row.setup:
        side.client(product).call(action, dict(params))
    product, action, params = row.call
    try:
        body = side.client(product).call(action, dict(params))
    except AlicloudApiError as err:
        message = err.message
        if denied is not None:
            suffix = f' (missing permission: {denied})'
            assert message.endswith(suffix), message
            message = message[:-len(suffix)]
        return contract.Error(err.code, message, err.status)
    return row.read(body)


@pytest.mark.parametrize('row', SCENARIOS, ids=[row.name for row in SCENARIOS])
def test_the_fake_and_the_emulator_answer_alike(emu, row):
    fake = FakeSide(row)
    emulator = EmulatorSide(row, emu)
    fake_answer, emulator_answer = play(fake, row), play(emulator, row, row.denied)
    assert fake_answer == emulator_answer, f'{row.name} (reference {row.ref}): fake {fake_answer}, emulator {emulator_answer}'
    assert emulator_answer == row.expect, f'{row.name} (reference {row.ref})'
    # the same calls are writes (whatever their outcome) in the fake's record and in the emulator's call log
    assert fake.writes() == emulator.writes()


def test_the_table_covers_what_the_issue_names():
    # at least one row per product, for every disagreement issue 18 found, each with its reference section
    assert len(SCENARIOS) >= 20 and all(row.ref for row in SCENARIOS)
    assert {row.call[0] for row in SCENARIOS} == {'ram', 'ecs', 'kms'}
    errors = {row.expect for row in SCENARIOS if isinstance(row.expect, contract.Error)}
    assert {contract.ROLE_HAS_POLICIES, contract.POLICY_ATTACHED_TO_ROLE, contract.RAM_ROLE_NOT_FOUND,
            contract.INSTANCE_NOT_FOUND, contract.KEY_NOT_FOUND} <= errors
    row_codes = {code for row in SCENARIOS if row.read is rows for dummy, ok, code, msg in row.expect[2] if not ok}
    assert row_codes == {contract.ROLE_ALREADY_ATTACHED.code, contract.ROLE_NOT_ATTACHED.code, contract.ROLE_MISMATCH.code}


# ------------------------------------------------------------------------------------ writes
@pytest.mark.parametrize('product', ['RAM', 'ECS', 'KMS'])
def test_the_collection_counts_the_same_writes_as_the_contract(product):
    # every action the emulator serves for a product the collection calls through its ApiClient (STS is reached
    # through the credentials library only); the emulator's call log and the fakes use contract.is_write
    actions = sorted(next(p for p in PRODUCTS.values() if p.name == product).actions)
    assert actions and {a: _client.is_write(a) for a in actions} == {a: contract.is_write(a) for a in actions}


def test_the_fakes_and_the_emulator_classify_writes_by_the_contract():
    fake = FakeSide(SCENARIOS[0])
    fake.cloud.client('ram').call('CreateRole', {'RoleName': ROLE, 'AssumeRolePolicyDocument': TRUST})
    fake.cloud.client('ram').call('GetRole', {'RoleName': ROLE})
    fake.ecs.add('i-1')
    fake.ecs.call('DescribeInstanceRamRole', {'InstanceIds': ids('i-1'), 'PageSize': 50})
    fake.ecs.instances['i-1']['role'] = ROLE
    fake.ecs.call('DetachInstanceRamRole', {'InstanceIds': ids('i-1')})
    assert fake.writes() == ['CreateRole', 'DetachInstanceRamRole']


# ------------------------------------------------------------------------------------ a fake never invents a code
SUPPORT = ROOT / 'tests' / 'unit' / 'plugins' / 'test_support'


def invented_codes(path):
    """Error codes written as literals where a fake builds an error (AlicloudApiError, api_error, error rows)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Call) and getattr(node.func, 'id', getattr(node.func, 'attr', None)) in ('AlicloudApiError', 'error'):
            if node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)):
                found.append(f'{path.name}:{node.lineno}')
        if isinstance(node, ast.Tuple) and len(node.elts) == 2 and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                                                                       for e in node.elts):
            if '.' in node.elts[0].value and node.elts[0].value[:1].isupper() and ' ' in node.elts[1].value:
                found.append(f'{path.name}:{node.lineno}')  # a (code, message) row
    return sorted(found, key=lambda hit: int(hit.rsplit(":", 1)[1]))


def test_no_fake_invents_a_code():
    files = sorted(SUPPORT.glob('*.py'))
    assert [p.name for p in files if p.name in ('ram.py', 'ecs.py', 'kms.py')] == ['ecs.py', 'kms.py', 'ram.py']
    assert [hit for path in files for hit in invented_codes(path)] == []


def test_the_scan_finds_an_invented_code(tmp_path):
    planted = tmp_path / 'fake.py'
    planted.write_text("def f():\n    raise AlicloudApiError('EntityNotExist.Role', 'gone', status=404)\n"
                       "ROW = ('InvalidRamRole.NotAttached', 'the instance does not hold that RAM role')\n")
    assert invented_codes(planted) == ['fake.py:2', 'fake.py:3']
