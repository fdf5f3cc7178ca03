# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults: each module under each fault of issue 9 converges, or fails naming what failed and a rerun finishes.

One playbook per module, one phase per fault (scenario.py): the faults hit the module's own API calls, reads
and writes. After each phase the emulator's state must be the wanted one, every logical write must have taken
effect exactly once (from the call log; role bindings per instance), and every instance that had a role must
still have one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import pytest

from harness import ACCOUNT_ID, REGION
from scenario import FAULTS, READ_TIMEOUT, Phase, fault_rules, phase_tasks, play

ECS_TRUST = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': ['ecs.aliyuncs.com']}}]}
CRYPTO = 'AliyunKMSCryptoUserAccess'
SECRET = 'AliyunKMSSecretUserAccess'


def slug(kind):
    return ''.join(w[0] for w in kind.split())  # 'throttling burst' -> 'tb'


def document(actions, resource):
    return {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': actions, 'Resource': [resource]}]}


@dataclass
class Target:
    """A module under faults: what it is asked to do, which of its calls fail, and what must come out."""
    actions: list                   # (product, action) pairs the faults hit
    setup: Callable                 # (h, prefix) -> context
    job: Callable                   # (prefix, context) -> [(task name, module, args)]
    verify: Callable                # (h, prefix, context) -> None; asserts the emulator's state
    writes: Callable                # (prefix, context) -> the logical writes that must take effect once
    on_instance: bool = False       # run with the instance's credentials (no key) instead of the suite's keys
    may_fail: Callable = lambda kind: False   # faults after which a clean failure (and a rerun) is the promise
    count: int = 0                  # calls each fault rule hits, instead of the fault's own count


# ---------------------------------------------------------------- ram_role: create a role with a policy; update another
# Each job is one consistent wish (its rerun must change nothing): a new role, and an existing role whose
# description, duration and policies change.

def role_setup(h, p):
    h.create_role(f'{p}-old', policies=[CRYPTO], description='before')
    return {}


def role_job(p, dummy):
    new = {'name': f'{p}-new', 'description': 'new', 'policies': [f'System/{CRYPTO}']}
    update = {'name': f'{p}-old', 'description': 'after', 'max_session_duration': 7200, 'policies': [SECRET], 'purge_policies': True}
    return [('create', 'alicloud.instance_ram.ram_role', new), ('update', 'alicloud.instance_ram.ram_role', update)]


def role_verify(h, p, dummy):
    roles = h.roles()
    new, old = roles[f'{p}-new'], roles[f'{p}-old']
    assert json.loads(new['trust_document']) == ECS_TRUST
    assert (new['description'], new['max_session_duration'], set(new['attached'])) == ('new', 3600, {f'System:{CRYPTO}'})
    assert (old['description'], old['max_session_duration'], set(old['attached'])) == ('after', 7200, {f'System:{SECRET}'})


def role_writes(p, dummy):
    new, old = f'{p}-new', f'{p}-old'
    return [('CreateRole', new), ('AttachPolicyToRole', new, 'System', CRYPTO), ('UpdateRole', old, 'after', '7200', None),
            ('DetachPolicyFromRole', old, 'System', CRYPTO), ('AttachPolicyToRole', old, 'System', SECRET)]


# ---------------------------------------------------------------- ram_role_policy_attachment: attach one, detach another

def attachment_setup(h, p):
    h.create_role(f'{p}-role', policies=[SECRET])
    return {}


def attachment_job(p, dummy):
    present = {'role_name': f'{p}-role', 'policies': [CRYPTO]}
    absent = {'role_name': f'{p}-role', 'policies': [f'System/{SECRET}'], 'state': 'absent'}
    return [('attach', 'alicloud.instance_ram.ram_role_policy_attachment', present),
            ('detach', 'alicloud.instance_ram.ram_role_policy_attachment', absent)]


def attachment_verify(h, p, dummy):
    assert set(h.roles()[f'{p}-role']['attached']) == {f'System:{CRYPTO}'}


def attachment_writes(p, dummy):
    r = f'{p}-role'
    return [('AttachPolicyToRole', r, 'System', CRYPTO), ('DetachPolicyFromRole', r, 'System', SECRET)]


# ---------------------------------------------------------------- ram_policy: create a policy; a new document and description for another

def policy_docs(p):
    return (document(['kms:Decrypt'], f'acs:kms:*:*:key/{p}'),
            document(['kms:Decrypt', 'kms:Encrypt'], f'acs:kms:*:*:key/{p}'))


def compact(doc):
    return json.dumps(doc, separators=(',', ':'))


def policy_setup(h, p):
    h.api('ram', 'CreatePolicy', {'PolicyName': f'{p}-old', 'PolicyDocument': compact(policy_docs(p)[0]), 'Description': 'before'})
    return {}


def policy_job(p, dummy):
    v1, v2 = policy_docs(p)
    return [('create', 'alicloud.instance_ram.ram_policy', {'name': f'{p}-new', 'policy_document': v1, 'description': 'new'}),
            ('update', 'alicloud.instance_ram.ram_policy', {'name': f'{p}-old', 'policy_document': v2, 'description': 'after'})]


def policy_verify(h, p, dummy):
    policies = h.policies()
    for name, doc, description, versions in ((f'{p}-new', policy_docs(p)[0], 'new', 1), (f'{p}-old', policy_docs(p)[1], 'after', 2)):
        policy = policies[name]
        assert json.loads(policy['versions'][policy['default_version']]['document']) == doc
        assert policy['description'] == description
        assert len(policy['versions']) == versions, f"{name} has {len(policy['versions'])} versions, not {versions}: a document was written twice"


def policy_writes(p, dummy):
    return [('CreatePolicy', f'{p}-new'), ('CreatePolicyVersion', f'{p}-old', compact(policy_docs(p)[1])),
            ('UpdatePolicyDescription', f'{p}-old', 'after')]


# ---------------------------------------------------------------- ecs_instance_ram_role: 120 instances, 10 replaced

FLEET, HOLDING = 120, 10


def binding_setup(h, p):
    h.create_role(f'{p}-role')
    h.create_role(f'{p}-old')
    free = h.seed_instances(count=FLEET - HOLDING, prefix=f'{p}-')
    held = h.seed_instances(count=HOLDING, prefix=f'{p}-h', ram_role_name=f'{p}-old')
    return {'ids': free + held, 'held': held}


def binding_job(p, ctx):
    return [('bind', 'alicloud.instance_ram.ecs_instance_ram_role',
             {'role_name': f'{p}-role', 'instance_ids': ctx['ids'], 'on_conflict': 'replace'})]


def binding_verify(h, p, ctx):
    roles = h.instance_roles(ctx['ids'])
    assert set(roles.values()) == {f'{p}-role'}, f'not every instance holds {p}-role: {sorted(set(roles.values()), key=str)}'


def binding_writes(p, ctx):
    role = f'{p}-role'.lower()
    return ([('AttachInstanceRamRole', i, role) for i in ctx['ids']] +
            [('DetachInstanceRamRole', i, f'{p}-old'.lower()) for i in ctx['held']])


# ---------------------------------------------------------------- kms_access_check: on an instance, with its role only

def kms_setup(h, p):
    h.create_role(f'{p}-role', policies=['AliyunKMSFullAccess'])
    instance = h.seed_instances(count=1, prefix=f'{p}-', ram_role_name=f'{p}-role')[0]
    key = h.create_key(f'alias/{p}')
    h.create_secret(f'{p}-secret')
    cred = h.instance_credentials(instance)  # registered: the scan looks for them
    return {'instance': instance, 'key': key, 'proxy': h.control.metadata_proxy(instance), 'access_key_id': cred['AccessKeyId']}


def kms_job(p, ctx):
    return [('check', 'alicloud.instance_ram.kms_access_check',
             {'checks': ['list_keys', 'encrypt_decrypt', 'get_secret'], 'key_id': ctx['key'], 'secret_name': f'{p}-secret',
              'metadata_proxy': ctx['proxy']})]


def kms_verify(h, p, ctx):
    """Nothing to change in KMS: the checks' results are the state (Phase.check wants the rerun to pass them all).
    The credentials served now are still the ones registered before the run (the scan looked for them)."""
    assert h.instance_credentials(ctx['instance'])['AccessKeyId'] == ctx['access_key_id']


TARGETS = {
    'ram_role': Target([('RAM', 'GetRole'), ('RAM', 'CreateRole'), ('RAM', 'AttachPolicyToRole'), ('RAM', 'UpdateRole'),
                        ('RAM', 'DetachPolicyFromRole')],
                       role_setup, role_job, role_verify, role_writes),
    'ram_role_policy_attachment': Target([('RAM', 'ListPoliciesForRole'), ('RAM', 'GetPolicy'), ('RAM', 'AttachPolicyToRole'),
                                          ('RAM', 'DetachPolicyFromRole')],
                                         attachment_setup, attachment_job, attachment_verify, attachment_writes),
    # a new policy version is not safe to send twice: after a timeout or a dropped connection the module stops
    # (the outcome is unknown) rather than risk a second version; the rerun sees the version and writes nothing
    'ram_policy': Target([('RAM', 'GetPolicy'), ('RAM', 'CreatePolicy'), ('RAM', 'CreatePolicyVersion'), ('RAM', 'UpdatePolicyDescription')],
                         policy_setup, policy_job, policy_verify, policy_writes,
                         may_fail=lambda kind: FAULTS[kind]['kind'] in ('delay', 'drop')),
    'ecs_instance_ram_role': Target([('RAM', 'GetRole'), ('ECS', 'DescribeInstanceRamRole'), ('ECS', 'DetachInstanceRamRole'),
                                     ('ECS', 'AttachInstanceRamRole')],
                                    binding_setup, binding_job, binding_verify, binding_writes),
    'kms_access_check': Target([('KMS', 'ListKeys'), ('KMS', 'Encrypt'), ('KMS', 'Decrypt'), ('KMS', 'GetSecretValue')],
                               kms_setup, kms_job, kms_verify, lambda p, ctx: [], on_instance=True),
    # The instance metadata service is asked once (as by the SDKs' own credential providers, and botocore's
    # default): a failure there fails the task, naming the metadata step and why; the rerun passes. Both the
    # credential fetch and the module's explanation of the failure (a second fetch) meet the fault.
    'kms_access_check, metadata service': Target([('IMDS', 'MetadataCredentials')], kms_setup, kms_job, kms_verify, lambda p, ctx: [],
                                                 on_instance=True, may_fail=lambda kind: True, count=2),
}


@pytest.mark.parametrize('module', list(TARGETS))
def test_module_under_faults(h, module):
    target = TARGETS[module]
    phases, tasks = {}, []
    for kind, fault in FAULTS.items():
        prefix = f'rel-{slug(module.replace("_", " "))}-{slug(kind)}'
        ctx = target.setup(h, prefix)
        job = target.job(prefix, ctx)
        defaults = {'region_id': REGION, 'kms_endpoint': h.url} if target.on_instance else dict(h.auth)
        if fault['kind'] == 'delay':
            defaults['read_timeout'] = READ_TIMEOUT
        rules = fault_rules(fault, target.actions, target.count)
        phases[kind] = (prefix, ctx, job, rules)
        tasks += phase_tasks(kind, job, rules, defaults)
    before = {i['instance_id']: i for i in h.control.instances(account_id=ACCOUNT_ID)}
    run = h.run([play(f'{module} under faults', tasks)], f'faults-{slug(module.replace("_", " "))}')
    assert run.rc == 0, run.tail()

    for kind, (prefix, ctx, job, rules) in phases.items():
        phase = Phase(h, run, kind, job, rules)
        outcome = phase.check(may_fail=target.may_fail(kind))
        target.verify(h, prefix, ctx)
        ids = ctx.get('ids')
        actual = h.instance_roles(ids) if ids else None
        repeats = phase.writes_once(before, target.writes(prefix, ctx), actual)
        if ids:
            lost = [i for i in ids if before[i]['ram_role'] and not actual[i]]
            assert not lost, f'{kind}: instances that had a role have none: {lost}'
        h.ledger.add('fault', f'{module}: {kind}', target=module, fault=kind, outcome=outcome,
                     calls=len(phase.calls), faulted_calls=sum(1 for c in phase.calls if c.get('fault')),
                     harmless_repeats=repeats)
