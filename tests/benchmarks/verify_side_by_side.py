"""The verification run of `make demo`, this checkout against another revision (default main), side by side.

    .venv/bin/python tests/benchmarks/verify_side_by_side.py [--old main] [--rounds 3] [--instances 20] [--forks 10]

One emulator with the demo fleet of tools/demo.py (its inventory: one host per instance, local connection, each host
reaching the metadata service as its own instance). The fleet is provisioned once (playbooks/site.yml of this
checkout), then `playbooks/site.yml --tags kms_access_verify` runs `--rounds` times with each collection tree,
alternating old, new, old, new... so that a machine whose load changes weighs on both alike. Each run must pass the
demo's expectations (every host verified, changed=0, no write). One more run of each tree, not timed, counts the
module processes (AnsiballZ payloads started: the interpreter is a wrapper that logs every start) and the metadata
reads. Prints a table (medians) and writes build/verify-bench/results.json.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import demo  # noqa: E402  pylint: disable=wrong-import-position
from alicloud_emulator.testing import EmulatorProcess, collections_path, emulator_settings  # noqa: E402  pylint: disable=wrong-import-position

BUILD = os.path.join(ROOT, 'build', 'verify-bench')


def old_tree(ref):
    """`git archive ref` as a collections tree; returns (collections path, checkout root)."""
    base = os.path.join(BUILD, 'old')
    root = os.path.join(base, 'ansible_collections', 'alicloud', 'instance_ram')
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(root)
    archive = subprocess.run(['git', 'archive', ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(['tar', '-x', '-C', root], input=archive, check=True)
    return base, root


def counting_interpreter(log_path):
    """A python that appends a line to `log_path` for every process it starts (every AnsiballZ payload)."""
    path = os.path.join(BUILD, 'counting-python')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(f'#!/bin/sh\necho started >> {log_path}\nexec {sys.executable} "$@"\n')
    os.chmod(path, 0o755)
    return path


def load():
    return os.getloadavg()


def children_cpu():
    """CPU seconds (user + system) of the finished child processes so far: ansible-playbook and every process it waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--old', default='main', help='the revision to compare with (git ref)')
    parser.add_argument('--rounds', type=int, default=3, help='timed runs of each tree, alternating')
    parser.add_argument('--instances', type=int, default=20)
    parser.add_argument('--forks', type=int, default=10)
    args = parser.parse_args(argv)
    os.makedirs(BUILD, exist_ok=True)
    os.makedirs(demo.BUILD, exist_ok=True)
    old_collections, old_root = old_tree(args.old)
    trees = {'old': (old_collections, old_root), 'new': (collections_path(ROOT, os.path.join(BUILD, 'new')), ROOT)}
    inventory = os.path.join(BUILD, 'inventory.yml')
    runs = []
    with EmulatorProcess() as emulator:
        control = emulator.control
        fleet, dummy = demo.seed(control, args.instances, 4)
        demo.write_inventory(control, fleet, inventory)
        hosts = [f'kms-demo-app-{n + 1:02d}' for n in range(len(fleet))]
        dummy, emulator_env = emulator_settings(emulator)
        base_env = {**os.environ, **emulator_env, 'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_FORCE_COLOR': '0', 'ANSIBLE_FORKS': str(args.forks),
                    'ANSIBLE_LOCALHOST_WARNING': 'false', 'ANSIBLE_DEPRECATION_WARNINGS': 'false'}

        def verify(tree, name, extra=(), timed=False):
            collections_base, root = trees[tree]
            env = {**base_env, 'ANSIBLE_COLLECTIONS_PATH': collections_base}
            timer_out = os.path.join(BUILD, 'timer.json')
            if timed:  # each task's seconds from its start to its result, per host (callback_plugins/bench_timer.py)
                env.update({'ANSIBLE_CALLBACK_PLUGINS': os.path.join(HERE, 'callback_plugins'), 'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
                            'BENCH_TIMER_OUT': timer_out})
            playbook = ['-i', inventory, os.path.join(root, 'playbooks', 'site.yml'), '--tags', 'kms_access_verify', *extra]
            run = demo.run_playbook(name, playbook, env, control, False)
            problems = demo.expectations(run, hosts, 'verify')
            if problems:
                raise SystemExit(f'{name}: {problems} (log {run["log"]})')
            if timed:
                with open(timer_out, encoding='utf-8') as handle:
                    run['tasks'] = task_sums(json.load(handle))
            return run

        apply = demo.run_playbook('apply', ['-i', inventory, 'playbooks/site.yml'],
                                  {**base_env, 'ANSIBLE_COLLECTIONS_PATH': trees['new'][0]}, control, False)
        if apply['rc'] != 0:
            raise SystemExit(f"the provisioning run failed (log {apply['log']})")
        counts = {}
        for tree in ('old', 'new'):
            log_path = os.path.join(BUILD, f'{tree}-processes.log')
            if os.path.exists(log_path):
                os.unlink(log_path)
            cursor = control.cursor()
            run = verify(tree, f'count-{tree}', ['-e', f'ansible_python_interpreter={counting_interpreter(log_path)}'])
            with open(log_path, encoding='utf-8') as handle:
                started = sum(1 for dummy in handle)
            imds = collections.Counter(c['action'] for c in control.calls(since=cursor) if c['product'] == 'IMDS')
            counts[tree] = {'module_processes': started, 'per_host': started / len(hosts), 'imds': dict(imds),
                            'api_calls': dict(run['calls'])}
        for n in range(args.rounds):
            for tree in ('old', 'new'):
                before, cpu = load(), children_cpu()
                run = verify(tree, f'{tree}-{n + 1}', timed=True)
                cpu = children_cpu() - cpu
                runs.append({'tree': tree, 'round': n + 1, 'seconds': run['seconds'], 'cpu_seconds': cpu, 'load_before': before,
                             'load_after': load(), 'tasks': run['tasks']})
                print(f"{tree} round {n + 1}: {run['seconds']:.2f} s, {cpu:.1f} s CPU (load {before[0]:.1f} -> {load()[0]:.1f})", flush=True)
    medians = {tree: statistics.median(r['seconds'] for r in runs if r['tree'] == tree) for tree in ('old', 'new')}
    cpu = {tree: statistics.median(r['cpu_seconds'] for r in runs if r['tree'] == tree) for tree in ('old', 'new')}
    result = {'old': args.old, 'hosts': len(hosts), 'forks': args.forks, 'rounds': args.rounds, 'runs': runs, 'counts': counts,
              'medians': medians, 'ratio': medians['new'] / medians['old'], 'cpu_medians': cpu, 'cpu_ratio': cpu['new'] / cpu['old']}
    with open(os.path.join(BUILD, 'results.json'), 'w', encoding='utf-8') as handle:
        json.dump(result, handle, indent=1)
    print(f"\n| {len(hosts)} hosts, forks {args.forks} | {args.old} | this checkout |\n| --- | ---: | ---: |")
    for tree in ('old', 'new'):
        seconds = sorted(r['seconds'] for r in runs if r['tree'] == tree)
        medians[tree + '_range'] = f'{seconds[0]:.1f}–{seconds[-1]:.1f}'
    print(f"| verify run, median of {args.rounds} | {medians['old']:.1f} s ({medians['old_range']}) | "
          f"{medians['new']:.1f} s ({medians['new_range']}) |")
    print(f"| CPU of the run (ansible-playbook and its processes), median | {cpu['old']:.1f} s | {cpu['new']:.1f} s |")
    print(f"| module processes per host | {counts['old']['per_host']:g} | {counts['new']['per_host']:g} |")
    print(f"| metadata requests | {counts['old']['imds']} | {counts['new']['imds']} |")
    print(f"\nnew / old = {result['ratio']:.2f} (wall), {result['cpu_ratio']:.2f} (CPU)")
    print(f'\nseconds of each task summed over the {len(hosts)} hosts, median of the rounds (old | new):')
    for tree in ('old', 'new'):
        names = {name for r in runs if r['tree'] == tree for name in r['tasks']}
        task_medians = {name: statistics.median(r['tasks'].get(name, 0.0) for r in runs if r['tree'] == tree) for name in names}
        result['task_medians_' + tree] = task_medians
        print(f'  {tree}: ' + '; '.join(f'{name} {seconds:.1f}' for name, seconds in sorted(task_medians.items(), key=lambda i: -i[1])))
    with open(os.path.join(BUILD, 'results.json'), 'w', encoding='utf-8') as handle:
        json.dump(result, handle, indent=1)
    return 0


def task_sums(records):
    """Seconds of each task name (without the role prefix) summed over the hosts, from bench_timer's records."""
    sums = collections.Counter()
    for record in records:
        sums[record['task'].split(' : ', 1)[-1][:70]] += record['seconds']
    return dict(sums)


if __name__ == '__main__':
    sys.exit(main())
