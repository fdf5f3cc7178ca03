# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks of issue 8, against the local emulator with a per-request latency (`make bench`, tools/bench.sh).

1. Fleet converge with playbooks/site.yml, exactly as a user runs it (the instance ids in the role's variable
   kms_access_instance_ids, verification off): first run and rerun for 100, 1,000 and 10,000 instances; API calls
   by action and write calls from the emulator's call log, wall time (median of --repeats runs), peak memory (PSS)
   of the ansible-playbook process tree.
2. The same fleets the per-host way (tests/benchmarks/perhost.yml: one binding task per host for its own
   instance), up to 1,000 instances, and the ratio of the two.
3. Module start-up: every module's idempotent no-op invocation against ansible.builtin.ping in the same
   playbook (per-task wall on the controller, recorded by callback_plugins/bench_timer.py), and which imports
   dominate (python -X importtime of each module's AnsiballZ payload).

4. Concurrent batches: the site.yml runs of --sequential-sizes once more with kms_access_max_concurrency 1,
   interleaved with the default (4) runs, with each task's wall time (the binding task alone, the role's others).
5. The peer (alibaba.alicloud + footmark): the same work against the same emulator, interleaved, and step 1's module
   process of each side run directly (CPU, imports).
6. The inventory plugin (tests/benchmarks/inventory_bench.py) over --inventory-instances in 3 regions.

Every section of docs/performance.md comes from one run (a section headed "## Verification" already in the page is
kept as it is, for the verification measurement that has no part here yet).
Results go to build/bench/results.json; docs/performance.md and docs/performance.png are rendered from them
(tests/benchmarks/report.py). `--smoke` converges 100 instances and checks only the call budgets (the test suite).

    python tests/benchmarks/bench.py [--quick] [--latency-ms 30] [--sizes 100,1000,10000] [--perhost-sizes 100,1000]
                                     [--repeats 3] [--perhost-repeats 1] [--startup-rounds 8] [--forks 10]
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import glob
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

from alicloud_emulator import testing as emulator_testing
from alicloud_emulator.testing import EmulatorProcess, emulator_settings
from alicloud_emulator.testing import collections_path as shared_collections_path
import report  # noqa: E402 pylint: disable=wrong-import-position
from report import first_budget, rerun_budget  # noqa: E402 pylint: disable=wrong-import-position

BUILD = os.path.join(ROOT, 'build', 'bench')
# a benchmark shares the machine by design: give the emulator longer than the tests' 10 s to come up under load
emulator_testing.START_TIMEOUT_SECONDS = max(emulator_testing.START_TIMEOUT_SECONDS, 60.0)
REGION = 'cn-hangzhou'
ROLE = 'EcsRamRoleTest'           # the role's default name (roles/kms_access)
STARTUP_ROLE = 'BenchStartupRole'
STARTUP_POLICY = 'bench-startup-kms'
ECS_TRUST = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': ['ecs.aliyuncs.com']}}]}
PAGE = os.sysconf('SC_PAGE_SIZE')
SDK_MODULE = re.compile(r'^(alibabacloud_[a-z]+\d{8})(\.models\._\w+)?$')  # a product SDK, or one of its model files


# ---------------------------------------------------------------- targets

def budget_problems(n, first, rerun):
    """What breaks the call targets of issue 8 in a first run and a rerun (records of run_playbook); [] when none."""
    problems = []
    for name, run, budget in (('first run', first, first_budget(n)), ('rerun', rerun, rerun_budget(n))):
        if run['rc'] != 0:
            problems.append(f'{name} of {n}: ansible-playbook exit code {run["rc"]}')
        if run['total_calls'] > budget:
            problems.append(f'{name} of {n}: {run["total_calls"]} API calls, budget {budget}')
    if rerun['writes']:
        problems.append(f'rerun of {n}: {rerun["writes"]} write call(s), none expected')
    return problems


# ---------------------------------------------------------------- measuring one ansible-playbook run

