# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets: every feature that touches one, at -vvvv with --diff, and none appears anywhere.

Every run of the suite is scanned (harness.SecretScan); this file adds the runs whose whole point is a secret:
an instance password, a KMS secret read by a lookup and by kms_access_check, the instance role's credentials
returned on purpose, an assumed role's session, and failures while secrets are in use. A positive control
shows that the scan does catch a secret printed on purpose.
"""

from __future__ import annotations

from harness import ACCOUNT_ID, random_secret
from scenario import block, play, task

# the lookup takes its credentials and endpoint from the environment, as the modules can
LOOKUP = "{{ lookup('alicloud.instance_ram.kms_secret', secret_name) }}"


def seed(h):
    h.create_role('rel-sec-role', policies=['AliyunKMSFullAccess'])
    h.create_role('rel-sec-assumed', trust={'Version': '1', 'Statement': [
        {'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'RAM': [f'acs:ram::{ACCOUNT_ID}:root']}}]},
        policies=['AliyunRAMReadOnlyAccess'])
    instance = h.seed_instances(count=1, prefix='rel-sec-', ram_role_name='rel-sec-role')[0]
    value = h.create_secret('rel-sec-db-password')
    h.instance_credentials(instance)
    return instance, value


def assuming_user(h):
    """A RAM user allowed sts:AssumeRole (root keys may not assume roles): its key as module options."""
    user = h.control.create_user('rel-sec-assumer', account_id=ACCOUNT_ID, policies=['AliyunSTSAssumeRoleAccess'])
    h.secrets.register('the access key secret of the RAM user rel-sec-assumer', user['access_key_secret'])
    return {'access_key_id': user['access_key_id'], 'access_key_secret': user['access_key_secret']}


def test_positive_control_the_scan_catches_a_secret_shown_on_purpose(h):
    instance, dummy = seed(h)
    shown = [
        task('show the KMS secret value', 'ansible.builtin.debug', {'msg': LOOKUP}),
        task('write it to a file', 'ansible.builtin.copy',
             {'content': LOOKUP, 'dest': '{{ lookup("env", "TMPDIR") }}/leak.txt', 'mode': '0600'}),
        task('the instance credentials, returned on purpose', 'alicloud.instance_ram.instance_role_credentials_info',
             {'metadata_proxy': h.control.metadata_proxy(instance), 'return_secrets': True}, register='creds'),
        task('and printed without no_log', 'ansible.builtin.debug', {'msg': '{{ creds.credentials.security_token }}'}),
        task('the access key secret, printed', 'ansible.builtin.debug', {'msg': '{{ auth.access_key_secret }}'}),
    ]
    run = h.run([play('leak on purpose', shown)], 'positive-control', extra_vars={'secret_name': 'rel-sec-db-password'},
                env=h.environment, expect_leak=True)
    assert run.rc == 0, run.tail()
    leaks = set(run.leaks)
    for wanted in ('the KMS secret value of rel-sec-db-password in the output of ansible-playbook -vvvv',
                   "the KMS secret value of rel-sec-db-password in the result of task 'show the KMS secret value' (localhost)",
                   'the KMS secret value of rel-sec-db-password in file tmp/leak.txt',
                   f'the security token of {instance} in the output of ansible-playbook -vvvv',
                   'a security token (CAIS...) in the output of ansible-playbook -vvvv',
                   'the access key secret in the output of ansible-playbook -vvvv'):
        assert wanted in leaks, f'the scan missed: {wanted}; it found {sorted(leaks)}'
    # what Ansible censors by design stays censored even here
    assert not [leak for leak in leaks if "task 'the instance credentials, returned on purpose'" in leak]
    h.ledger.add('secrets', 'positive control: secrets shown on purpose are caught', caught=len(leaks))


def test_every_secret_feature_at_vvvv(h):
    instance, value = seed(h)
    proxy = h.control.metadata_proxy(instance)
    assumer = assuming_user(h)
    password = random_secret(20) + 'A1!'
    h.secrets.register('the instance password', password)
    wrong = random_secret()
    h.secrets.register('a wrong access key secret given to a module', wrong)
    tasks = [
        task('instances with a login password', 'alicloud.instance_ram.ecs_instance',
             {'name': 'rel-sec-pw', 'count': 2, 'password': password, 'image_id': 'aliyun_3_x64_20G_alibase_20240819.vhd',
              'instance_type': 'ecs.g7.large', 'vswitch_id': 'vsw-reliability', 'role_name': 'rel-sec-role', 'wait': False}),
        task('the same, in check mode with a diff', 'alicloud.instance_ram.ecs_instance',
             {'name': 'rel-sec-pw2', 'count': 1, 'password': password, 'image_id': 'aliyun_3_x64_20G_alibase_20240819.vhd',
              'instance_type': 'ecs.g7.large', 'vswitch_id': 'vsw-reliability'}, check_mode=True),
        task('the KMS secret, read by the lookup (no_log, as its documentation says)', 'ansible.builtin.set_fact',
             {'db_password': LOOKUP}, no_log=True),
        task('the value is there', 'ansible.builtin.assert', {'that': ['db_password | length == 32'], 'quiet': True}, no_log=True),
        task('the KMS secret, read by kms_access_check from the instance', 'alicloud.instance_ram.kms_access_check',
             {'checks': ['get_secret', 'list_keys'], 'secret_name': 'rel-sec-db-password', 'metadata_proxy': proxy,
              'access_key_id': '', 'access_key_secret': '', 'ecs_role_name': 'rel-sec-role'}),
        task('the instance role credentials, returned on purpose', 'alicloud.instance_ram.instance_role_credentials_info',
             {'metadata_proxy': proxy, 'return_secrets': True}, register='creds'),
        task('and used (their values never shown)', 'ansible.builtin.assert',
             {'that': ['creds.credentials.security_token is match("CAIS")'], 'quiet': True}, no_log=True),
        task('an assumed role session', 'alicloud.instance_ram.ram_role_info',
             {'name': 'rel-sec-role', 'assume_role_arn': f'acs:ram::{ACCOUNT_ID}:role/rel-sec-assumed', **assumer}),
        task('a failure while the secret is in use', 'alicloud.instance_ram.ram_role',
             {'name': 'rel-sec-role', 'access_key_secret': wrong}, ignore_errors=True),
        task('a failure of the metadata service while the instance role is in use', 'alicloud.instance_ram.kms_access_check',
             {'checks': ['get_secret'], 'secret_name': 'rel-sec-missing', 'metadata_proxy': proxy, 'access_key_id': '',
              'access_key_secret': '', 'ecs_role_name': 'rel-sec-role'}, ignore_errors=True),
        task('a role changed with --diff', 'alicloud.instance_ram.ram_role',
             {'name': 'rel-sec-role', 'description': 'diffed', 'policies': ['AliyunKMSFullAccess']}),
    ]
    run = h.run([play('secrets at -vvvv', [block('secrets', tasks, h.auth)])], 'every-secret-feature',
                extra_vars={'secret_name': 'rel-sec-db-password'}, env=h.environment)
    assert run.rc == 0, run.tail()
    assert run.result('the KMS secret, read by kms_access_check from the instance')['checks']['get_secret']['has_value'] is True
    assert run.result('the instance role credentials, returned on purpose').get('censored'), 'the result was not censored'
    assert run.result('an assumed role session')['_status'] == 'ok'
    assert run.result('a failure while the secret is in use')['error']['code'] == 'SignatureDoesNotMatch'
    assert run.result('a failure of the metadata service while the instance role is in use')['checks']['get_secret']['code'] \
        == 'Forbidden.ResourceNotFound'
    assert 'rel-sec-pw' in {i['name'][:10] for i in h.control.instances(account_id=ACCOUNT_ID)}
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in run.output, 'the -vvvv output shows no masked option at all'
    h.rescan(run)
    h.ledger.add('secrets', 'every secret feature at -vvvv (password, lookup, KMS secret, instance and assumed-role credentials, failures, diff)',
                 secret_values=len(h.secrets.values))
