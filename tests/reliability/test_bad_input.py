# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input: every case fails with a message naming the option (or the instance), the rule and the API code,
and leaves the emulator's state exactly as it was (a digest taken after each case, and no write in the log).

The module cases run in one playbook, each followed by a digest; the unreachable endpoint runs in the
background (async) meanwhile, because the collection retries a refused connection for about half a minute.
The role's cases run in a second playbook, each in a block whose rescue keeps the failure.
"""

from __future__ import annotations

import json

from fleet import Fleet
from scenario import block, emuctl, play, task

ECS_TRUST = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': ['ecs.aliyuncs.com']}}]}
FC_TRUST = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': ['fc.aliyuncs.com']}}]}
DOC = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': ['kms:Decrypt'], 'Resource': ['*']}]}

RAM_ROLE = 'alicloud.instance_ram.ram_role'
RAM_POLICY = 'alicloud.instance_ram.ram_policy'
ATTACHMENT = 'alicloud.instance_ram.ram_role_policy_attachment'
BIND = 'alicloud.instance_ram.ecs_instance_ram_role'
KMS_CHECK = 'alicloud.instance_ram.kms_access_check'
CREDENTIALS_INFO = 'alicloud.instance_ram.instance_role_credentials_info'


def cases(ctx):
    """(case, module, arguments, fragments the message must hold: what, the rule, the API code or None)."""
    fleet = ctx['fleet']
    return [
        # ---- names, lengths and ranges
        ('role name with a character RAM refuses', RAM_ROLE, {'name': 'rel_bad!'},
         ['name', "letters, digits, '.' and '-'"], 'InvalidParameter.RoleName.InvalidChars'),
        ('role name of 65 characters', RAM_ROLE, {'name': 'r' * 65}, ['name', '1 to 64 characters'], 'InvalidParameter.RoleName.Length'),
        ('session duration below 3600 s', RAM_ROLE, {'name': 'rel-bad-new', 'max_session_duration': 900},
         ['max_session_duration', '3600 and 43200'], 'InvalidParameter.MaxSessionDuration'),
        ('session duration above 43200 s', RAM_ROLE, {'name': 'rel-bad-existing', 'max_session_duration': 50000},
         ['max_session_duration', '3600 and 43200'], 'InvalidParameter.MaxSessionDuration'),
        ('role description of 1025 characters', RAM_ROLE, {'name': 'rel-bad-new', 'description': 'd' * 1025},
         ['description', '1 to 1024 characters'], 'InvalidParameter.Description.Length'),
        ('policy name with a dot', RAM_POLICY, {'name': 'rel.bad', 'policy_document': DOC},
         ['name', "letters, digits and '-'"], 'InvalidParameter.PolicyName.InvalidChars'),
        ('policy name of 129 characters', RAM_POLICY, {'name': 'p' * 129, 'policy_document': DOC},
         ['name', '1 to 128 characters'], 'InvalidParameter.PolicyName.Length'),
        # ---- malformed documents
        ('trust policy that is not JSON', RAM_ROLE, {'name': 'rel-bad-new', 'assume_role_policy_document': '{"Version": "1",'},
         ['assume_role_policy_document', 'malformed JSON'], 'MalformedPolicyDocument'),
        ('trust policy without Principal', RAM_ROLE,
         {'name': 'rel-bad-existing', 'assume_role_policy_document': {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole'}]}},
         ['assume_role_policy_document', 'needs a Principal'], 'MalformedPolicyDocument'),
        ('permission policy with a Principal', RAM_POLICY,
         {'name': 'rel-bad-pol', 'policy_document': {'Version': '1', 'Statement': [{**DOC['Statement'][0], 'Principal': '*'}]}},
         ['policy_document', 'Principal is only allowed in a trust policy'], 'MalformedPolicyDocument'),
        ('policy Version 2', RAM_POLICY, {'name': 'rel-bad-pol', 'policy_document': {**DOC, 'Version': '2'}},
         ['policy_document', 'Version must be "1"'], 'MalformedPolicyDocument'),
        ('policy document of 6200 characters', RAM_POLICY,
         {'name': 'rel-bad-pol', 'policy_document': {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:*', 'Resource': 'x' * 6200}]}},
         ['policy_document', 'at most 6144 characters'], 'InvalidParameter.PolicyDocument.Length'),
        ('extra instance policy of 1100 characters', BIND,
         {'role_name': 'rel-bad-existing', 'instance_ids': fleet[:1],
          'policy': {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:*', 'Resource': 'y' * 1100}]}},
         ['policy', 'at most 1024 characters'], None),
        # ---- unknown policies and roles
        ('a new role with an unknown policy', RAM_ROLE, {'name': 'rel-bad-new', 'policies': ['AliyunKMSCryptoUserAccess', 'NoSuchPolicy']},
         ['policies', 'NoSuchPolicy does not exist'], 'EntityNotExist.Policy'),
        ('policy type that is neither System nor Custom', RAM_ROLE, {'name': 'rel-bad-existing', 'policies': ['Bogus/AliyunKMSFullAccess']},
         ['policies', 'System or Custom'], 'InvalidParameter.PolicyType'),
        ('attachment of an unknown policy next to a known one', ATTACHMENT,
         {'role_name': 'rel-bad-existing', 'policies': ['AliyunKMSCryptoUserAccess', 'Custom/no-such-policy']},
         ['policies', 'no-such-policy does not exist'], 'EntityNotExist.Policy'),
        ('attachment to a role that does not exist', ATTACHMENT, {'role_name': 'rel-bad-missing', 'policies': ['AliyunKMSCryptoUserAccess']},
         ["role 'rel-bad-missing' does not exist", 'never creates roles'], 'EntityNotExist.Role'),
        ('binding a role that does not exist', BIND, {'role_name': 'rel-bad-missing', 'instance_ids': fleet},
         ['role_name', 'does not exist'], 'InvalidRamRole.NotFound'),
        ('binding a role that does not trust ECS', BIND, {'role_name': 'rel-bad-fc', 'instance_ids': fleet},
         ['role_name', 'does not trust ecs.aliyuncs.com'], 'InvalidRamRole.NotEcsRole'),
        # ---- classic-network, missing and taken instances
        ('classic-network instances', BIND, {'role_name': 'rel-bad-existing', 'instance_ids': ctx['classic']},
         [ctx['classic'][0], ctx['classic'][1]], 'InvalidNetworkType.MismatchRamRole'),
        ('instances that do not exist', BIND, {'role_name': 'rel-bad-existing', 'instance_ids': ['i-reliabilitynone01', 'i-reliabilitynone02']},
         ['i-reliabilitynone01', 'i-reliabilitynone02'], 'InvalidInstanceId.NotFound'),
        ('an instance holding another role (on_conflict=fail)', BIND, {'role_name': 'rel-bad-existing', 'instance_ids': ctx['holding']},
         [ctx['holding'][0], 'InstanceRamRole.Conflict'], None),
        ('an empty instance id', BIND, {'role_name': 'rel-bad-existing', 'instance_ids': [fleet[0], ' ']},
         ['instance_ids', 'empty instance id'], None),
        ('no region for ECS', BIND, {'role_name': 'rel-bad-existing', 'instance_ids': fleet, 'region_id': ''},
         ['region_id', 'is required'], None),
        # ---- credentials and endpoints
        ('a wrong access key secret', RAM_ROLE, {'name': 'rel-bad-existing', 'access_key_secret': 'not-the-secret-of-this-key'},
         ['GetRole', 'request id'], 'SignatureDoesNotMatch'),
        ('an access key id that does not exist', RAM_ROLE, {'name': 'rel-bad-existing', 'access_key_id': 'LTAI5tNoSuchKey00000000'},
         ['GetRole', 'request id'], 'InvalidAccessKeyId.NotFound'),
        ('an expired security token', RAM_ROLE, {'name': 'rel-bad-existing', **ctx['expired']},
         ['GetRole', 'request id'], 'InvalidSecurityToken.Expired'),
        ('half a key pair', RAM_ROLE, {'name': 'rel-bad-existing', 'access_key_secret': None},
         ['access_key_id', 'must be given together'], None),
        ('plain http to an endpoint that is not loopback', RAM_ROLE, {'name': 'rel-bad-existing', 'ram_endpoint': 'http://ram.example.com'},
         ['ram_endpoint', 'plain http is only allowed for a loopback endpoint'], None),
        ('an assumed-role session of 100 s', RAM_ROLE, {'name': 'rel-bad-existing', 'assume_role_arn': 'acs:ram::2345678901234567:role/x',
                                                        'assume_role_duration': 100},
         ['assume_role_duration', '900 and 43200'], None),
        # ---- on the instance
        ('a KMS check without the key it needs', KMS_CHECK, {'checks': ['encrypt_decrypt']}, ['key_id', 'required by the encrypt_decrypt check'], None),
        ('a KMS check with a key that does not exist', KMS_CHECK, {'checks': ['encrypt_decrypt'], 'key_id': 'no-such-key'},
         ['encrypt_decrypt'], 'Forbidden.KeyNotFound'),
        ('credentials on an instance without a role', CREDENTIALS_INFO, {'metadata_proxy': ctx['no_role_proxy']},
         ['no RAM role is bound to this instance'], 'Metadata.NoRoleBound'),
        ('a metadata token lifetime of 0 s', CREDENTIALS_INFO, {'metadata_proxy': ctx['no_role_proxy'], 'metadata_token_ttl': 0},
         ['metadata_token_ttl', 'between 1 and 21600'], None),
    ]


def setup(h):
    h.create_role('rel-bad-existing', description='kept', policies=['AliyunKMSSecretUserAccess'])
    h.create_role('rel-bad-fc', trust=FC_TRUST)
    h.create_role('rel-bad-other')
    fleet = h.seed_instances(count=3, prefix='rel-bad-')
    with_role = h.seed_instances(count=1, prefix='rel-bad-r', ram_role_name='rel-bad-existing')[0]
    no_role = h.seed_instances(count=1, prefix='rel-bad-n')[0]
    cred = h.instance_credentials(with_role)
    assert h.control.expire_credentials(access_key_id=cred['AccessKeyId']) == 1
    return {'fleet': fleet, 'classic': h.seed_instances(count=2, prefix='rel-bad-c', network_type='classic'),
            'holding': h.seed_instances(count=1, prefix='rel-bad-h', ram_role_name='rel-bad-other'),
            'no_role_proxy': h.control.metadata_proxy(no_role),
            'expired': {'access_key_id': cred['AccessKeyId'], 'access_key_secret': cred['AccessKeySecret'], 'security_token': cred['SecurityToken']}}


def test_bad_input_is_refused_cleanly(h):
    ctx = setup(h)
    table = cases(ctx)
    unreachable = task('an unreachable endpoint', RAM_ROLE, {'name': 'rel-bad-existing', 'ram_endpoint': 'http://127.0.0.1:9'},
                       **{'async': 120, 'poll': 0, 'register': 'unreachable'})
    tasks = [unreachable, emuctl('digest 0', 'digest')]
    for n, (name, module, args, dummy, dummy2) in enumerate(table, 1):
        tasks += [task(name, module, args, ignore_errors=True), emuctl(f'digest {n}', 'digest')]
    tasks.append(task('the unreachable endpoint, when it gave up', 'ansible.builtin.async_status', {'jid': '{{ unreachable.ansible_job_id }}'},
                      register='gave_up', until='gave_up.finished', retries=120, delay=1, ignore_errors=True))
    defaults = {**h.auth, 'region_id': 'cn-hangzhou'}
    run = h.run([play('bad input', [block('bad input', tasks, defaults)])], 'bad-input')
    assert run.rc == 0, run.tail()

    refused = []
    for n, (name, module, args, fragments, code) in enumerate(table, 1):
        result = run.result(name)
        before, after = run.cursor(f'digest {n - 1}'), run.cursor(f'digest {n}')
        assert result['_status'] == 'ignored', f'{name}: not refused: {json.dumps(result)[:300]}'
        msg = result['msg']
        for fragment in fragments + ([code] if code else []):
            assert fragment in msg, f'{name}: the message does not name {fragment!r}: {msg}'
        assert after['digest'] == before['digest'], f'{name}: the emulator state changed'
        writes = [c['action'] for c in h.control.calls(since=before['cursor'], write=True) if c['seq'] <= after['cursor'] and c['status'] == 200]
        assert not writes, f'{name}: writes took effect: {writes}'
        refused.append((name, module, code))
    gave_up = run.result('the unreachable endpoint, when it gave up')
    assert gave_up['_status'] == 'ignored' and gave_up['finished'], gave_up
    assert 'Transport.ConnectionFailed' in gave_up['msg'] and '127.0.0.1' in gave_up['msg'] and 'after 8 attempts' in gave_up['msg']
    refused.append(('an unreachable endpoint', RAM_ROLE, 'Transport.ConnectionFailed'))
    assert h.roles()['rel-bad-existing']['description'] == 'kept' and 'rel-bad-new' not in h.roles()
    for name, module, code in refused:
        h.ledger.add('bad_input', name, module=module.rsplit('.', 1)[1], api_code=code)


ROLE_CASES = [
    # (case, role variables, fragments of the failure, API code or None)
    ('role: a role name with a space', {'kms_access_role_name': 'bad name'}, ['kms_access_role_name', "1 to 64 letters, digits, '.' and '-'"], None),
    ('role: a session of 100 s', {'kms_access_max_session_duration': 100}, ['kms_access_max_session_duration', '3600 to 43200'], None),
    ('role: an on_conflict that does not exist', {'kms_access_on_conflict': 'maybe'}, ['kms_access_on_conflict', 'fail, skip, replace'], None),
    ('role: a policy type that does not exist', {'kms_access_policies': ['Bogus/AliyunKMSFullAccess']},
     ['kms_access_policies', 'System/<name>, Custom/<name>'], None),
    ('role: a policy that does not exist', {'kms_access_policies': ['NoSuchPolicy']}, ['policies', 'NoSuchPolicy does not exist'],
     'EntityNotExist.Policy'),
    ('role: a key alias where a key id is needed', {'kms_access_key_ids': ['alias/app']}, ['kms_access_key_ids', 'not aliases'], None),
    ('role: something that is not an instance id', {'kms_access_instance_ids': ['web-1']}, ['kms_access_instance_ids', 'ECS instance ids'], None),
    ('role: a region id that is not one', {'kms_access_region_id': 'Hangzhou'}, ['kms_access_region_id', 'not a region id'], None),
    ('role: encrypt_decrypt without a key', {'kms_access_verify_checks': ['encrypt_decrypt'], 'kms_access_verify_key_id': ''},
     ['kms_access_verify_checks', 'kms_access_verify_key_id'], None),
    ('role: a trust policy without Principal', {'kms_access_trust_policy': {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole'}]}},
     ['assume_role_policy_document', 'needs a Principal'], 'MalformedPolicyDocument'),
    ('role: an empty role description', {'kms_access_role_description': ''}, ['kms_access_role_description', '1 to 1024'], None),
]


def test_bad_role_variables_are_refused_cleanly(h):
    fleet = Fleet(h, 'rel-bad-role', hosts=1, extra=0)
    tasks = [emuctl('digest 0', 'digest')]
    for n, (name, variables, dummy, dummy2) in enumerate(ROLE_CASES, 1):
        tasks += [{'name': name, 'block': [{'name': f'{name}: the role', 'ansible.builtin.include_role': {'name': 'alicloud.instance_ram.kms_access'},
                                            'vars': variables}],
                   'rescue': [{'name': f'{name}: refused', 'ansible.builtin.set_fact': {'refusal': '{{ ansible_failed_result.msg }}'}}]},
                  emuctl(f'digest {n}', 'digest')]
    plays = [{'name': 'bad role variables', 'hosts': 'all', 'gather_facts': False, 'vars': fleet.variables(), 'tasks': tasks}]
    run = h.run(plays, 'bad-role-variables', inventory=fleet.inventory(), env=h.environment)
    assert run.rc == 0, run.tail()
    for n, (name, dummy, fragments, code) in enumerate(ROLE_CASES, 1):
        refused = [r for r in run.records if r['task'] == f'{name}: refused']
        assert refused, f'{name}: not refused'
        msg = refused[-1]['result']['ansible_facts']['refusal']
        for fragment in fragments + ([code] if code else []):
            assert fragment in msg, f'{name}: the message does not name {fragment!r}: {msg}'
        before, after = run.cursor(f'digest {n - 1}'), run.cursor(f'digest {n}')
        assert after['digest'] == before['digest'], f'{name}: the emulator state changed'
        h.ledger.add('bad_input', name, module='kms_access role', api_code=code)
