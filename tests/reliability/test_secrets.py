# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets: every feature that touches one, at -vvvv with --diff, and none appears anywhere.

Every run of the suite is scanned (harness.SecretScan); this file adds the runs whose whole point is a secret:
an instance password, a KMS secret read by a lookup and by kms_access_check, the instance role's credentials
returned on purpose, an assumed role's session, and failures while secrets are in use. A positive control
shows that the scan does catch a secret printed on purpose.
"""

from __future__ import annotations

import json
import time

from harness import ACCESS_KEY_ID, ACCOUNT_ID, random_secret
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
        task('steps 3 and 4 in one run: the role from the metadata service, then KMS', 'alicloud.instance_ram.kms_access_check',
             {'metadata_credentials': True, 'checks': ['get_secret', 'list_keys'], 'secret_name': 'rel-sec-db-password',
              'metadata_proxy': proxy, 'access_key_id': '', 'access_key_secret': '', 'ecs_role_name': 'rel-sec-role'}),
        task('steps 3 and 4 in one run, a check failing', 'alicloud.instance_ram.kms_access_check',
             {'metadata_credentials': True, 'checks': ['get_secret'], 'secret_name': 'rel-sec-missing', 'metadata_proxy': proxy,
              'access_key_id': '', 'access_key_secret': ''}, ignore_errors=True),
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
    in_one = run.result('steps 3 and 4 in one run: the role from the metadata service, then KMS')
    assert in_one['passed'] and in_one['role_name'] == 'rel-sec-role' and in_one['credentials']['access_key_id'].startswith('STS.')
    assert run.result('steps 3 and 4 in one run, a check failing')['checks']['get_secret']['code'] == 'Forbidden.ResourceNotFound'
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


# ---------------------------------------------------------------- error paths of every credential source (issue 19)

def sts_failure_tasks(h, instance, profile_file):
    """One failing task per credential source and STS failure that never reaches the emulator's STS."""
    proxy = h.control.metadata_proxy(instance)
    assumed = f'acs:ram::{ACCOUNT_ID}:role/rel-sec-assumed'
    on_instance = {'access_key_id': '', 'access_key_secret': '', 'ecs_role_name': 'rel-sec-role', 'metadata_proxy': proxy,
                   'assume_role_arn': assumed, 'connect_timeout': 1, 'read_timeout': 2}
    tasks = []
    for label, endpoint in (('STS unreachable', 'http://127.0.0.1:9'), ('STS name unknown to DNS', 'sts.does-not-exist.invalid')):
        tasks.append(task(f'instance role + assume_role_arn, {label}', 'alicloud.instance_ram.ram_role_info',
                          {**on_instance, 'name': 'rel-sec-role', 'sts_endpoint': endpoint}, ignore_errors=True))
        tasks.append(task(f'the lookup on the instance role + assume_role_arn, {label}', 'ansible.builtin.set_fact',
                          {'never': "{{ lookup('alicloud.instance_ram.kms_secret', 'rel-sec-db-password', ecs_role_name='rel-sec-role', "
                                    f"metadata_proxy='{proxy}', assume_role_arn='{assumed}', sts_endpoint='{endpoint}', "
                                    "access_key_id='', access_key_secret='', connect_timeout=1) }}"},
                          ignore_errors=True))
    for kind in ('StsToken', 'AK'):
        tasks.append(task(f'{kind} profile + assume_role_arn, STS unreachable', 'alicloud.instance_ram.ram_role_info',
                          {'access_key_id': '', 'access_key_secret': '', 'profile': kind.lower(), 'profile_file': profile_file,
                           'assume_role_arn': assumed, 'sts_endpoint': 'http://127.0.0.1:9', 'name': 'rel-sec-role',
                           'connect_timeout': 1}, ignore_errors=True))
    return tasks


