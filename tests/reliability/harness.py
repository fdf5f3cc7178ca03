# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reliability suite's harness: the emulator, ansible-playbook runs at -vvvv, the secret scan, the write ledger.

Every playbook of the suite goes through `Harness.run` (or `Harness.start` for concurrent runs), which

* writes the play, its inventory and its variables into a run directory of its own (`input/`),
* runs `ansible-playbook -vvvv --diff` with HOME, TMPDIR, Ansible's temporary directories, its async directory
  and a log file all inside that run directory, and a recording callback that keeps every task result,
* scans everything the run printed, every task result and every file the run left in its directory (except
  `input/`, which the suite wrote) for each secret registered in the emulator and for any emulator security
  token (`CAIS...`), and fails the test naming the secret and the place (never the value).

So every scenario of every test file is a secrets scenario too; the counts go to the ledger that
render_report.py turns into docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import re
import secrets as _random
import subprocess
import sys
import urllib.request
from collections import Counter
from pathlib import Path

from alicloud_emulator.testing import ControlClient

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

ACCOUNT_ID = '2345678901234567'
ACCESS_KEY_ID = 'LTAI5tReliabilitySuite01'
REGION = 'cn-hangzhou'
# what Ansible and the collection print instead of a secret
MASKS = ('********', 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER')
# any security token the emulator issues (STS.AssumeRole, instance credentials), known to the suite or not
TOKEN_PATTERN = re.compile(r'CAIS[A-Za-z0-9]{40,}')
# result keys that must never carry a clear value
SECRET_KEYS = frozenset(('access_key_secret', 'security_token', 'AccessKeySecret', 'SecurityToken', 'SecretData',
                         'secret_data', 'password', 'Password'))
NOT_WRITES = ('Get', 'List', 'Describe')
# writes whose repetition with the same parameters leaves the same state (see `write_ledger`)
IDEMPOTENT_WRITES = frozenset(('UpdateRole', 'UpdatePolicyDescription', 'SetDefaultPolicyVersion', 'ModifyInstanceMetadataOptions'))


def random_secret(length=32):
    alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'
    return ''.join(_random.choice(alphabet) for dummy in range(length))


# ---------------------------------------------------------------------------------------------- the ledger

class Ledger:
    """What the suite tried and survived, by category; written as JSON for render_report.py."""

    def __init__(self):
        self.entries = []
        self.secrets = Counter()

    def add(self, category, name, **details):
        self.entries.append({'category': category, 'name': name, **details})

    def write(self, path, tests=None):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump({'entries': self.entries, 'secrets': dict(self.secrets), 'tests': tests or {}}, handle, indent=1, sort_keys=True)


# ---------------------------------------------------------------------------------------------- secrets

class SecretScan:
    """Registered secret values (name -> value) and the scan of a run's output, results and files."""

    def __init__(self, ledger):
        self.values = {}
        self.ledger = ledger

    def register(self, name, value):
        if value and len(value) >= 8:
            self.values[name] = value

    def _in_text(self, text, where, found):
        for name, value in self.values.items():
            if value in text:
                found.append(f'{name} in {where}')
        if TOKEN_PATTERN.search(text):
            found.append(f'a security token (CAIS...) in {where}')

    def _in_results(self, value, where, found):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in SECRET_KEYS and isinstance(item, str) and item and item not in MASKS:
                    found.append(f'a clear value under key {key!r} in {where}')
                self._in_results(item, where, found)
        elif isinstance(value, list):
            for item in value:
                self._in_results(item, where, found)

    def scan(self, run, again=False):
        """Every leak found in `run` (as 'secret-name in place'); counts what was checked (`again`: a run scanned before)."""
        found = []
        self._in_text(run.output, 'the output of ansible-playbook -vvvv', found)
        for record in run.records:
            where = f"the result of task {record['task']!r} ({record['host']})"
            self._in_text(json.dumps(record['result'], default=str), where, found)
            self._in_results(record['result'], where, found)
        files = 0
        for path in sorted(run.run_dir.rglob('*')):
            if not path.is_file() or run.input_dir in path.parents:
                continue
            files += 1
            data = path.read_bytes().decode('utf-8', 'replace')
            self._in_text(data, f'file {path.relative_to(run.run_dir)}', found)
        counts = self.ledger.secrets
        counts['value_checks'] += len(self.values) * (1 + len(run.records) + files)
        counts['secret_values_per_run'] = max(counts['secret_values_per_run'], len(self.values))
        if not again:
            counts['runs'] += 1
            counts['task_results'] += len(run.records)
            counts['files'] += files
            counts['output_bytes'] += len(run.output)
        return found


# ---------------------------------------------------------------------------------------------- runs

class Run:
    """One finished ansible-playbook run: rc, what it printed, every task result the callbacks saw."""

    def __init__(self, run_dir, rc, output):
        self.run_dir = run_dir
        self.input_dir = run_dir / 'input'
        self.rc = rc
        self.output = output
        path = run_dir / 'results.json'
        self.records = json.loads(path.read_text(encoding='utf-8')) if path.exists() else []

    def results(self, task):
        """The results of every run of the task named `task`, in order (one per host and run)."""
        found = [r for r in self.records if r['task'] == task]
        assert found, f'task {task!r} did not run; rc={self.rc}\n{self.tail()}'
        return found

    def result(self, task, host=None):
        """The result of the last run of task `task` (on `host`), with its status under `_status`."""
        found = [r for r in self.results(task) if host is None or r['host'] == host]
        assert found, f'task {task!r} did not run on {host}'
        return {**found[-1]['result'], '_status': found[-1]['status']}

    def cursor(self, task):
        """The call-log cursor an emuctl task printed."""
        return json.loads(self.result(task)['stdout'])

    def tail(self, lines=60):
        return '\n'.join(self.output.splitlines()[-lines:])


class Pending:
    """A started ansible-playbook (see Harness.start)."""

    def __init__(self, harness, run_dir, process, log):
        self.harness = harness
        self.run_dir = run_dir
        self.process = process
        self.log = log

    def wait(self, timeout=600, expect_leak=False):
        self.process.wait(timeout=timeout)
        self.log.close()
        output = (self.run_dir / 'output.txt').read_text(encoding='utf-8', errors='replace')
        (self.run_dir / 'output.txt').unlink()
        return self.harness.finish(Run(self.run_dir, self.process.returncode, output), expect_leak)


class Harness:
    """The emulator (one per test session) and the way the suite runs playbooks against it."""

    def __init__(self, emulator, workdir, collections_path, ledger):
        self.url = emulator.url
        self.control = ControlClient(emulator.url)
        self.workdir = Path(workdir)
        self.collections_path = str(collections_path)
        self.ledger = ledger
        self.secrets = SecretScan(ledger)
        self.access_key_secret = random_secret()
        self.secrets.register('the access key secret', self.access_key_secret)
        self.secrets.register("the emulator's default access key secret", emulator.access_key_secret)
        self._runs = 0

    # ------------------------------------------------------------------ emulator state
    def reset(self):
        """A fresh emulator: the suite's account, with its random access key secret, and nothing else."""
        self.control.reset()
        self.control.add_account(account_id=ACCOUNT_ID, access_key_id=ACCESS_KEY_ID, access_key_secret=self.access_key_secret)

    @property
    def environment(self):
        """The same settings as environment variables, the way playbooks/site.yml is meant to get them."""
        return {'ALIBABA_CLOUD_ACCESS_KEY_ID': ACCESS_KEY_ID, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': self.access_key_secret,
                'ALIBABA_CLOUD_REGION_ID': REGION, 'ALIBABA_CLOUD_RAM_ENDPOINT': self.url, 'ALIBABA_CLOUD_ECS_ENDPOINT': self.url,
                'ALIBABA_CLOUD_KMS_ENDPOINT': self.url, 'ALIBABA_CLOUD_STS_ENDPOINT': self.url}

    @property
    def auth(self):
        """The shared options every cloud module gets through module_defaults (the secret is no_log)."""
        return {'access_key_id': ACCESS_KEY_ID, 'access_key_secret': self.access_key_secret, 'region_id': REGION,
                'ram_endpoint': self.url, 'ecs_endpoint': self.url, 'kms_endpoint': self.url, 'sts_endpoint': self.url}

    def create_role(self, name, policies=(), **extra):
        return self.control.create_role(name, policies=list(policies), account_id=ACCOUNT_ID, **extra)

    def seed_instances(self, count=None, instances=None, **defaults):
        return self.control.seed_instances(instances=instances, count=count, account_id=ACCOUNT_ID, region_id=REGION, **defaults)

    def create_key(self, alias):
        return self.control.create_key(alias=alias, account_id=ACCOUNT_ID, region_id=REGION)['key_id']

    def create_secret(self, name, value=None):
        value = value or random_secret()
        self.secrets.register(f'the KMS secret value of {name}', value)
        self.control.create_secret(name, value, account_id=ACCOUNT_ID, region_id=REGION)
        return value

    def api(self, product, action, params):
        """One API call with the suite's keys, through the product's SDK (setup that the control plane cannot do)."""
        # pylint: disable=import-outside-toplevel
        import importlib
        from alibabacloud_tea_openapi.models import Config
        from darabonba.runtime import RuntimeOptions
        package = {'ram': 'alibabacloud_ram20150501', 'ecs': 'alibabacloud_ecs20140526'}[product]
        client = importlib.import_module(package + '.client').Client(Config(
            access_key_id=ACCESS_KEY_ID, access_key_secret=self.access_key_secret, endpoint=self.url.split('://')[1],
            protocol='http', region_id=REGION))
        request = getattr(importlib.import_module(package + '.models'), action + 'Request')().from_map(params)
        method = getattr(client, re.sub(r'(?<!^)(?=[A-Z])', '_', action).lower() + '_with_options')
        return method(request, RuntimeOptions()).body.to_map()

    def roles(self):
        """{role name: role} of the suite's account, as the emulator holds them."""
        account = next(a for a in self.control.state()['accounts'] if a['account_id'] == ACCOUNT_ID)
        return account['roles']

    def policies(self):
        account = next(a for a in self.control.state()['accounts'] if a['account_id'] == ACCOUNT_ID)
        return account['policies']

    def instance_roles(self, instance_ids=None):
        """{instance id: RAM role or None} of the suite's instances."""
        found = self.control.instances(account_id=ACCOUNT_ID, instance_ids=instance_ids)
        return {i['instance_id']: i['ram_role'] or None for i in found}

    def instance_credentials(self, instance_id):
        """The credentials the metadata service serves the instance now (hardened mode); registered as secrets."""
        base = self.control.metadata_url(instance_id)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        put = urllib.request.Request(base + '/latest/api/token', method='PUT',
                                     headers={'X-aliyun-ecs-metadata-token-ttl-seconds': '60'})
        with opener.open(put, timeout=10) as resp:
            token = resp.read().decode()
        headers = {'X-aliyun-ecs-metadata-token': token}
        prefix = base + '/latest/meta-data/ram/security-credentials/'
        with opener.open(urllib.request.Request(prefix, headers=headers), timeout=10) as resp:
            role = resp.read().decode()
        with opener.open(urllib.request.Request(prefix + role, headers=headers), timeout=10) as resp:
            cred = json.loads(resp.read())
        self.secrets.register(f'the access key secret of the role credentials of {instance_id}', cred['AccessKeySecret'])
        self.secrets.register(f'the security token of {instance_id}', cred['SecurityToken'])
        return cred

    # ------------------------------------------------------------------ playbooks
    def _prepare(self, plays, name, inventory, extra_vars, extra_env, verbose=True, check=False, groups=None, diff=False):
        self._runs += 1
        run_dir = self.workdir / f'{self._runs:03d}-{re.sub(r"[^A-Za-z0-9_.-]+", "-", name)}'
        input_dir = run_dir / 'input'
        for sub in ('input', 'home', 'tmp'):
            (run_dir / sub).mkdir(parents=True, exist_ok=True)
        (input_dir / 'play.yml').write_text(json.dumps(plays, indent=1), encoding='utf-8')
        hosts = inventory or {'localhost': {}}
        all_vars = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
        # `groups`: {group: {'hosts': [names], 'vars': {...}}} of the inventory's hosts
        children = {g: {'hosts': dict.fromkeys(spec.get('hosts', []), {}), 'vars': spec.get('vars', {})} for g, spec in (groups or {}).items()}
        (input_dir / 'inventory.json').write_text(json.dumps({'all': {'hosts': hosts, 'vars': all_vars, 'children': children}}),
                                                  encoding='utf-8')
        variables = {'auth': self.auth, 'emulator_url': self.url, **(extra_vars or {})}
        (input_dir / 'vars.json').write_text(json.dumps(variables), encoding='utf-8')
        env = {
            'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin'),
            'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8',
            'HOME': str(run_dir / 'home'), 'TMPDIR': str(run_dir / 'tmp'),
            'ANSIBLE_COLLECTIONS_PATH': self.collections_path,
            'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'reliability_record',
            'RELIABILITY_RECORD': str(run_dir / 'results.json'),
            'ANSIBLE_LOG_PATH': str(run_dir / 'ansible.log'),
            'ANSIBLE_LOCAL_TEMP': str(run_dir / 'tmp' / 'ansible-local'),
            'ANSIBLE_REMOTE_TEMP': str(run_dir / 'tmp' / 'ansible-remote'),
            'ANSIBLE_ASYNC_DIR': str(run_dir / 'home' / '.ansible_async'),
            'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_FORCE_COLOR': '0', 'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false', 'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_HOST_KEY_CHECKING': 'false', 'PYTHONDONTWRITEBYTECODE': '1',
            # for emuctl.py, which playbooks run between tasks
            'RELIABILITY_EMULATOR_URL': self.url, 'RELIABILITY_FAULTS_FILE': str(run_dir / 'tmp' / 'faults.json'),
            **(extra_env or {}),
        }
        # verbose=False: what a user sees by default (no -vvvv, no --diff); check: --check
        argv = [sys.executable, '-m', 'ansible.cli.playbook', *(['-vvvv', '--diff'] if verbose else ['--diff'] if diff else []),
                *(['--check'] if check else []),
                '-i', str(input_dir / 'inventory.json'), '-e', '@' + str(input_dir / 'vars.json'), str(input_dir / 'play.yml')]
        return run_dir, argv, env

    def run(self, plays, name, *, inventory=None, extra_vars=None, env=None, expect_leak=False, timeout=600, **options):
        """Run `plays` (a list of plays as Python data) and return the Run, after the secret scan."""
        return self.start(plays, name, inventory=inventory, extra_vars=extra_vars, env=env, **options).wait(timeout, expect_leak)

    def start(self, plays, name, *, inventory=None, extra_vars=None, env=None, playbook=None, **options):
        """Start ansible-playbook on `plays`, or on the playbook file(s) `playbook` (e.g. playbooks/site.yml).

        `options`: verbose (default True: -vvvv --diff), diff (--diff without -vvvv), check (--check), groups (inventory groups).
        """
        run_dir, argv, env = self._prepare(plays or [], name, inventory, extra_vars, env, **options)
        if playbook is not None:
            # one playbook file, or several run in turn by the same ansible-playbook
            argv[-1:] = [str(p) for p in (playbook if isinstance(playbook, list) else [playbook])]
        log = open(run_dir / 'output.txt', 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        process = subprocess.Popen(argv, cwd=run_dir, env=env, stdout=log, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
        return Pending(self, run_dir, process, log)

    def rescan(self, run):
        """Scan a finished run again, after more secrets were registered (credentials minted during the run)."""
        leaks = self.secrets.scan(run, again=True)
        assert not leaks, f'secrets leaked in run {run.run_dir.name}: ' + '; '.join(sorted(set(leaks)))

    def finish(self, run, expect_leak=False):
        leaks = self.secrets.scan(run)
        if expect_leak:
            run.leaks = leaks
            return run
        assert not leaks, f'secrets leaked in run {run.run_dir.name}: ' + '; '.join(sorted(set(leaks)))
        return run


# ---------------------------------------------------------------------------------------------- the write ledger

def _key(call):
    """The logical write of one successful RAM/KMS/ECS call (ECS role bindings are handled per instance)."""
    p = call['params']
    action = call['action']
    role = (p.get('RoleName') or '').lower()
    if action in ('CreateRole', 'DeleteRole'):
        return (action, role)
    if action == 'UpdateRole':
        return (action, role, p.get('NewDescription'), p.get('NewMaxSessionDuration'), p.get('NewAssumeRolePolicyDocument'))
    if action in ('AttachPolicyToRole', 'DetachPolicyFromRole'):
        return (action, role, p.get('PolicyType'), p.get('PolicyName'))
    if action in ('CreatePolicy', 'DeletePolicy'):
        return (action, p.get('PolicyName'))
    if action == 'CreatePolicyVersion':
        return (action, p.get('PolicyName'), p.get('PolicyDocument'))
    if action == 'UpdatePolicyDescription':
        return (action, p.get('PolicyName'), p.get('NewDescription'))
    return (action,) + tuple(sorted(p.items()))


def _ids(call):
    try:
        return json.loads(call['params'].get('InstanceIds') or '[]')
    except ValueError:
        return []


def write_ledger(calls, instances):
    """Each logical write that took effect, with how often; and the instance roles the writes lead to.

    `calls` are call-log entries in order; `instances` maps every instance id to its stored entry *before* the
    first call (network type and role). RAM writes took effect when the call answered 200. Attach/Detach of
    instance RAM roles answer 200 even when some instances failed, and the call log does not say which, so the
    outcome of each instance is replayed with the emulator's rules (an instance takes a role only when it is a
    VPC instance holding none; a detach needs the role named, if any, to be the one held). The caller compares
    the replayed roles with the emulator's: equal roles prove the replay right.

    Returns (Counter of write keys, {instance id: role after}, duplicates): `duplicates` lists the keys that took
    effect more than once although a repetition is harmless (IDEMPOTENT_WRITES, same parameters) and one of the
    attempts was held by a delay fault: the abandoned request was still carried out when its delay ended.
    """
    roles = {iid: (i.get('ram_role') or None) for iid, i in instances.items()}
    vpc = {iid for iid, i in instances.items() if i.get('network_type', 'vpc') == 'vpc'}
    done = Counter()
    delayed = set()
    for call in calls:
        if not call['write'] or call['status'] != 200 or call['product'] == 'IMDS':
            continue
        action = call['action']
        if action == 'AttachInstanceRamRole':
            role = call['params']['RamRoleName']
            for iid in dict.fromkeys(_ids(call)):
                if iid in vpc and roles.get(iid) is None:
                    roles[iid] = role
                    done[(action, iid, role.lower())] += 1
            continue
        if action == 'DetachInstanceRamRole':
            named = (call['params'].get('RamRoleName') or '').lower()
            for iid in dict.fromkeys(_ids(call)):
                held = roles.get(iid)
                if iid in vpc and held is not None and named in ('', held.lower()):
                    roles[iid] = None
                    done[(action, iid, held.lower())] += 1
            continue
        key = _key(call)
        done[key] += 1
        if call.get('fault') == 'delay':
            delayed.add(key)
    duplicates = [k for k, n in done.items() if n > 1 and k[0] in IDEMPOTENT_WRITES and k in delayed]
    return done, roles, duplicates


def assert_writes_once(calls, instances, expected, actual_roles=None, where=''):
    """Exactly the expected logical writes took effect, each as often as expected (once, unless listed twice).

    Returns the number of harmless repetitions (see write_ledger) so that the suite can report them.
    """
    done, roles, duplicates = write_ledger(calls, instances)
    if actual_roles is not None:
        differ = {iid: (roles.get(iid), held) for iid, held in actual_roles.items() if (roles.get(iid) or '').lower() != (held or '').lower()}
        assert not differ, f'{where}: the replay of the call log disagrees with the emulator on {len(differ)} instance(s): {sorted(differ.items())[:5]}'
    expected = Counter(expected)
    wrong = {k: (done[k], expected[k]) for k in set(done) | set(expected)
             if done[k] != expected[k] and not (k in duplicates and done[k] > expected[k] >= 1)}
    assert not wrong, (f'{where}: writes that took effect (times, times expected) differ from the plan: '
                       + '; '.join(f'{k}: {n}' for k, n in sorted(wrong.items(), key=str)[:6]) + f' ({len(wrong)} in all)')
    return len(duplicates)
