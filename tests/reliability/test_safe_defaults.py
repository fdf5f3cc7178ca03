# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safe defaults: a trust policy of ECS alone, a warning for a trust policy open to anyone or to a whole account,
the instance metadata service in hardened mode (a token) unless asked otherwise."""

from __future__ import annotations

import json
import textwrap

import pytest
import yaml

from fleet import SITE, Fleet
from harness import ACCOUNT_ID, ROOT
from scenario import block, emuctl, play, task

ECS_ONLY = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': ['ecs.aliyuncs.com']}}]}


def trust(principal):
    return {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': principal}]}


OTHER_ACCOUNT = '3456789012345678'  # another account for the bare id: Ansible shows a repeated warning text only once
BROAD = {
    'anyone': ({'RAM': ['*']}, 'any principal ("*")'),
    'the whole account (root ARN)': ({'RAM': [f'acs:ram::{ACCOUNT_ID}:root']}, f'every RAM identity of account {ACCOUNT_ID} (acs:ram::{ACCOUNT_ID}:root)'),
    'the whole account (bare id)': ({'RAM': [OTHER_ACCOUNT]}, f'every RAM identity of account {OTHER_ACCOUNT} (acs:ram::{OTHER_ACCOUNT}:root)'),
}


def test_trust_defaults_to_ecs_alone_and_broad_trust_draws_a_warning(h):
    tasks = [task('a role without a trust policy', 'alicloud.instance_ram.ram_role', {'name': 'rel-safe-default'})]
    for n, (name, (principal, dummy)) in enumerate(BROAD.items()):
        tasks.append(task(f'trust {name}', 'alicloud.instance_ram.ram_role', {'name': f'rel-safe-broad-{n}', 'assume_role_policy_document': trust(principal)}))
    tasks.append(task('trust one role of the account', 'alicloud.instance_ram.ram_role',
                      {'name': 'rel-safe-narrow', 'assume_role_policy_document': trust({'RAM': [f'acs:ram::{ACCOUNT_ID}:role/deployer']})}))
    run = h.run([play('trust', [block('trust', tasks, h.auth)])], 'trust-defaults')
    assert run.rc == 0, run.tail()

    roles = h.roles()
    assert json.loads(roles['rel-safe-default']['trust_document']) == ECS_ONLY
    assert run.result('a role without a trust policy')['role']['assume_role_policy_document'] == ECS_ONLY
    for n, (name, (dummy, warning)) in enumerate(BROAD.items()):
        assert warning in run.output, f'no warning for a trust policy open to {name}'
        assert f'rel-safe-broad-{n}' in roles
    narrow = [r for r in run.records if r['task'] == 'trust one role of the account'][0]['result']
    assert not narrow.get('warnings'), narrow.get('warnings')
    assert run.output.count('[WARNING]: the trust policy lets') == len(BROAD)
    h.ledger.add('safe_default', 'ram_role: the trust policy defaults to ecs.aliyuncs.com alone')
    h.ledger.add('safe_default', f'ram_role: a trust policy open to anyone or a whole account draws a warning ({len(BROAD)} forms)')


def test_the_role_trusts_ecs_alone_by_default(h):
    fleet = Fleet(h, 'rel-safe-site', hosts=1, extra=0)
    run = fleet.run('site-defaults')
    assert run.rc == 0, run.tail()
    role = h.roles()[fleet.role]
    assert json.loads(role['trust_document']) == ECS_ONLY
    fleet.rescan(run)
    h.ledger.add('safe_default', 'kms_access role: the role it creates trusts ecs.aliyuncs.com alone')


def test_metadata_is_read_in_hardened_mode_by_default(h):
    h.create_role('rel-safe-imds', policies=['AliyunKMSFullAccess'])
    instance = h.seed_instances(count=1, prefix='rel-safe-imds-', ram_role_name='rel-safe-imds')[0]
    h.instance_credentials(instance)
    proxy = h.control.metadata_proxy(instance)
    on_instance = {'metadata_proxy': proxy, 'kms_endpoint': h.url, 'region_id': 'cn-hangzhou'}
    check = {'checks': ['list_keys'], 'ecs_role_name': 'rel-safe-imds'}
    refuse_tokens = [{'kind': 'error', 'product': 'IMDS', 'action': 'MetadataToken', 'code': 'Forbidden', 'status': 403}]
    tasks = [
        task('credentials, defaults', 'alicloud.instance_ram.instance_role_credentials_info', {}),
        task('KMS with the instance role, defaults', 'alicloud.instance_ram.kms_access_check', check),
        emuctl('no token from now on', 'set', json.dumps(refuse_tokens)),
        task('credentials when tokens are refused', 'alicloud.instance_ram.instance_role_credentials_info', {}, ignore_errors=True),
        task('KMS when tokens are refused', 'alicloud.instance_ram.kms_access_check', check, ignore_errors=True),
        task('tokenless only when asked', 'alicloud.instance_ram.instance_role_credentials_info', {'allow_tokenless': True}),
    ]
    start = h.control.cursor()
    run = h.run([play('metadata', [block('metadata', tasks, on_instance)])], 'metadata-hardened')
    h.control.clear_faults()
    assert run.rc == 0, run.tail()

    assert run.result('credentials, defaults')['metadata_mode'] == 'token'
    assert run.result('KMS with the instance role, defaults')['credential_provider'] == 'ecs_ram_role'
    refused = run.result('credentials when tokens are refused')
    assert refused['_status'] == 'ignored' and refused['error']['code'] == 'Metadata.TokenRefused', refused
    kms = run.result('KMS when tokens are refused')
    assert kms['_status'] == 'ignored' and 'Metadata.TokenRefused' in kms['msg'], kms.get('msg')
    assert run.result('tokenless only when asked')['metadata_mode'] == 'tokenless'
    # between the refusal and the explicit allow_tokenless, no credential left the metadata service
    marker = run.cursor('no token from now on')['cursor']
    served = [c for c in h.control.calls(since=marker, product='IMDS') if c['action'] == 'MetadataCredentials' and c['status'] == 200]
    assert len(served) == 1, f'credentials were served without a token {len(served)} times; only the allow_tokenless run may get them'
    assert [c for c in h.control.calls(since=start, product='IMDS') if c['action'] == 'MetadataToken' and c['status'] == 200]
    h.ledger.add('safe_default', 'instance metadata: hardened mode (token) by default; a refused token fails, never falls back')


def readme_controller_policy():
    """The controller policy the README's Security section shows (a ram_policy task in a yaml block)."""
    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    start = text.index("- name: The controller's own policy")
    block_ = textwrap.dedent(text[text.rfind('\n', 0, start) + 1:text.index('```', start)])
    return yaml.safe_load(block_)[0]['alicloud.instance_ram.ram_policy']['policy_document']


