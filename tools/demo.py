"""The main job, end to end against the built-in emulator (run by `make demo` through tools/demo.sh).

Starts the emulator with a demo fleet (VPC instances, some tagged, a KMS key and a secret), writes an inventory with
one host per instance (local connection, each host reaching the metadata service as its own instance), then runs
playbooks/site.yml: in check mode (no write), for real (changes), again (changed=0, no write), and the verification
only, from every instance. Prints what each run changed and the API calls it made (from the emulator's call log),
stops the emulator, and exits non-zero when any expectation fails. Full logs: build/demo/<run>.log.

    python tools/demo.py [--instances 20] [--tagged-only 4] [--forks 10] [--verbose]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import secrets
import subprocess
import sys
import time

from alicloud_emulator.testing import EmulatorProcess, collections_path, emulator_settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BUILD = os.path.join(ROOT, 'build', 'demo')
DEMO_TAGS = {'app': 'kms-demo'}
KEY_ALIAS = 'alias/kms-demo-key'
SECRET_NAME = 'kms-demo-db-password'
RECAP = re.compile(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)
SUMMARY = re.compile(r'Summary - show it\] \*+\nok: \[[^\]]+\] => \{\n\s+"msg": \[\n(.*?)\n\s+\]', re.S)


def seed(control, instances, tagged_only):
    """The demo fleet: `instances` hosts (the first third tagged), plus `tagged_only` tagged instances outside the inventory."""
    tagged = instances // 3
    fleet = control.seed_instances(count=tagged, prefix='kms-demo-app-', tags=DEMO_TAGS)
    fleet += control.seed_instances(count=instances - tagged, prefix='kms-demo-app-')
    outside = control.seed_instances(count=tagged_only, prefix='kms-demo-batch-', tags=DEMO_TAGS) if tagged_only else []
    control.create_key(alias=KEY_ALIAS, description='demo application key')
    control.create_secret(SECRET_NAME, secrets.token_urlsafe(24))
    return fleet, outside


def write_inventory(control, fleet, path):
    """One host per instance: local connection, its instance id, and its own metadata service (a proxy)."""
    hosts = {f'kms-demo-app-{n + 1:02d}': {'instance_id': instance_id, 'metadata_proxy': control.metadata_proxy(instance_id)}
             for n, instance_id in enumerate(fleet)}
    inventory = {'kms_access_fleet': {
        'hosts': hosts,
        'vars': {
            'ansible_connection': 'local',
            'ansible_python_interpreter': '{{ ansible_playbook_python }}',
            'kms_access_region_id': 'cn-hangzhou',
            'kms_access_role_name': 'EcsRamRoleTest',
            'kms_access_policies': ['System/AliyunKMSFullAccess'],
            'kms_access_instance_tags': DEMO_TAGS,
            'kms_access_verify_key_id': KEY_ALIAS,
            'kms_access_verify_secret_name': SECRET_NAME,
        }}}
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle, indent=2)  # JSON is YAML


def shown(args):
    """The command line of a run as a user would type it in the clone."""
    return ' '.join(['ansible-playbook'] + [os.path.relpath(a, ROOT) if a.startswith(ROOT) else a for a in args])


def run_playbook(name, args, env, control, verbose):
    """One ansible-playbook run; returns its record (rc, recap per host, API calls, summary lines, seconds)."""
    cursor = control.cursor()
    log_path = os.path.join(BUILD, f'{name}.log')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')] + args
    start = time.monotonic()
    with open(log_path, 'w', encoding='utf-8') as log, \
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        output = []
        for line in process.stdout:
            output.append(line)
            log.write(line)
            if verbose:
                sys.stdout.write(line)
        rc = process.wait()
    seconds = time.monotonic() - start
    text = ''.join(output)
    calls = control.calls(since=cursor)
    summary = SUMMARY.search(text)
    return {
        'name': name, 'command': shown(args), 'rc': rc, 'seconds': seconds, 'log': log_path,
        'recap': {m[0]: {'ok': int(m[1]), 'changed': int(m[2]), 'unreachable': int(m[3]), 'failed': int(m[4])} for m in RECAP.findall(text)},
        'calls': collections.Counter(f"{c['product']} {c['action']}" for c in calls),
        'writes': [c['action'] for c in calls if c['write']],
        'summary': [json.loads(line.strip().rstrip(',')) for line in summary.group(1).splitlines()] if summary else [],
    }


def expectations(run, hosts, kind):
    """What must hold for a run; returns the list of failures (empty when it is as expected)."""
    problems = []
    recap = run['recap']
    if run['rc'] != 0:
        problems.append(f"exit code {run['rc']}")
    if sorted(recap) != sorted(hosts):
        problems.append(f'{len(recap)} host(s) in the recap, {len(hosts)} expected')
    if any(r['failed'] or r['unreachable'] for r in recap.values()):
        problems.append('failed or unreachable hosts in the recap')
    changed = sum(r['changed'] for r in recap.values())
    if kind in ('check', 'apply') and changed == 0:
        problems.append('nothing changed')
    if kind in ('rerun', 'verify') and changed != 0:
        problems.append(f'changed={changed} in the recap, 0 expected')
    if kind != 'apply' and run['writes']:
        problems.append(f"write calls {run['writes']}, none expected")
    if kind == 'apply' and not run['writes']:
        problems.append('no write call')
    if kind in ('apply', 'rerun', 'verify'):
        wanted = f'verification: {len(hosts)} of {len(hosts)} host(s) passed'
        if wanted not in run['summary']:
            problems.append(f'the summary does not say "{wanted}"')
    return problems


def report(runs, failures, total_seconds):
    print('\n' + '=' * 100)
    print('make demo - summary (emulator call log per run; writes are calls that change state)')
    print('=' * 100)
    for run in runs:
        changed = sum(r['changed'] for r in run['recap'].values())
        print(f"\n[{run['name']}] {run['command']}")
        print(f"  rc={run['rc']}  {run['seconds']:.1f} s  hosts={len(run['recap'])}  changed={changed}  "
              f"API calls={sum(run['calls'].values())}  write calls={len(run['writes'])}  log: {os.path.relpath(run['log'], ROOT)}")
        for line in run['summary']:
            print(f'  | {line}')
        by_product = collections.defaultdict(list)
        for key, count in sorted(run['calls'].items()):
            product, action = key.split(' ', 1)
            by_product[product].append(f'{action} {count}')
        for product, actions in sorted(by_product.items()):
            print(f"  {product:5} {', '.join(actions)}")
        if run['writes']:
            print(f"  writes: {', '.join(f'{a} {n}' for a, n in collections.Counter(run['writes']).items())}")
        for problem in failures.get(run['name'], []):
            print(f'  FAILED: {problem}')
    total_calls = sum(sum(run['calls'].values()) for run in runs)
    print(f"\ntotal: {len(runs)} runs, {total_calls} API calls, {sum(len(r['writes']) for r in runs)} write calls, {total_seconds:.1f} s")
    print('demo ' + ('FAILED' if failures else 'passed: changes made, a rerun with changed=0 and no write, every instance verified'))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--instances', type=int, default=20, help='hosts of the inventory, one per instance')
    parser.add_argument('--tagged-only', type=int, default=4, help='tagged instances outside the inventory, found by tags')
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--verbose', action='store_true', help='show the whole ansible-playbook output')
    args = parser.parse_args(argv)
    started = time.monotonic()
    os.makedirs(BUILD, exist_ok=True)
    inventory = os.path.join(BUILD, 'inventory.yml')
    runs, failures = [], {}
    with EmulatorProcess() as emulator:
        control = emulator.control
        fleet, outside = seed(control, args.instances, args.tagged_only)
        write_inventory(control, fleet, inventory)
        hosts = [f'kms-demo-app-{n + 1:02d}' for n in range(len(fleet))]
        print(f'emulator {emulator.url}: {len(fleet)} instances in the inventory ({len(fleet) // 3} tagged {DEMO_TAGS}), '
              f'{len(outside)} more tagged outside it, key {KEY_ALIAS}, secret {SECRET_NAME}')
        _auth, emulator_env = emulator_settings(emulator)
        env = {**os.environ, **emulator_env, 'ANSIBLE_COLLECTIONS_PATH': collections_path(ROOT, BUILD), 'ANSIBLE_NOCOLOR': '1',
               'ANSIBLE_FORCE_COLOR': '0', 'ANSIBLE_FORKS': str(args.forks), 'ANSIBLE_LOCALHOST_WARNING': 'false',
               'ANSIBLE_DEPRECATION_WARNINGS': 'false'}
        plan = [
            ('check', ['-i', inventory, 'playbooks/site.yml', '--check']),
            ('apply', ['-i', inventory, 'playbooks/site.yml']),
            ('rerun', ['-i', inventory, 'alicloud.instance_ram.site']),
            ('verify', ['-i', inventory, 'playbooks/site.yml', '--tags', 'kms_access_verify']),
        ]
        for name, playbook_args in plan:
            print(f'--- {name}: {shown(playbook_args)}', flush=True)
            run = run_playbook(name, playbook_args, env, control, args.verbose)
            runs.append(run)
            problems = expectations(run, hosts, name)
            if problems:
                failures[name] = problems
            print(f"    rc={run['rc']}  {run['seconds']:.1f} s  changed={sum(r['changed'] for r in run['recap'].values())}  "
                  f"API calls={sum(run['calls'].values())}  write calls={len(run['writes'])}  {'FAILED' if problems else 'as expected'}",
                  flush=True)
        bound = {i['instance_id'] for i in control.instances(ram_role_name='EcsRamRoleTest')}
        if bound != set(fleet + outside):
            failures['apply'] = failures.get('apply', []) + [f'{len(bound)} instances hold the role, {len(fleet + outside)} expected']
    report(runs, failures, time.monotonic() - started)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