def _children():
    tree = collections.defaultdict(list)
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open(f'/proc/{entry}/stat', encoding='utf-8', errors='replace') as handle:
                    ppid = int(handle.read().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree[ppid].append(int(entry))
    return tree


def _memory(pid):
    """PSS of one process in bytes (RSS where smaps_rollup is not readable)."""
    try:
        with open(f'/proc/{pid}/smaps_rollup', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('Pss:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open(f'/proc/{pid}/statm', encoding='utf-8') as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_memory(root_pid):
    """Sum of the PSS of `root_pid` and all its descendants, in bytes."""
    tree = _children()
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += _memory(pid)
        stack.extend(tree.get(pid, ()))
    return total


class PeakMemory(threading.Thread):
    """Samples the memory of a process tree every `interval` seconds until stopped; `.peak` in bytes."""

    def __init__(self, pid, interval=0.25):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            self.peak = max(self.peak, tree_memory(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join()


def run_playbook(args, env, control, log_path):
    """One ansible-playbook run: exit code, wall seconds, peak PSS of its process tree, API calls from the call log."""
    cursor = control.cursor()
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')] + args
    with open(log_path, 'w', encoding='utf-8') as log:
        start = time.monotonic()
        with subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT) as process:
            sampler = PeakMemory(process.pid)
            sampler.start()
            rc = process.wait()
        seconds = time.monotonic() - start
        sampler.stop()
    calls = control.calls(since=cursor)
    return {
        'load': round(os.getloadavg()[0], 1),
        'rc': rc, 'seconds': seconds, 'peak_bytes': sampler.peak, 'log': os.path.relpath(log_path, ROOT),
        'total_calls': len(calls), 'calls': dict(sorted(collections.Counter(c['action'] for c in calls).items())),
        'writes': len([c for c in calls if c['write']]),
        'write_calls': dict(sorted(collections.Counter(c['action'] for c in calls if c['write']).items())),
    }


# ---------------------------------------------------------------- environment

def collections_path():
    """A collections tree holding this checkout as alicloud.instance_ram (alicloud_emulator.testing.collections_path)."""
    return shared_collections_path(ROOT, BUILD)


def playbook_env(emulator, forks, **extra):
    """The environment of every ansible-playbook run: the emulator's endpoints and keys, this collection, quiet output."""
    dummy, emulator_env = emulator_settings(emulator)
    env = {**os.environ, **emulator_env, 'ANSIBLE_COLLECTIONS_PATH': collections_path(), 'ANSIBLE_NOCOLOR': '1',
           'ANSIBLE_FORCE_COLOR': '0', 'ANSIBLE_FORKS': str(forks), 'ANSIBLE_LOCALHOST_WARNING': 'false',
           'ANSIBLE_DEPRECATION_WARNINGS': 'false', 'ANSIBLE_RETRY_FILES_ENABLED': 'false',
           'ANSIBLE_HOST_KEY_CHECKING': 'false', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false'}
    env.update(extra)
    return env


def write_json(path, data):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1)  # JSON is YAML for the inventories and variable files
    return path


def controller_inventory(path):
    """The inventory of a site.yml run that only provisions: the controller alone (the ids come in a variable)."""
    return write_json(path, {'kms_access_fleet': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}})


def fleet_inventory(path, instance_ids):
    """The per-host way's inventory: one host per instance (local connection), each with its instance_id."""
    hosts = {f'bench-{n:05d}': {'instance_id': iid} for n, iid in enumerate(instance_ids, 1)}
    return write_json(path, {'bench_fleet': {'hosts': hosts, 'vars': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
        'bench_role_name': ROLE, 'bench_region_id': REGION}}})


# ---------------------------------------------------------------- 1 and 2: fleets

BINDING_TASK = 'Step 2 - bind the role to every instance of the region, in one call'  # roles/kms_access/tasks/bind_region.yml


def converge_pair(emulator, env, n, way, repeat, log=print, concurrency=None):
    """A fresh emulator state with N instances, then a first run and a rerun of `way` (site or perhost).

    `concurrency`: the role's kms_access_max_concurrency for site.yml (None: its default, 4; 1: the sequential engine).
    Each site.yml run also records its tasks' wall times (callback_plugins/bench_timer.py): `tasks`, and `binding_seconds`.
    """
    control = emulator.control
    control.reset()
    ids = control.seed_instances(count=n, prefix='bench-')
    tag = f'{way}-{n}-{repeat}' + (f'-c{concurrency}' if concurrency else '')
    timer_out = os.path.join(BUILD, 'site-timer.json')
    if way == 'site':
        inventory = controller_inventory(os.path.join(BUILD, 'controller.json'))
        concurrency = concurrency or os.environ.get('BENCH_MAX_CONCURRENCY')  # the role's default (4) unless set
        env = {**env, 'ANSIBLE_CALLBACK_PLUGINS': os.path.join(HERE, 'callback_plugins'), 'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
               'BENCH_TIMER_OUT': timer_out}
        variables = write_json(os.path.join(BUILD, f'site-vars-{n}.json'),
                               {'kms_access_instance_ids': ids, 'kms_access_verify': False, 'kms_access_role_name': ROLE,
                                'kms_access_discover': 'never',  # the controller alone: no ECS instance to discover
                                **({'kms_access_max_concurrency': int(concurrency)} if concurrency else {})})
        args = ['-i', inventory, os.path.join(ROOT, 'playbooks', 'site.yml'), '-e', '@' + variables]
    else:
        inventory = fleet_inventory(os.path.join(BUILD, f'perhost-inventory-{n}.json'), ids)
        args = ['-i', inventory, os.path.join(HERE, 'perhost.yml')]
    pair = {}
    for run in ('first', 'rerun'):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(timer_out)
        record = run_playbook(args, env, control, os.path.join(BUILD, f'{tag}-{run}.log'))
        if way == 'site' and os.path.exists(timer_out):
            with open(timer_out, encoding='utf-8') as handle:
                tasks = json.load(handle)
            record['tasks'] = {}
            for entry in tasks:  # a task name of the role once per run (one host): its wall seconds
                name = entry['task'].split(' : ', 1)[-1]
                record['tasks'][name] = record['tasks'].get(name, 0.0) + entry['seconds']
            record['binding_seconds'] = record['tasks'].get(BINDING_TASK)
        log(f"  {way:7}{'' if not concurrency else f' c={concurrency}'} N={n:<6} #{repeat + 1} {run:5}  rc={record['rc']}  {record['seconds']:7.1f} s  "
            f"{record['total_calls']:5} calls  {record['writes']:4} writes  peak {record['peak_bytes'] / 2**20:6.0f} MiB")
        pair[run] = record
    bound = len(control.instances(ram_role_name=ROLE))
    pair['bound'] = bound
    if bound != n:
        pair['problem'] = f'{bound} of {n} instances hold {ROLE} after the first run'
    return pair


def summarize_runs(pairs):
    """Median wall time, spread and peak memory of repeated runs; the call counts of the first repeat (they must not vary)."""
    summary = {}
    for run in ('first', 'rerun'):
        records = [p[run] for p in pairs]
        seconds = [r['seconds'] for r in records]
        summary[run] = {**{k: records[0][k] for k in ('total_calls', 'calls', 'writes', 'write_calls')},
                        'seconds': statistics.median(seconds), 'seconds_all': seconds,
                        'peak_bytes': max(r['peak_bytes'] for r in records), 'rc': max(r['rc'] for r in records),
                        'calls_vary': len({json.dumps(r['calls']) for r in records}) > 1,
                        'load': [r.get('load') for r in records]}
        if all(r.get('binding_seconds') is not None for r in records):
            summary[run]['binding_seconds'] = statistics.median(r['binding_seconds'] for r in records)
        if all(r.get('tasks') for r in records):
            names = [name for name in records[0]['tasks'] if all(name in r['tasks'] for r in records)]
            summary[run]['tasks'] = {name: statistics.median(r['tasks'][name] for r in records) for name in names}
    summary['problems'] = [p['problem'] for p in pairs if 'problem' in p]
    return summary


def fleets(emulator, env, sizes, way, repeats, log=print, sequential_sizes=()):
    """{N: summary} of `way`; for site.yml and the sizes in `sequential_sizes`, also ({N: summary} of max_concurrency 1).

    The sequential runs alternate with the default ones (default, then sequential, each repeat) so that the load of the
    machine hits both alike.
    """
    results, sequential = {}, {}
    for n in sizes:
        pairs, seq_pairs = [], []
        for r in range(repeats):
            pairs.append(converge_pair(emulator, env, n, way, r, log))
            if way == 'site' and n in sequential_sizes:
                seq_pairs.append(converge_pair(emulator, env, n, way, r, log, concurrency=1))
        results[str(n)] = summarize_runs(pairs)
        if seq_pairs:
            sequential[str(n)] = summarize_runs(seq_pairs)
    return (results, sequential) if way == 'site' else results


# ---------------------------------------------------------------- 3: module start-up

def startup_tasks(instance_id, metadata_proxy):
    """(name, module, args) of every module's idempotent no-op invocation, ansible.builtin.ping first."""
    policy_document = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': ['kms:List*'], 'Resource': ['*']}]}
    policies = ['System/AliyunKMSFullAccess', 'Custom/' + STARTUP_POLICY]
    return [
        ('ping', 'ansible.builtin.ping', {}),
        ('ram_policy', 'alicloud.instance_ram.ram_policy', {'name': STARTUP_POLICY, 'policy_document': policy_document}),
        ('ram_role', 'alicloud.instance_ram.ram_role', {'name': STARTUP_ROLE, 'assume_role_policy_document': ECS_TRUST, 'policies': policies}),
        ('ram_role_policy_attachment', 'alicloud.instance_ram.ram_role_policy_attachment', {'role_name': STARTUP_ROLE, 'policies': policies}),
        ('ram_role_info', 'alicloud.instance_ram.ram_role_info', {'name': STARTUP_ROLE}),
        ('ram_policy_info', 'alicloud.instance_ram.ram_policy_info', {'name': STARTUP_POLICY, 'policy_type': 'Custom'}),
        ('ecs_instance_ram_role', 'alicloud.instance_ram.ecs_instance_ram_role',
         {'region_id': REGION, 'role_name': STARTUP_ROLE, 'instance_ids': [instance_id]}),
        ('ecs_instance_ram_role_info', 'alicloud.instance_ram.ecs_instance_ram_role_info', {'region_id': REGION, 'instance_ids': [instance_id]}),
        ('ecs_instance', 'alicloud.instance_ram.ecs_instance',
         {'region_id': REGION, 'name': 'bench-startup', 'tags': {'bench': 'startup'}, 'count': 1, 'role_name': STARTUP_ROLE}),
        ('ecs_instance_info', 'alicloud.instance_ram.ecs_instance_info', {'region_id': REGION, 'instance_ids': [instance_id]}),
        ('instance_role_credentials_info', 'alicloud.instance_ram.instance_role_credentials_info',
         {'role_name': STARTUP_ROLE, 'ecs_role_name': STARTUP_ROLE, 'metadata_proxy': metadata_proxy}),
        ('kms_access_check', 'alicloud.instance_ram.kms_access_check',
         {'region_id': REGION, 'checks': ['list_keys'], 'ecs_role_name': STARTUP_ROLE, 'metadata_proxy': metadata_proxy}),
    ]


EAGER = ' (SDK as shipped)'  # the task-name suffix of a module's run with nothing deferred (the switch of _sdk's deferred packages)
EAGER_ENV = {'ALICLOUD_INSTANCE_RAM_DEFERRED_IMPORTS': 'none'}


def with_eager_twins(tasks):
    """Each module of the collection twice: as it runs, and with nothing deferred, so that one run measures both side by side."""
    twins = []
    for name, module, args in tasks:
        twins.append((name, module, args))
        if module.startswith('alicloud.instance_ram.'):
            twins.append((name + EAGER, module, args))
    return twins


def startup_playbook(path, tasks, rounds):
    """`rounds` rounds of one task per module, interleaved so that noise hits every module alike."""
    def task(name, module, args, r):
        entry = {'name': f'{name} round {r}', module: args}
        if name.endswith(EAGER):
            entry['environment'] = EAGER_ENV
        return entry
    play = {'name': 'Module start-up: idempotent no-op invocations', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        task(name, module, args, r) for r in range(rounds) for name, module, args in tasks]}
    return write_json(path, [play])


def parse_importtime(text):
    """`python -X importtime` output -> [(module, self_us, cumulative_us, depth)]."""
    rows = []
    for line in text.splitlines():
        if not line.startswith('import time:') or 'self [us]' in line:
            continue
        try:
            self_us, cumulative_us, name = line[len('import time:'):].split('|', 2)
            rows.append((name.strip(), int(self_us), int(cumulative_us), (len(name) - len(name.lstrip())) // 2))
        except ValueError:
            continue
    return rows


def import_groups(rows):
    """Import time (self, in ms) per top-level package, largest first; the standard library as one group."""
    groups = collections.Counter()
    for name, self_us, dummy, dummy2 in rows:
        top = name.split('.')[0]
        if name.startswith('ansible_collections.'):
            top = 'ansible_collections (this collection)'
        elif top in sys.stdlib_module_names or top.startswith('_') or top in ('encodings', 'zipimport'):
            top = 'stdlib'
        groups[top] += self_us
    return [(group, round(us / 1000, 1)) for group, us in groups.most_common()]


def sdk_models(rows):
    """{product SDK package: number of its model files imported} of an import profile (which SDKs a module loads)."""
    found = {}
    for name, dummy, dummy2, dummy3 in rows:
        match = SDK_MODULE.match(name)
        if match:
            found.setdefault(match.group(1), 0)
            found[match.group(1)] += 1 if match.group(2) else 0
    return found


def payload_profile(path, env, runs=3, python=None):
    """Wall and CPU time of an AnsiballZ payload run directly (medians of `runs`), its peak RSS and its import profile.

    CPU time (user + system of the payload's process) is far less sensitive than wall time to other work on the machine.
    Peak memory is the payload process's maximum resident set size (`peak_rss`).
    """
    python = python or sys.executable
    walls, cpus = [], []
    for dummy in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        subprocess.run([python, path], env=env, capture_output=True, check=False)
        walls.append(time.monotonic() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    profile = subprocess.run([python, '-X', 'importtime', path], env=env, capture_output=True, text=True, check=False)
    rows = parse_importtime(profile.stderr)
    return {'payload_seconds': statistics.median(walls), 'payload_cpu_seconds': statistics.median(cpus), 'sdks': sdk_models(rows),
            'peak_rss_bytes': peak_rss(python, path, env),
            'import_ms': round(sum(r[1] for r in rows) / 1000, 1), 'import_groups': import_groups(rows)[:8], 'modules_imported': len(rows)}


_PEAK_RSS = ('import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); '
             'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)')


def peak_rss(python, path, env):
    """Peak resident set size in bytes of one run of `python path` (its own helper process, so ru_maxrss is its alone)."""
    out = subprocess.run([sys.executable, '-c', _PEAK_RSS, python, path], env=env, capture_output=True, text=True, check=False)
    try:
        return int(out.stdout.split()[-1]) * 1024
    except (IndexError, ValueError):
        return None


_BASIC = 'import ansible.module_utils.basic'
_CORE = _BASIC + ', alibabacloud_tea_openapi.client, darabonba.runtime'
_LAZY = ('from ansible_collections.alicloud.instance_ram.plugins.module_utils import _sdk; '
         "_sdk.lazy_models('alibabacloud_ecs20140526')")
_DEFER = ('from ansible_collections.alicloud.instance_ram.plugins.module_utils._sdk import defer_unused_sdk_parts; '
          'defer_unused_sdk_parts(); ')
_DEFERRED_CORE = f'{_BASIC}; {_DEFER}import alibabacloud_tea_openapi.client, darabonba.runtime'
# what a module's SDK core costs with the packages of _sdk.DEFERRED_PACKAGES deferred one after the other (in the order of their size)
DEFER_STEPS = ('aiohttp', 'apscheduler', 'asyncio', 'cryptography', 'websocket', 'aiofiles')
IMPORT_FLOOR = [
    ('Python alone', 'pass', None),
    ('ansible.module_utils.basic (what ansible.builtin.ping imports)', _BASIC, None),
    ('+ the SDK core: tea-openapi, credentials, darabonba (every cloud module), as shipped', _CORE, None),
] + [(f'+ the SDK core, deferring {", ".join(DEFER_STEPS[:n])}' if n < len(DEFER_STEPS) else
      '+ the SDK core, deferring all of _sdk.DEFERRED_PACKAGES (this collection)', _DEFERRED_CORE, ','.join(DEFER_STEPS[:n]))
     for n in range(1, len(DEFER_STEPS) + 1)] + [
    ('+ the ECS SDK client, models imported eagerly (the SDK as shipped)', _CORE + '; import alibabacloud_ecs20140526.client', None),
    ('+ the ECS SDK client, lazy models, deferred packages (this collection)',
     f'{_DEFERRED_CORE}; {_LAZY}; import alibabacloud_ecs20140526.client', ''),
]


def import_floor(runs=7):
    """CPU seconds (user + system, the least of `runs`: noise only adds) of a Python process importing each step of IMPORT_FLOOR."""
    base = {**os.environ, 'PYTHONPATH': collections_path()}
    base.pop('ALICLOUD_INSTANCE_RAM_DEFERRED_IMPORTS', None)
    floor = []
    for label, code, deferred in IMPORT_FLOOR:
        env = dict(base) if not deferred else {**base, 'ALICLOUD_INSTANCE_RAM_DEFERRED_IMPORTS': deferred}
        cpus = []
        for dummy in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([sys.executable, '-c', code], env=env, check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        floor.append((label, min(cpus)))
    return floor


def startup(rounds, forks, log=print, eager_twins=True, modules=None, payload_runs=3, floor_runs=7):
    """Per-task wall of each module's no-op invocation vs ping (latency 0: the module's own cost), and its imports.

    With `eager_twins`, every module also runs with nothing deferred (ALICLOUD_INSTANCE_RAM_DEFERRED_IMPORTS=none) in the
    same playbook, interleaved: what plugins/module_utils/_sdk.py saves, measured side by side.
    """
    with EmulatorProcess(latency_ms=0) as emulator:
        control = emulator.control
        instance_id = control.seed_instances(instances=[{'name': 'bench-startup'}], tags={'bench': 'startup'},
                                             ram_role_name=STARTUP_ROLE)[0]
        tasks = startup_tasks(instance_id, control.metadata_proxy(instance_id))
        if modules:  # ping, the modules asked for, and those that make the state they find (the RAM ones, in order)
            tasks = [t for t in tasks if t[0] == 'ping' or t[0] in modules or t[0] in ('ram_policy', 'ram_role')]
        if eager_twins:
            tasks = with_eager_twins(tasks)
        inventory = write_json(os.path.join(BUILD, 'startup-inventory.json'), {'all': {'hosts': {'localhost': {
            'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}})
        timer_out = os.path.join(BUILD, 'startup-timer.json')
        remote_tmp = os.path.join(BUILD, 'remote-tmp')
        shutil.rmtree(remote_tmp, ignore_errors=True)
        env = playbook_env(emulator, forks, ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
                           ANSIBLE_CALLBACKS_ENABLED='bench_timer', BENCH_TIMER_OUT=timer_out, ANSIBLE_REMOTE_TMP=remote_tmp)
        # round 0 makes the state every later invocation finds as wanted; its payloads are kept for the import profile
        setup = startup_playbook(os.path.join(BUILD, 'startup-setup.json'), tasks, 1)
        record = run_playbook(['-i', inventory, setup], {**env, 'ANSIBLE_KEEP_REMOTE_FILES': '1'}, control,
                              os.path.join(BUILD, 'startup-setup.log'))
        if record['rc'] != 0:
            raise RuntimeError(f"start-up setup failed, see {record['log']}")
        payloads = {}
        for path in glob.glob(os.path.join(remote_tmp, '*', 'AnsiballZ_*.py')):
            payloads[os.path.basename(path)[len('AnsiballZ_'):-3]] = path
        playbook = startup_playbook(os.path.join(BUILD, 'startup.json'), tasks, rounds + 1)
        record = run_playbook(['-i', inventory, playbook], env, control, os.path.join(BUILD, 'startup.log'))
        with open(timer_out, encoding='utf-8') as handle:
            timings = json.load(handle)
        results = {'rc': record['rc'], 'writes': record['writes'], 'rounds': rounds, 'modules': {}, 'payload_runs': payload_runs,
                   'floor_runs': floor_runs}
        samples = collections.defaultdict(list)
        for entry in timings:
            name, dummy, number = entry['task'].rpartition(' round ')
            if int(number) > 0:  # round 0 pays for building each AnsiballZ payload
                samples[name].append(entry['seconds'])
            if entry['changed'] or entry['failed']:
                results.setdefault('not_noop', []).append(entry['task'])
        ping = statistics.median(samples['ping'])
        ping_cpu = None
        for name, module, args in tasks:
            short = module.rsplit('.', 1)[1]
            profile_env = {**env, **EAGER_ENV} if name.endswith(EAGER) else env
            profile = payload_profile(payloads[short], profile_env, runs=payload_runs) if short in payloads else {}
            ping_cpu = ping_cpu or profile.get('payload_cpu_seconds')
            results['modules'][name] = {'module': module, 'seconds': statistics.median(samples[name]),
                                        'ratio': statistics.median(samples[name]) / ping, 'samples': len(samples[name]), **profile}
            if ping_cpu and profile:
                results['modules'][name]['cpu_ratio'] = profile['payload_cpu_seconds'] / ping_cpu
            log(f"  {name:50} {results['modules'][name]['seconds']:.3f} s/task  x{results['modules'][name]['ratio']:.2f} ping  "
                f"imports {profile.get('import_ms', 0):6.1f} ms  peak RSS {(profile.get('peak_rss_bytes') or 0) / 2**20:5.1f} MiB")
        results['calls_per_round'] = record['total_calls'] / (rounds + 1)
    results['import_floor'] = import_floor(runs=floor_runs)
    for label, cpu in results['import_floor']:
        log(f'  {cpu:.3f} s CPU  {label}')
    return results


# ---------------------------------------------------------------- 4: the peer, alibaba.alicloud + footmark

PEER_VENV = os.path.join(BUILD, 'peer-venv')
PEER_DIR = os.path.join(HERE, 'peer')
PEER_ROLE = 'BenchPeerRole'
PEER_IMAGE, PEER_TYPE, PEER_VSWITCH, PEER_GROUP = 'aliyun_3_x64_20G_alibase_20240819.vhd', 'ecs.g7.large', 'vsw-bench', 'sg-bench'


def peer_settings():
    """Where tools/bench.sh installed the peer (build/bench/peer-venv, never the collection's environment), with the shim on.

    The peer's modules and module_utils are the files of the PyPI package ansible-alicloud (installed there with --no-deps:
    it asks for all of `ansible`), found by ansible-playbook through ANSIBLE_LIBRARY / ANSIBLE_MODULE_UTILS as legacy
    modules; tests/benchmarks/peer/bench_peer_shim.py, imported at the peer interpreter's start by a .pth file written
    here, points its SDK at the emulator.
    """
    python = os.path.join(PEER_VENV, 'bin', 'python')
    sites = glob.glob(os.path.join(PEER_VENV, 'lib', 'python*', 'site-packages'))
    library = os.path.join(sites[0], 'ansible', 'modules', 'cloud', 'alicloud') if sites else ''
    if not (os.path.exists(python) and os.path.isfile(os.path.join(library, 'ali_instance.py'))):
        raise RuntimeError('the peer is not installed: run tools/bench.sh (make bench), which installs it into build/bench/peer-venv')
    with open(os.path.join(sites[0], 'bench_peer_shim.pth'), 'w', encoding='utf-8') as handle:
        handle.write(f'{PEER_DIR}\nimport bench_peer_shim\n')
    return {'python': python, 'library': library, 'module_utils': os.path.join(sites[0], 'ansible', 'module_utils')}


def peer_tasks(n):
    """{(tool, step): (task name, module, args)}: the same work done by this collection and by alibaba.alicloud.

    Step 1 is the RAM role trusted by ECS; step 2b is N new instances created with that role (the guide's second way of
    step 2). alibaba.alicloud cannot do step 2a (bind a role to existing instances: it has no AttachInstanceRamRole), and
    its ali_ram_policy cannot attach a policy to a role with an AccessKey (its option role_name is also an alias of
    ecs_role_name, so it fetches credentials from the metadata service instead); neither is compared.
    """
    trust = json.dumps(ECS_TRUST, separators=(',', ':'))
    return {
        ('ours', 'step 1'): ('role', 'alicloud.instance_ram.ram_role', {'name': PEER_ROLE, 'assume_role_policy_document': ECS_TRUST}),
        ('peer', 'step 1'): ('role', 'ali_ram_role', {'name': PEER_ROLE, 'policy': trust}),
        ('ours', 'step 2b'): ('instances', 'alicloud.instance_ram.ecs_instance', {
            'region_id': REGION, 'name': 'bench-peer', 'count': n, 'tags': {'bench': 'peer'}, 'role_name': PEER_ROLE,
            'image_id': PEER_IMAGE, 'instance_type': PEER_TYPE, 'vswitch_id': PEER_VSWITCH, 'security_group_ids': [PEER_GROUP]}),
        ('peer', 'step 2b'): ('instances', 'ali_instance', {
            'alicloud_region': REGION, 'instance_name': 'bench-peer', 'count': n, 'count_tag': "{'bench': 'peer'}",
            'ram_role_name': PEER_ROLE, 'image_id': PEER_IMAGE, 'instance_type': PEER_TYPE, 'vswitch_id': PEER_VSWITCH,
            'security_groups': [PEER_GROUP]}),
    }


def peer_pass(emulator, env, tool, tasks, settings, tag, log=print):
    """A fresh emulator state, then step 1 and step 2b of `tool`, each a first run and a rerun (one ansible-playbook each)."""
    control = emulator.control
    control.reset()
    control.set_instance_boot_seconds(0)
    python = settings['python'] if tool == 'peer' else sys.executable
    inventory = write_json(os.path.join(BUILD, f'peer-inventory-{tool}.json'), {'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': python}}}})
    timer_out = os.path.join(BUILD, 'peer-timer.json')
    out = {}
    for step in ('step 1', 'step 2b'):
        name, module, args = tasks[(tool, step)]
        playbook = write_json(os.path.join(BUILD, f'peer-{tool}-{step.replace(" ", "")}.json'), [{
            'name': f'{tool} {step}', 'hosts': 'all', 'gather_facts': False, 'tasks': [{'name': name, module: args}]}])
        for run in ('first', 'rerun'):
            record = run_playbook(['-i', inventory, playbook], {**env, 'BENCH_TIMER_OUT': timer_out}, control,
                                  os.path.join(BUILD, f'peer-{tag}-{tool}-{step.replace(" ", "")}-{run}.log'))
            with open(timer_out, encoding='utf-8') as handle:
                timed = json.load(handle)
            record['task_seconds'] = timed[0]['seconds'] if timed else None
            record['changed'] = bool(timed and timed[0]['changed'])
            log(f"  {tool:4} {step:7} {run:5}  rc={record['rc']}  task {record['task_seconds'] or 0:6.2f} s  playbook "
                f"{record['seconds']:6.2f} s  {record['total_calls']:3} calls  {record['writes']:2} writes  changed={record['changed']}")
            out[f'{step}/{run}'] = record
    out['bound'] = len(control.instances(ram_role_name=PEER_ROLE))  # instances created with the role (must be N)
    return out


def peer_compare(latency_ms, forks, repeats, n, log=print):
    """Ours and the peer's, the same work against the same emulator in the same run, interleaved: per-task wall, calls, writes."""
    settings = peer_settings()
    tasks = peer_tasks(n)
    with EmulatorProcess(latency_ms=latency_ms) as emulator:
        dummy, emulator_env = emulator_settings(emulator)
        env = playbook_env(emulator, forks, ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
                           ANSIBLE_CALLBACKS_ENABLED='bench_timer', ANSIBLE_LIBRARY=settings['library'],
                           ANSIBLE_MODULE_UTILS=settings['module_utils'], BENCH_PEER_ENDPOINT=emulator.url,
                           ALICLOUD_ACCESS_KEY=emulator_env['ALIBABA_CLOUD_ACCESS_KEY_ID'],
                           ALICLOUD_SECRET_KEY=emulator_env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'], ALICLOUD_REGION=REGION,
                           NO_PROXY='127.0.0.1,localhost', no_proxy='127.0.0.1,localhost')
        passes = {'ours': [], 'peer': []}
        for r in range(repeats):
            for tool in ('ours', 'peer'):
                passes[tool].append(peer_pass(emulator, env, tool, tasks, settings, r, log))
        payloads = {tool: peer_payload(emulator, env, tool, tasks, settings, log) for tool in ('ours', 'peer')}
    results = {'instances': n, 'repeats': repeats, 'latency_ms': latency_ms, 'runs': {}}
    for key in passes['ours'][0]:
        if key == 'bound':
            continue
        row = {}
        for tool in ('ours', 'peer'):
            records = [p[key] for p in passes[tool]]
            row[tool] = {'task_seconds': statistics.median(r['task_seconds'] or 0 for r in records),
                         'task_seconds_all': [r['task_seconds'] for r in records],
                         'playbook_seconds': statistics.median(r['seconds'] for r in records),
                         'rc': max(r['rc'] for r in records), 'changed': [r['changed'] for r in records],
                         **{k: records[0][k] for k in ('total_calls', 'calls', 'writes', 'write_calls')}}
        row['ratio'] = row['peer']['task_seconds'] / row['ours']['task_seconds'] if row['ours']['task_seconds'] else None
        results['runs'][key] = row
    results['bound'] = {tool: [p['bound'] for p in passes[tool]] for tool in passes}
    results['payloads'] = payloads
    return results


def peer_payload(emulator, env, tool, tasks, settings, log=print, runs=5):
    """Step 1's module process of `tool` run directly, its role already there (a rerun): CPU (the least of `runs`), wall,
    peak RSS and imports (payload_profile), load-insensitive where the per-task wall times are not."""
    control = emulator.control
    python = settings['python'] if tool == 'peer' else sys.executable
    inventory = os.path.join(BUILD, f'peer-inventory-{tool}.json')
    name, module, args = tasks[(tool, 'step 1')]
    remote_tmp = os.path.join(BUILD, f'peer-remote-tmp-{tool}')
    shutil.rmtree(remote_tmp, ignore_errors=True)
    playbook = os.path.join(BUILD, f'peer-{tool}-step1.json')
    run_playbook(['-i', inventory, playbook], {**env, 'ANSIBLE_KEEP_REMOTE_FILES': '1', 'ANSIBLE_REMOTE_TMP': remote_tmp}, control,
                 os.path.join(BUILD, f'peer-payload-{tool}.log'))
    found = glob.glob(os.path.join(remote_tmp, '*', 'AnsiballZ_*.py'))
    if not found:
        return {}
    cursor = control.cursor()
    profile = payload_profile(found[0], env, runs=runs, python=python)
    profile['calls_per_run'] = len(control.calls(since=cursor)) / (runs + 2)  # the timed runs, the import profile, the RSS run
    cpus = []
    for dummy in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([python, found[0]], env=env, capture_output=True, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    profile['payload_cpu_min'] = min(cpus)
    log(f"  {tool:4} step 1 payload ({module}): CPU {profile['payload_cpu_min']:.3f} s (least of {runs}), imports "
        f"{profile['import_ms']:.0f} ms, {profile['modules_imported']} modules, peak RSS {(profile['peak_rss_bytes'] or 0) / 2**20:.0f} MiB")
    return profile


# ---------------------------------------------------------------- machine

def _read(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except OSError:
        return ''


def machine():
    cpu = next((line.split(':', 1)[1].strip() for line in _read('/proc/cpuinfo').splitlines() if line.startswith('model name')), platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in _read('/proc/meminfo').splitlines() if line.startswith('MemTotal')), 0)
    os_name = next((line.split('=', 1)[1].strip('"') for line in _read('/etc/os-release').splitlines() if line.startswith('PRETTY_NAME=')),
                   platform.system())
    versions = {}
    for dist in ('ansible-core', 'alibabacloud-tea-openapi', 'alibabacloud-credentials', 'alibabacloud-ram20150501',
                 'alibabacloud-ecs20140526', 'alibabacloud-kms20160120', 'aiohttp'):
        try:
            from importlib.metadata import version  # pylint: disable=import-outside-toplevel
            versions[dist] = version(dist)
        except Exception:  # pylint: disable=broad-except
            versions[dist] = 'not installed'
    return {'cpu': cpu, 'cores': os.cpu_count(), 'memory_mib': memory, 'os': os_name, 'kernel': platform.release(),
            'python': platform.python_version(), 'versions': versions, 'load_before': os.getloadavg()}


# ---------------------------------------------------------------- main

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true', help='smaller and fewer runs (BENCH_QUICK=1 in tools/bench.sh)')
    parser.add_argument('--smoke', action='store_true', help='site.yml with 100 instances, check the call budgets only, write nothing')
    parser.add_argument('--latency-ms', type=int, default=30, help='emulator latency added to every request (a real round trip)')
    parser.add_argument('--sizes', help='fleet sizes for site.yml (default 100,1000,10000; quick 100,1000)')
    parser.add_argument('--perhost-sizes', help='fleet sizes for the per-host way (default 100,1000; quick 100)')
    parser.add_argument('--repeats', type=int, help='site.yml runs per size, the median is reported (default 3; quick 1)')
    parser.add_argument('--perhost-repeats', type=int, help='per-host runs per size (default 3 for 100 and 1 above; quick 1)')
    parser.add_argument('--startup-rounds', type=int, help='timed no-op invocations of each module (default 8; quick 3)')
    parser.add_argument('--startup-modules', help='comma-separated start-up task names to measure (default all; ping and the RAM '
                        'modules that make the state always run)')
    parser.add_argument('--payload-runs', type=int, default=3, help='direct runs of each AnsiballZ payload (median)')
    parser.add_argument('--floor-runs', type=int, default=7, help='runs of each import-floor step (least CPU)')
    parser.add_argument('--forks', type=int, default=10, help='ansible forks (what the per-host way runs in parallel)')
    parser.add_argument('--sequential-sizes', help='site.yml sizes also run with max_concurrency 1, interleaved (default 1000,10000; '
                        'quick 1000)')
    parser.add_argument('--skip', default='', help='comma-separated parts to skip: site, perhost, startup, peer, inventory')
    parser.add_argument('--inventory-instances', type=int, default=10000, help='instances of the inventory plugin benchmark')
    parser.add_argument('--inventory-repeats', type=int, default=1, help='uncached ansible-inventory runs (median)')
    parser.add_argument('--peer-instances', type=int, default=10, help='instances of step 2b in the comparison with the peer')
    parser.add_argument('--peer-repeats', type=int, help='passes of the comparison with the peer, the median is reported (default 3; quick 1)')
    parser.add_argument('--results', default=os.path.join(BUILD, 'results.json'))
    parser.add_argument('--render-only', action='store_true', help='render docs/performance.md from --results, run nothing')
    parser.add_argument('--update', action='store_true',
                        help='keep the parts of an existing --results file that this run skips (re-measure one part)')
    parser.add_argument('--doc', default=os.path.join(ROOT, 'docs', 'performance.md'))
    args = parser.parse_args(argv)
    quick = args.quick
    args.sizes = [int(s) for s in (args.sizes or ('100,1000' if quick else '100,1000,10000')).split(',') if s]
    args.sequential_sizes = [int(s) for s in (args.sequential_sizes or ('1000' if quick else '1000,10000')).split(',') if s]
    args.perhost_sizes = [int(s) for s in (args.perhost_sizes or ('100' if quick else '100,1000')).split(',') if s]
    args.repeats = args.repeats or (1 if quick else 3)
    args.startup_rounds = args.startup_rounds or (3 if quick else 8)
    args.peer_repeats = args.peer_repeats or (1 if quick else 3)
    args.skip = {s for s in args.skip.split(',') if s}
    return args


def smoke(latency_ms, forks):
    """Issue 8's smoke check: site.yml converges 100 instances within the call budgets; returns the problems."""
    os.makedirs(BUILD, exist_ok=True)
    with EmulatorProcess(latency_ms=latency_ms) as emulator:
        pair = converge_pair(emulator, playbook_env(emulator, forks), 100, 'site', 0)
    return budget_problems(100, pair['first'], pair['rerun']) + ([pair['problem']] if 'problem' in pair else []), pair


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(BUILD, exist_ok=True)
    if args.smoke:
        problems, dummy = smoke(0, args.forks)
        print('\n'.join(problems) or 'smoke: site.yml with 100 instances is within the call budgets of issue 8')
        return 1 if problems else 0
    if args.render_only:
        with open(args.results, encoding='utf-8') as handle:
            results = json.load(handle)
        report.render(results, args.doc)
        return 0
    started = time.monotonic()
    now = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    results, earlier = {}, 0.0
    if args.update and os.path.exists(args.results):
        with open(args.results, encoding='utf-8') as handle:
            results = json.load(handle)
        earlier = results.get('seconds', 0.0)
        previous = results.get('machine', {})
        results['updated'] = {'at': now, 'parts': sorted({'site', 'perhost', 'startup', 'peer', 'inventory'} - args.skip),
                              'earlier_load': [previous.get('load_before'), previous.get('load_after')]}
    settings = {'latency_ms': args.latency_ms, 'forks': args.forks, 'repeats': args.repeats, 'quick': args.quick,
                'sequential_sizes': args.sequential_sizes, 'argv': list(sys.argv[1:] if argv is None else argv),
                'sizes': args.sizes, 'perhost_sizes': args.perhost_sizes, 'startup_rounds': args.startup_rounds}
    results |= {'started': results.get('started', now), 'machine': machine(), 'settings': results.get('settings') or settings}
    parts_load = {}
    with EmulatorProcess(latency_ms=args.latency_ms) if {'site', 'perhost'} - args.skip else contextlib.nullcontext() as emulator:
        env = playbook_env(emulator, args.forks) if emulator else None
        if 'site' not in args.skip:
            parts_load['site'] = os.getloadavg()
            print(f'fleets with playbooks/site.yml, {args.repeats} run(s) each, latency {args.latency_ms} ms', flush=True)
            results['site'], results['site_sequential'] = fleets(emulator, env, args.sizes, 'site', args.repeats,
                                                                 sequential_sizes=args.sequential_sizes)
            write_json(args.results, results)  # each part as it ends: a later part that fails can be rerun with --update
        if 'perhost' not in args.skip:
            parts_load['perhost'] = os.getloadavg()
            print(f'fleets the per-host way (tests/benchmarks/perhost.yml), forks {args.forks}', flush=True)
            results['perhost'] = {}
            for n in args.perhost_sizes:
                repeats = args.perhost_repeats or (1 if args.quick or n > 100 else args.repeats)
                results['perhost'].update(fleets(emulator, env, [n], 'perhost', repeats))
            write_json(args.results, results)
    if 'startup' not in args.skip:
        parts_load['startup'] = os.getloadavg()
        print(f'module start-up: {args.startup_rounds} no-op invocations of each module, latency 0', flush=True)
        results['startup'] = startup(args.startup_rounds, args.forks, payload_runs=args.payload_runs, floor_runs=args.floor_runs,
                                     modules=[m for m in (args.startup_modules or '').split(',') if m])
        write_json(args.results, results)
    if 'peer' not in args.skip:
        parts_load['peer'] = os.getloadavg()
        print(f'the peer (alibaba.alicloud + footmark) and this collection, same work, {args.peer_repeats} pass(es), '
              f'latency {args.latency_ms} ms', flush=True)
        results['peer'] = peer_compare(args.latency_ms, args.forks, args.peer_repeats, args.peer_instances)
        write_json(args.results, results)
    if 'inventory' not in args.skip:
        parts_load['inventory'] = os.getloadavg()
        print(f'the inventory plugin over {args.inventory_instances:,} instances, {args.inventory_repeats} run(s)', flush=True)
        import inventory_bench  # pylint: disable=import-outside-toplevel
        results['inventory'] = inventory_bench.measure(args.inventory_instances, 3, args.latency_ms, args.inventory_repeats)
    results['machine']['load_parts'] = {**results['machine'].get('load_parts', {}), **parts_load}
    results['machine']['load_after'] = os.getloadavg()
    results['seconds'] = earlier + time.monotonic() - started
    write_json(args.results, results)
    report.render(results, args.doc)
    problems = report.target_problems(results)
    print(f"\n{len(problems)} target(s) missed" + ''.join(f'\n  - {p}' for p in problems) if problems else '\nevery target met')
    print(f'results: {os.path.relpath(args.results, ROOT)}; report: {os.path.relpath(args.doc, ROOT)}; {results["seconds"]:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