@pytest.mark.parametrize('policy', ['as shown', 'without ram:PassRole', 'without ram:CreateRole'])
def test_the_readme_controller_policy_is_enough_for_site_yml(h, policy):
    """Least privilege, shown and proved as a real user would use it: site.yml converges with the access key of a RAM
    user holding exactly the README's policy (root keys may not assume roles, reference 0b.8); with one action removed
    it fails, and the failure names what is missing."""
    fleet = Fleet(h, 'rel-least', hosts=1, extra=10)
    document = readme_controller_policy()
    missing = policy.removeprefix('without ')
    for statement in document['Statement']:
        statement['Action'] = [a for a in statement['Action'] if a != missing]
    user = h.control.create_user('rel-deployer', account_id=ACCOUNT_ID, policy_documents={
        'rel-deployer': json.loads(json.dumps(document).replace('EcsRamRoleTest', fleet.role))})
    h.secrets.register('the access key secret of the RAM user rel-deployer', user['access_key_secret'])
    start = h.control.cursor()
    env = {**h.environment, 'ALIBABA_CLOUD_ACCESS_KEY_ID': user['access_key_id'],
           'ALIBABA_CLOUD_ACCESS_KEY_SECRET': user['access_key_secret']}
    run = h.start(None, f'site-least-privilege-{policy}', playbook=SITE, inventory=fleet.inventory(), extra_vars=fleet.variables(),
                  env=env).wait()
    fleet.rescan(run)
    calls = [c for c in h.control.calls(since=start) if c['product'] in ('RAM', 'ECS')]
    principals = {c['principal'] for c in calls}
    assert principals == {f'acs:ram::{ACCOUNT_ID}:user/rel-deployer'}, principals
    if policy == 'as shown':
        assert run.rc == 0, run.tail()
        assert {c['action'] for c in calls if c['write']} == {'CreateRole', 'AttachPolicyToRole', 'AttachInstanceRamRole'}
        assert set(h.instance_roles(fleet.ids).values()) == {fleet.role}
        assert not [c for c in calls if c['status'] == 403], 'the policy as shown is never refused anything'
        h.ledger.add('safe_default', "README: the controller's least-privilege policy is enough for site.yml "
                                     "(run with the key of a RAM user holding only it)")
        return
    assert run.rc != 0, run.tail()
    refused = [c for c in calls if c['status'] == 403]
    assert refused, 'the emulator refused nothing'
    failed = [r for r in run.records if r['status'] == 'failed']
    assert len(failed) == 1, [r['task'] for r in failed]
    msg = failed[0]['result']['msg']
    if missing == 'ram:PassRole':
        assert failed[0]['task'] == 'Fail the hosts whose verification failed, or whose instance could not be found or bound'
        assert 'InvalidUser.PassRoleForbidden' in msg and fleet.ids[0] in msg, msg
        assert 'ram:PassRole' in msg, msg
        assert not any(h.instance_roles(fleet.ids).values())
    else:
        assert refused[0]['action'] == 'CreateRole' and refused[0]['code'] == 'NoPermission', refused
        assert 'NoPermission' in msg and 'missing permission: ram:CreateRole' in msg, msg