def test_credential_error_paths_at_vvvv(h, tmp_path):
    instance, _value = seed(h)
    credentials = h.instance_credentials(instance)
    profile_file = tmp_path / 'config.json'
    profile_file.write_text(json.dumps({'current': 'ak', 'profiles': [
        {'name': 'ststoken', 'mode': 'StsToken', 'access_key_id': credentials['AccessKeyId'],
         'access_key_secret': credentials['AccessKeySecret'], 'sts_token': credentials['SecurityToken'], 'region_id': 'cn-hangzhou'},
        {'name': 'ak', 'mode': 'AK', 'access_key_id': ACCESS_KEY_ID, 'access_key_secret': h.access_key_secret,
         'region_id': 'cn-hangzhou'}]}))
    tasks = sts_failure_tasks(h, instance, str(profile_file))
    run = h.run([play('credential error paths', [block('errors', tasks, h.auth)])], 'credential-error-paths',
                extra_vars={'secret_name': 'rel-sec-db-password'}, env=h.environment)
    assert run.rc == 0, run.tail()
    for t in tasks:
        result = run.result(t['name'])
        assert result['_status'] == 'ignored', (t['name'], result)  # failed, with ignore_errors
        assert 'InvalidCredentials' in result['msg'], (t['name'], result['msg'])
        assert 'SecurityToken=' + 'CAIS' not in json.dumps(result)
    h.ledger.add('secrets', 'credential error paths at -vvvv: STS unreachable and unknown to DNS (instance role, lookup, '
                 'StsToken and AK profiles)', secret_values=len(h.secrets.values))


def test_sts_faults_while_assuming_a_role_at_vvvv(h):
    instance, _value = seed(h)
    h.instance_credentials(instance)
    proxy = h.control.metadata_proxy(instance)
    on_instance = {'access_key_id': '', 'access_key_secret': '', 'ecs_role_name': 'rel-sec-role', 'metadata_proxy': proxy,
                   'assume_role_arn': f'acs:ram::{ACCOUNT_ID}:role/rel-sec-assumed', 'read_timeout': 1, 'name': 'rel-sec-role'}
    faults = [('STS 500 on every attempt', {'kind': 'error', 'count': 8}),
              ('STS throttling (Throttling.User) on every attempt', {'kind': 'throttle', 'code': 'Throttling.User', 'count': 8}),
              ('STS slower than the read timeout', {'kind': 'delay', 'delay_ms': 2500, 'count': 1})]
    for _label, fault in faults:  # rules apply in order, each to its own task's attempts
        h.control.set_fault(product='STS', action='AssumeRole', **fault)
    since = h.control.cursor()
    tasks = [task(f'instance role + assume_role_arn, {label}', 'alicloud.instance_ram.ram_role_info', on_instance, ignore_errors=True)
             for label, _fault in faults]
    run = h.run([play('STS faults', [block('sts', tasks, h.auth)])], 'sts-faults', env=h.environment)
    assert run.rc == 0, run.tail()
    codes = [run.result(t['name'])['error']['code'] for t in tasks]
    assert codes[:2] == ['InternalError', 'Throttling.User'], codes
    # the emulator logs the slow answer when it sends it, 2.5 s after the request: wait for it (bounded), then count
    deadline = time.monotonic() + 10
    while True:
        assumed = h.control.calls(product='STS', action='AssumeRole', since=since)
        if len(assumed) >= 17 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    # 8 attempts for each of the first two faults, one (a timeout is not retried) for the third, and none after a failure
    assert len(assumed) == 17, f'AssumeRole calls: {len(assumed)}, expected 8 + 8 + 1'
    for t in tasks:
        assert 'SecurityToken=' + 'CAIS' not in json.dumps(run.result(t['name']))
    h.control.clear_faults()
    h.ledger.add('secrets', 'STS faults while assuming a role at -vvvv: 500, Throttling.User, a read timeout (retried, then clean)',
                 secret_values=len(h.secrets.values), assume_role_calls=len(assumed))
