# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live acceptance suite (``make live``): the guide end to end, then probes of the facts no public source settles,
and a short report of what the service answered (``<report-dir>/live-report.md`` and ``.json``).

Two targets, never mixed:

* the emulator (default; what ``make test`` runs): an emulator process is started, every endpoint points at it;
* a real account, only when ``ALICLOUD_LIVE=1`` **and** ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` are set, and
  ``ALICLOUD_LIVE_INSTANCE_ID`` names a VPC instance of that account without a RAM role (the suite binds its own role
  to it and unbinds it again). Run it on that instance (the metadata probes need 100.100.100.200), or set
  ``ALICLOUD_LIVE_INSTANCE_HOST`` to reach it over SSH for the guide's verification. ``ALICLOUD_LIVE_KMS_KEY_ID``
  (optional) adds the Encrypt/Decrypt round trip.

Without ``ALICLOUD_LIVE=1`` it refuses to start when any ``ALIBABA_CLOUD_*_ENDPOINT`` names a host that is not
loopback, and every client it builds checks its endpoint again (``Target.endpoint``), so a test run never sends a
packet to a real endpoint. Every resource it creates is named ``instram-live-<run id>-...``; leftovers of an earlier
run (``instram-live-`` roles and policies) are removed first, and everything of this run in ``finally``.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PREFIX = 'instram-live-'
REGION_DEFAULT = 'cn-hangzhou'
PRODUCTS = {'RAM': 'ram.aliyuncs.com', 'ECS': 'ecs.{region}.aliyuncs.com', 'KMS': 'kms.{region}.aliyuncs.com',
            'STS': 'sts.aliyuncs.com'}
METADATA = 'http://100.100.100.200'
ECS_TRUST = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow',
                                            'Principal': {'Service': ['ecs.aliyuncs.com']}}]}


class Refused(SystemExit):
    """The suite will not start (exit code 2), with the reason."""

    def __init__(self, reason: str):
        super().__init__(2)
        self.reason = reason


def is_loopback(endpoint: str) -> bool:
    """Whether an endpoint (``host``, ``host:port`` or a URL) names a loopback address or localhost.

    Deliberately independent of the collection's own check (plugins/module_utils/_network.py): this guard must hold
    even when the code under test is wrong."""
    text = endpoint if '://' in endpoint else f'http://{endpoint}'
    host = urllib.parse.urlsplit(text).hostname or ''
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_variables(env) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith('ALIBABA_CLOUD_') and k.endswith('_ENDPOINT') and v}


def choose_target(env) -> str:
    """'live' or 'emulator', or Refused: the only place that decides whether a real account may be reached."""
    live = env.get('ALICLOUD_LIVE') == '1'
    if not live:
        remote = {k: v for k, v in endpoint_variables(env).items() if not is_loopback(v)}
        if remote:
            names = ', '.join(f'{k}={v}' for k, v in sorted(remote.items()))
            raise Refused(f'refusing to start: {names} is not a loopback endpoint, and ALICLOUD_LIVE=1 is not set '
                          '(the live suite reaches a real account only when a maintainer sets ALICLOUD_LIVE=1)')
        return 'emulator'
    missing = [k for k in ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALICLOUD_LIVE_INSTANCE_ID')
               if not env.get(k)]
    if missing:
        raise Refused(f'ALICLOUD_LIVE=1 needs {", ".join(missing)}')
    return 'live'


class Target:
    """Where the suite's API calls go: endpoints, credentials, the instance and how to reach its metadata."""

    def __init__(self, mode: str, region: str, access_key_id: str, access_key_secret: str, endpoints: dict[str, str],
                 instance_id: str, key_id: str = '', metadata_proxy: str | None = None, account_id: str = ''):
        self.mode = mode
        self.region = region
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.endpoints = endpoints
        self.instance_id = instance_id
        self.key_id = key_id
        self.metadata_proxy = metadata_proxy
        self.account_id = account_id

    def endpoint(self, product: str) -> str:
        value = self.endpoints[product]
        if self.mode != 'live' and not is_loopback(value):  # the second guard: no client is ever built otherwise
            raise Refused(f'refusing to build a {product} client for {value}: not loopback and not a live run')
        return value

    def client(self, product: str, **credentials):
        # pylint: disable=import-outside-toplevel
        from alibabacloud_tea_openapi.models import Config
        module = {'RAM': 'alibabacloud_ram20150501', 'ECS': 'alibabacloud_ecs20140526', 'KMS': 'alibabacloud_kms20160120',
                  'STS': 'alibabacloud_sts20150401'}[product]
        cls = __import__(module + '.client', fromlist=['Client']).Client
        endpoint = self.endpoint(product)
        protocol = 'http' if is_loopback(endpoint) else 'https'
        credentials = credentials or {'access_key_id': self.access_key_id, 'access_key_secret': self.access_key_secret}
        return cls(Config(endpoint=endpoint.split('://')[-1], protocol=protocol, region_id=self.region, **credentials))

    def environment(self) -> dict[str, str]:
        """What ansible-playbook gets (nothing else of the caller's ALIBABA_CLOUD_* environment)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith('ALIBABA_CLOUD_')}
        env.update(ALIBABA_CLOUD_ACCESS_KEY_ID=self.access_key_id, ALIBABA_CLOUD_ACCESS_KEY_SECRET=self.access_key_secret,
                   ALIBABA_CLOUD_REGION_ID=self.region)
        if self.mode != 'live':
            for name in ('HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'):
                env.pop(name, None)  # only the emulator is ever reached
            for product in PRODUCTS:
                env[f'ALIBABA_CLOUD_{product}_ENDPOINT'] = 'http://' + self.endpoint(product).split('://')[-1]
        else:
            env.update(endpoint_variables(os.environ))
        return env


# ---------------------------------------------------------------------------------------------- answers
def answer(call) -> dict:
    """Run one API call; what the service answered, as data for the report (never a secret)."""
    # pylint: disable=import-outside-toplevel
    from Tea.exceptions import TeaException
    try:
        body = call()
    except TeaException as exc:
        data = exc.data if isinstance(exc.data, dict) else {}
        return {'ok': False, 'status': data.get('statusCode'), 'code': exc.code,
                'message': (data.get('Message') or str(exc.message)).split(' request id:')[0][:300]}
    except Exception as exc:  # pylint: disable=broad-exception-caught  # a transport failure is an answer too
        return {'ok': False, 'status': None, 'code': type(exc).__name__, 'message': str(exc)[:300]}
    return {'ok': True, 'status': 200, 'body': body.body.to_map() if hasattr(body, 'body') else body}


def attempts_until(call, ok, timeout: float, interval: float = 2.0) -> dict:
    """Repeat ``call`` until ``ok(answer)`` or ``timeout`` seconds: the answer, the number of tries, the seconds."""
    started = time.monotonic()
    tries = 0
    while True:
        tries += 1
        got = answer(call)
        if ok(got) or time.monotonic() - started >= timeout:
            return {**got, 'tries': tries, 'seconds': round(time.monotonic() - started, 1)}
        time.sleep(interval)


def metadata_get(target: Target, path: str, token_ttl: int | None = 60) -> tuple[int, str]:
    """One metadata read of the suite's instance (the emulator's per-instance proxy, or 100.100.100.200 direct)."""
    proxies = {'http': target.metadata_proxy} if target.metadata_proxy else {}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies))  # never an environment proxy
    headers = {}
    if token_ttl:
        put = urllib.request.Request(METADATA + '/latest/api/token', method='PUT',
                                     headers={'X-aliyun-ecs-metadata-token-ttl-seconds': str(token_ttl)})
        with opener.open(put, timeout=5) as resp:
            headers['X-aliyun-ecs-metadata-token'] = resp.read().decode()
    try:
        with opener.open(urllib.request.Request(METADATA + path, headers=headers), timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors='replace')


# ---------------------------------------------------------------------------------------------- resources
def _ram_models():
    from alibabacloud_ram20150501 import models  # pylint: disable=import-outside-toplevel
    return models


def _ecs_models():
    from alibabacloud_ecs20140526 import models  # pylint: disable=import-outside-toplevel
    return models


def cleanup(target: Target, prefix: str, log: list) -> None:
    """Unbind, detach and delete every role and custom policy whose name starts with ``prefix``."""
    ram, ecs = target.client('RAM'), target.client('ECS')
    rm, em = _ram_models(), _ecs_models()
    roles = answer(lambda: ram.list_roles(rm.ListRolesRequest(max_items=1000)))
    for role in (roles.get('body') or {}).get('Roles', {}).get('Role', []):
        name = role['RoleName']
        if not name.lower().startswith(prefix.lower()):
            continue
        bound = answer(lambda n=name: ecs.describe_instance_ram_role(em.DescribeInstanceRamRoleRequest(
            region_id=target.region, ram_role_name=n, page_size=50)))
        ids = [r['InstanceId'] for r in (bound.get('body') or {}).get('InstanceRamRoleSets', {}).get('InstanceRamRoleSet', [])]
        if ids:
            detached = answer(lambda n=name, i=ids: ecs.detach_instance_ram_role(em.DetachInstanceRamRoleRequest(
                region_id=target.region, ram_role_name=n, instance_ids=json.dumps(i))))
            log.append(('DetachInstanceRamRole', name, detached['ok']))
        attached = answer(lambda n=name: ram.list_policies_for_role(rm.ListPoliciesForRoleRequest(role_name=n)))
        for policy in (attached.get('body') or {}).get('Policies', {}).get('Policy', []):
            answer(lambda n=name, p=policy: ram.detach_policy_from_role(rm.DetachPolicyFromRoleRequest(
                role_name=n, policy_name=p['PolicyName'], policy_type=p['PolicyType'])))
        deleted = attempts_until(lambda n=name: ram.delete_role(rm.DeleteRoleRequest(role_name=n)),
                                 lambda a: a['ok'] or a['code'] == 'EntityNotExist.Role', 60)
        log.append(('DeleteRole', name, deleted['ok']))
    policies = answer(lambda: ram.list_policies(rm.ListPoliciesRequest(policy_type='Custom', max_items=1000)))
    for policy in (policies.get('body') or {}).get('Policies', {}).get('Policy', []):
        if policy['PolicyName'].startswith(prefix):
            deleted = attempts_until(lambda p=policy: ram.delete_policy(rm.DeletePolicyRequest(
                policy_name=p['PolicyName'], cascading_delete=True)), lambda a: a['ok'] or a['code'] == 'EntityNotExist.Policy', 60)
            log.append(('DeletePolicy', policy['PolicyName'], deleted['ok']))


# ---------------------------------------------------------------------------------------------- the guide
def run_guide(target: Target, prefix: str, work: Path, env: dict) -> dict:
    host = {'instance_id': target.instance_id}
    if target.metadata_proxy:
        host.update(metadata_proxy=target.metadata_proxy, ansible_connection='local')
    elif os.environ.get('ALICLOUD_LIVE_INSTANCE_HOST'):
        host.update(ansible_host=os.environ['ALICLOUD_LIVE_INSTANCE_HOST'])
    else:
        host.update(ansible_connection='local')
    host['ansible_python_interpreter'] = sys.executable if host.get('ansible_connection') == 'local' else 'auto_silent'
    inventory = {'all': {'children': {'live_instance': {'hosts': {'live-instance': host}}},
                         'vars': {'live_prefix': prefix, 'live_key_id': target.key_id,
                                  'kms_access_region_id': target.region}}}
    (work / 'inventory.json').write_text(json.dumps(inventory), encoding='utf-8')
    argv = [sys.executable, '-m', 'ansible.cli.playbook', '-i', str(work / 'inventory.json'), str(HERE / 'guide.yml')]
    started = time.monotonic()
    proc = subprocess.run(argv, env={**env, 'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_LOCALHOST_WARNING': 'false'},
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    (work / 'guide-output.txt').write_text(proc.stdout, encoding='utf-8')
    recap = [line for line in proc.stdout.splitlines() if 'ok=' in line and 'failed=' in line]
    return {'rc': proc.returncode, 'seconds': round(time.monotonic() - started, 1), 'recap': recap,
            'tail': proc.stdout.splitlines()[-25:] if proc.returncode else []}


# ---------------------------------------------------------------------------------------------- probes
def run_probes(target: Target, prefix: str) -> list[dict]:
    """Each probe: the question, what was sent, what the service answered. Resources are named after ``prefix``."""
    ram, ecs, sts = target.client('RAM'), target.client('ECS'), target.client('STS')
    rm, em = _ram_models(), _ecs_models()
    from alibabacloud_sts20150401 import models as sm  # pylint: disable=import-outside-toplevel
    probes = []

    def probe(name, question, sent, got):
        probes.append({'probe': name, 'question': question, 'sent': sent, 'answer': got})
        return got

    role_a, role_b = f'{prefix}a', f'{prefix}b'
    fake = [f'i-{prefix[-8:]}{n:012d}'[:22] for n in range(60)]
    inst = target.instance_id
    who = answer(sts.get_caller_identity)
    identity = (who.get('body') or {})
    probe('caller', 'who the suite is (GetCallerIdentity)', 'GetCallerIdentity',
          {'ok': who['ok'], 'IdentityType': identity.get('IdentityType'), 'has UserId': 'UserId' in identity})
    account = identity.get('AccountId') or target.account_id
    ram.create_role(rm.CreateRoleRequest(role_name=role_a, assume_role_policy_document=json.dumps(ECS_TRUST)))
    trust_b = {'Version': '1', 'Statement': [ECS_TRUST['Statement'][0], {
        'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'RAM': [f'acs:ram::{account}:root']}}]}
    ram.create_role(rm.CreateRoleRequest(role_name=role_b, assume_role_policy_document=json.dumps(trust_b)))

    def attach(role, ids):
        return lambda: ecs.attach_instance_ram_role(em.AttachInstanceRamRoleRequest(
            region_id=target.region, ram_role_name=role, instance_ids=json.dumps(ids)))

    def describe(ids=None, role=None):
        return lambda: ecs.describe_instance_ram_role(em.DescribeInstanceRamRoleRequest(
            region_id=target.region, instance_ids=json.dumps(ids) if ids else None, ram_role_name=role, page_size=50))

    probe('attach-with-a-missing-instance', 'Attach of [instance, missing id]: whole-call error or per-instance rows?',
          f'AttachInstanceRamRole {role_a} [{inst}, {fake[0]}]', _short(answer(attach(role_a, [inst, fake[0]]))))
    bound = probe('ecs-sees-a-new-role', 'how long until ECS accepts a role RAM just created (AttachInstanceRamRole)',
                  f'AttachInstanceRamRole {role_a} [{inst}] until it succeeds (60 s at most)',
                  _short(attempts_until(attach(role_a, [inst]), lambda a: a['ok'] or a['code'] not in (
                      'InvalidRamRole.NotFound',), 60)))
    probe('attach-to-an-instance-holding-a-role', 'Attach of another role to an instance that already holds one',
          f'AttachInstanceRamRole {role_b} [{inst}]', _short(answer(attach(role_b, [inst]))))
    probe('attach-the-same-role-again', 'Attach of the role the instance already holds',
          f'AttachInstanceRamRole {role_a} [{inst}]', _short(answer(attach(role_a, [inst]))))
    probe('describe-ram-role-51-ids', 'DescribeInstanceRamRole with 51 ids (the documented limit is 50 or 100)',
          '51 ids: the instance + 50 ids that do not exist', _short(answer(describe([inst] + fake[:50]))))
    probe('describe-ram-role-50-ids', 'DescribeInstanceRamRole with 50 ids, 49 of them missing',
          '50 ids: the instance + 49 ids that do not exist', _short(answer(describe([inst] + fake[:49]))))
    probe('describe-ram-role-missing-role', 'DescribeInstanceRamRole by a RamRoleName that does not exist',
          f'RamRoleName={prefix}missing', _short(answer(describe(role=f'{prefix}missing'))))
    probe('describe-instances-max-results-5', 'DescribeInstances with MaxResults=5: clamped or refused?', 'MaxResults=5',
          _short(answer(lambda: ecs.describe_instances(em.DescribeInstancesRequest(region_id=target.region, max_results=5))),
                 keep=('TotalCount',)))
    probe('describe-instances-bad-status', 'DescribeInstances with Status=Sleeping', 'Status=Sleeping',
          _short(answer(lambda: ecs.describe_instances(em.DescribeInstancesRequest(region_id=target.region, status='Sleeping')))))
    probe('assume-role-with-the-suite-key', 'AssumeRole signed with the suite key (root keys may not assume roles)',
          f'AssumeRole acs:ram::{account}:role/{role_b}', _short(answer(lambda: sts.assume_role(sm.AssumeRoleRequest(
              role_arn=f'acs:ram::{account}:role/{role_b}', role_session_name='instram-live')))))
    if bound.get('ok'):
        probes.extend(metadata_probes(target, role_a))
    ram.attach_policy_to_role(rm.AttachPolicyToRoleRequest(policy_type='System', policy_name='AliyunKMSCryptoUserAccess',
                                                           role_name=role_b))
    ram.detach_policy_from_role(rm.DetachPolicyFromRoleRequest(policy_type='System', policy_name='AliyunKMSCryptoUserAccess',
                                                               role_name=role_b))
    probe('delete-role-right-after-detach', 'DeleteRole right after DetachPolicyFromRole: DeleteConflict for a while?',
          f'DeleteRole {role_b} until it succeeds (60 s at most)',
          _short(attempts_until(lambda: ram.delete_role(rm.DeleteRoleRequest(role_name=role_b)),
                                lambda a: a['ok'] or a['code'] != 'DeleteConflict.Role.Policy', 60, 1.0)))
    return probes


def metadata_probes(target: Target, role: str) -> list[dict]:
    """Credentials from the instance's metadata, and a KMS call with them (needs the instance's metadata service)."""
    if target.mode == 'live':
        try:
            here = metadata_get(target, '/latest/meta-data/instance-id')
        except OSError as exc:
            here = (0, str(exc))
        if here != (200, target.instance_id):
            return [{'probe': 'metadata', 'question': 'credentials from the instance metadata',
                     'sent': '-', 'answer': {'skipped': 'not run on ALICLOUD_LIVE_INSTANCE_ID'}}]
    started = time.monotonic()
    tries = 0
    while True:
        tries += 1
        status, text = metadata_get(target, '/latest/meta-data/ram/security-credentials/' + role)
        if status == 200 or time.monotonic() - started > 60:
            break
        time.sleep(2)
    found = [{'probe': 'metadata-credentials-after-binding', 'question': 'how long until the metadata serves the role',
              'sent': f'GET .../security-credentials/{role} (token) until 200',
              'answer': {'status': status, 'tries': tries, 'seconds': round(time.monotonic() - started, 1)}}]
    status_tokenless = None
    try:
        status_tokenless = metadata_get(target, '/latest/meta-data/instance-id', token_ttl=None)[0]
    except OSError:
        pass
    found.append({'probe': 'metadata-tokenless-read', 'question': 'a metadata read without a token',
                  'sent': 'GET /latest/meta-data/instance-id', 'answer': {'status': status_tokenless}})
    if status != 200:
        return found
    cred = json.loads(text)
    kms = target.client('KMS', access_key_id=cred['AccessKeyId'], access_key_secret=cred['AccessKeySecret'],
                        security_token=cred['SecurityToken'])
    from alibabacloud_kms20160120 import models as km  # pylint: disable=import-outside-toplevel
    found.append({'probe': 'kms-with-instance-credentials', 'question': 'ListKeys with the instance credentials '
                  '(role without policies: denied; the answer shows the denial shape)', 'sent': 'ListKeys',
                  'answer': _short(answer(lambda: kms.list_keys(km.ListKeysRequest())), keep=('TotalCount',))})
    if target.key_id:
        found.append({'probe': 'kms-encrypt-plaintext-not-base64', 'question': 'Encrypt with a Plaintext that is not Base64',
                      'sent': 'Encrypt Plaintext="not base64!"', 'answer': _short(answer(lambda: target.client('KMS').encrypt(
                          km.EncryptRequest(key_id=target.key_id, plaintext='not base64!'))))})
    return found


def _short(got: dict, keep: tuple[str, ...] = ()) -> dict:
    """An answer without its body, except per-instance result rows and the ``keep`` fields."""
    out = {k: v for k, v in got.items() if k != 'body'}
    body = got.get('body') or {}
    for key in ('AttachInstanceRamRoleResults', 'DetachInstanceRamRoleResults'):
        if key in body:
            rows = next(iter(body[key].values()), [])
            out['rows'] = [{k: r.get(k) for k in ('InstanceId', 'Success', 'Code')} for r in rows]
    if 'InstanceRamRoleSets' in body:
        out['TotalCount'] = body.get('TotalCount')
    if 'Instances' in body:
        out['returned'] = len(body['Instances'].get('Instance', []))
    out.update({k: body[k] for k in keep if k in body})
    return out


# ---------------------------------------------------------------------------------------------- report
def write_report(out: Path, data: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / 'live-report.json').write_text(json.dumps(data, indent=2), encoding='utf-8')
    lines = [f'# Live acceptance report ({data["target"]}, {data["date"]})', '',
             f'Guide end to end: rc={data["guide"]["rc"]} in {data["guide"]["seconds"]} s; '
             + ' '.join(data['guide']['recap']), '', '| probe | question | sent | answer |', '| --- | --- | --- | --- |']
    for p in data['probes']:
        lines.append(f'| {p["probe"]} | {p["question"]} | {p["sent"]} | `{json.dumps(p["answer"], sort_keys=True)}` |')
    lines += ['', 'Cleanup: ' + ', '.join(f'{a} {n}: {"ok" if ok else "FAILED"}' for a, n, ok in data['cleanup'])
              + f'; leftovers with the prefix afterwards: {data["leftovers"]}', '']
    if data.get('api_calls'):
        lines += [f'API calls (emulator call log, {sum(data["api_calls"].values())} in all): '
                  + ', '.join(f'{k} {v}' for k, v in sorted(data['api_calls'].items())), '']
    (out / 'live-report.md').write_text('\n'.join(lines), encoding='utf-8')


def leftovers(target: Target, prefix: str) -> list[str]:
    ram, rm = target.client('RAM'), _ram_models()
    roles = answer(lambda: ram.list_roles(rm.ListRolesRequest(max_items=1000))).get('body') or {}
    policies = answer(lambda: ram.list_policies(rm.ListPoliciesRequest(policy_type='Custom', max_items=1000))).get('body') or {}
    return [r['RoleName'] for r in roles.get('Roles', {}).get('Role', []) if r['RoleName'].lower().startswith(prefix.lower())] \
        + [p['PolicyName'] for p in policies.get('Policies', {}).get('Policy', []) if p['PolicyName'].startswith(prefix)]


def execute(target: Target, report_dir: Path, work: Path, counters=None) -> int:
    prefix = f'{PREFIX}{secrets.token_hex(4)}-'
    log: list = []
    cleanup(target, PREFIX, log)  # leftovers of an earlier, interrupted run
    data = {'target': target.mode, 'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), 'prefix': prefix}
    try:
        data['guide'] = run_guide(target, prefix.rstrip('-'), work, target.environment())
        data['probes'] = run_probes(target, prefix)
    finally:
        cleanup(target, prefix, log)
        data['cleanup'] = log
        data['leftovers'] = leftovers(target, prefix)
        data.setdefault('guide', {'rc': None, 'seconds': 0, 'recap': []})
        data.setdefault('probes', [])
        if counters is not None:  # the emulator's call counts by action (a real account has no such log)
            data['api_calls'] = counters()
        write_report(report_dir, data)
    print((report_dir / 'live-report.md').read_text(encoding='utf-8'))
    if data['guide']['rc'] != 0:
        print('\n'.join(data['guide'].get('tail', [])), file=sys.stderr)
        return 1
    return 1 if data['leftovers'] else 0


def emulator_target(emu, control) -> Target:
    # pylint: disable-next=import-outside-toplevel
    from alicloud_emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_ACCOUNT_ID, DEFAULT_REGION
    instance = control.seed_instances(count=1, prefix=PREFIX + 'instance-')[0]
    key = control.create_key(alias='alias/instram-live')['key_id']
    return Target('emulator', DEFAULT_REGION, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET,
                  {p: emu.endpoint for p in PRODUCTS}, instance, key, control.metadata_proxy(instance), DEFAULT_ACCOUNT_ID)


def live_target(env) -> Target:
    region = env.get('ALIBABA_CLOUD_REGION_ID') or REGION_DEFAULT
    endpoints = {p: env.get(f'ALIBABA_CLOUD_{p}_ENDPOINT') or host.format(region=region) for p, host in PRODUCTS.items()}
    return Target('live', region, env['ALIBABA_CLOUD_ACCESS_KEY_ID'], env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'], endpoints,
                  env['ALICLOUD_LIVE_INSTANCE_ID'], env.get('ALICLOUD_LIVE_KMS_KEY_ID', ''))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--report-dir', default=str(ROOT / 'build' / 'live'), help='where live-report.md/.json go')
    args = parser.parse_args(argv)
    try:
        mode = choose_target(os.environ)
    except Refused as exc:
        print(f'live suite: {exc.reason}', file=sys.stderr)
        return 2
    report_dir = Path(args.report_dir)
    work = report_dir / 'work'
    work.mkdir(parents=True, exist_ok=True)
    if mode == 'live':
        return execute(live_target(os.environ), report_dir, work)
    from alicloud_emulator.testing import EmulatorProcess  # pylint: disable=import-outside-toplevel
    with EmulatorProcess() as emu:
        try:
            return execute(emulator_target(emu, emu.control), report_dir, work, emu.control.counters)
        except Refused as exc:
            print(f'live suite: {exc.reason}', file=sys.stderr)
            return 2


if __name__ == '__main__':
    sys.exit(main())
