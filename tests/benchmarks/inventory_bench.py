# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the ECS inventory plugin (issue 15): `ansible-inventory --list` over a fleet in several regions.

Against the emulator with a per-request latency (default 10,000 instances in 3 regions, 30 ms a call): API calls
by region and action against the budget (per region ceil(N/100) DescribeInstances + ceil(V/50)
DescribeInstanceRamRole for its V VPC instances), wall time (median of --repeats runs), peak memory (PSS of the
ansible-inventory process), then a run with the cache filled (0 calls). Results to build/bench/inventory.json.

    python tests/benchmarks/inventory_bench.py [--instances 10000] [--regions 3] [--latency-ms 30] [--repeats 3]
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench import BUILD, ROOT, EmulatorProcess, PeakMemory, machine, playbook_env  # noqa: E402 pylint: disable=wrong-import-position

REGIONS = ('cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'eu-central-1')


def seed(control, instances, regions):
    """N instances spread over the regions: every 10th classic, every other VPC one with a role, a few tags."""
    control.create_role('BenchInventoryRole')
    sizes = {}
    for index, region in enumerate(regions):
        n = instances // len(regions) + (1 if index < instances % len(regions) else 0)
        classic = n // 10
        with_role = (n - classic) // 2
        control.seed_instances(count=with_role, prefix=f'{region}-app-', region_id=region, ram_role_name='BenchInventoryRole',
                               tags={'app': 'web', 'env': 'prod'})
        control.seed_instances(count=n - classic - with_role, prefix=f'{region}-db-', region_id=region, tags={'app': 'db'})
        control.seed_instances(count=classic, prefix=f'{region}-old-', region_id=region, network_type='classic')
        sizes[region] = {'instances': n, 'vpc': n - classic}
    return sizes


def budget(sizes):
    return {region: math.ceil(s['instances'] / 100) + math.ceil(s['vpc'] / 50) for region, s in sizes.items()}


def run_inventory(config, env, control):
    cursor = control.cursor()
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', config, '--list']
    with tempfile.TemporaryFile() as out:
        start = time.monotonic()
        with subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.PIPE) as process:
            sampler = PeakMemory(process.pid, interval=0.05)
            sampler.start()
            stderr = process.stderr.read()
            rc = process.wait()
        seconds = time.monotonic() - start
        sampler.stop()
        out.seek(0)
        hosts = len(json.load(out)['_meta']['hostvars']) if rc == 0 else 0
    calls = control.calls(since=cursor)
    by_region = collections.defaultdict(collections.Counter)
    for call in calls:
        by_region[call['params'].get('RegionId', '-')][call['action']] += 1
    return {'rc': rc, 'seconds': round(seconds, 2), 'peak_bytes': sampler.peak, 'hosts': hosts, 'total_calls': len(calls),
            'calls': {region: dict(counter) for region, counter in sorted(by_region.items())},
            'stderr': stderr.decode(errors='replace')[-2000:] if rc else ''}


SECTION = '## Inventory plugin (issue 15)'


def section_lines(result):
    """The markdown section of docs/performance.md for one result of this benchmark."""
    runs = result['runs']
    lines = [SECTION, '',
             f"`ansible-inventory --list` with `alicloud.instance_ram.ecs` over {result['instances']:,} instances in "
             f"{len(result['regions'])} regions, {result['latency_ms']} ms added to every API request; "
             f"measured {result.get('started') or 'on ' + result['machine']['cpu']} by `make bench` "
             '(tests/benchmarks/inventory_bench.py, which also runs alone). Every tenth instance is classic-network, half of the '
             'others hold a role.', '',
             '| region | instances (VPC) | DescribeInstances | DescribeInstanceRamRole | calls | budget |',
             '| --- | ---: | ---: | ---: | ---: | ---: |']
    first = runs[0]['calls']
    for region, size in result['regions'].items():
        calls = first.get(region, {})
        lines.append(f"| {region} | {size['instances']:,} ({size['vpc']:,}) | {calls.get('DescribeInstances', 0)} | "
                     f"{calls.get('DescribeInstanceRamRole', 0)} | {sum(calls.values())} | {result['budget'][region]} |")
    largest = max(sum(c.values()) for c in first.values()) if first else 0
    lines += ['',
              f"- API calls: {runs[0]['total_calls']} a run (budget {result['budget_total']}: per region ceil(N/100) + "
              f"ceil(V/50)), the same in each of the {len(runs)} runs; "
              f"{'within' if result['within_budget'] else 'OVER'} budget in every region.",
              f"- Wall time: median {result['median_seconds']:.1f} s ({', '.join('%.1f' % r['seconds'] for r in runs)} s), "
              'regions read concurrently: the API part is about the largest region\'s call count x the latency '
              f"({largest} x {result['latency_ms']} ms = {largest * result['latency_ms'] / 1000:.1f} s here); the rest is ansible-core "
              'building and printing the hosts, which the cached run below (no call) shows.',
              f"- Peak memory (PSS of the ansible-inventory process): {result['max_peak_mib']} MiB.",
              '- Not included: `keyed_groups`, `groups` and `compose`. ansible-core 2.19 compiles each of these expressions '
              'anew for every host (`Constructable._compose`, no cache): about 4 ms of CPU per expression and host here '
              '(profiled: 1,000 hosts x 2 keyed groups = 8 s of CPU), i.e. some 40 s per expression for 10,000 hosts, '
              'whatever the plugin; `amazon.aws.aws_ec2` pays the same.',
              f"- With the cache filled (`cache: true`, jsonfile): {result['cached']['total_calls']} API calls, "
              f"{result['cached']['seconds']:.1f} s, {result['cached']['hosts']:,} hosts.",
              ]
    if result.get('load'):
        lines.append(f"- Load average before/after: {', '.join(str(x) for x in result['load'][0])} / "
                     f"{', '.join(str(x) for x in result['load'][1])} (other work on the 2 cores inflates wall times, not call counts).")
    lines.append('')
    return lines


def splice(doc_path, lines):
    """Put the section into the page: replace an earlier one, else insert it before the Notes (the rest untouched)."""
    with open(doc_path, encoding='utf-8') as handle:
        text = handle.read()
    block = '\n'.join(lines)
    if SECTION in text:
        start = text.index(SECTION)
        end = text.find('\n## ', start + len(SECTION))
        text = text[:start] + block + (text[end + 1:] if end >= 0 else '')
    elif '\n## Notes' in text:
        at = text.index('\n## Notes') + 1
        text = text[:at] + block + '\n' + text[at:]
    else:
        text = text.rstrip() + '\n\n' + block
    with open(doc_path, 'w', encoding='utf-8') as handle:
        handle.write(text.rstrip() + '\n')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--instances', type=int, default=10000)
    parser.add_argument('--regions', type=int, default=3, choices=range(1, len(REGIONS) + 1))
    parser.add_argument('--latency-ms', type=int, default=30)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--doc', help='write the section into this page (docs/performance.md)')
    parser.add_argument('--from-json', help='only render the section of an earlier result (build/bench/inventory.json)')
    args = parser.parse_args(argv)
    if args.from_json:
        with open(args.from_json, encoding='utf-8') as handle:
            splice(args.doc, section_lines(json.load(handle)))
        return 0
    result = measure(args.instances, args.regions, args.latency_ms, args.repeats)
    runs, from_cache = result['runs'], result['cached']
    path = os.path.join(BUILD, 'inventory.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(result, handle, indent=1)
    if args.doc:
        splice(args.doc, section_lines(result))
    print(json.dumps({k: result[k] for k in ('budget', 'budget_total', 'median_seconds', 'max_peak_mib', 'within_budget')}))
    print(json.dumps({'runs': [{k: r[k] for k in ('rc', 'seconds', 'hosts', 'total_calls', 'calls')} for r in runs]}))
    print(json.dumps({'cached': {k: from_cache[k] for k in ('rc', 'seconds', 'hosts', 'total_calls')}}))
    bad = problems(result)
    if bad:
        print('inventory benchmark: FAILED', '; '.join(bad), file=sys.stderr)
        return 1
    return 0


def problems(result):
    """What went wrong in a result of `measure` (a failed run, a host missing, calls over the budget, a cached call)."""
    found = [f"a run exited {r['rc']} with {r['hosts']} hosts: {r.get('stderr', '')[:300]}"
             for r in result['runs'] + [result['cache_fill'], result['cached']] if r['rc'] != 0 or r['hosts'] != result['instances']]
    if not result['within_budget']:
        found.append('API calls over the budget')
    if result['cached']['total_calls']:
        found.append(f"{result['cached']['total_calls']} API calls with the cache filled")
    return found


def measure(instances, regions_count, latency_ms, repeats):
    """`repeats` uncached `ansible-inventory --list` runs over `instances` in `regions_count` regions, then a cache fill and a cached run."""
    load_before = [round(x, 1) for x in os.getloadavg()]
    started = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    regions = REGIONS[:regions_count]
    os.makedirs(BUILD, exist_ok=True)
    with EmulatorProcess(latency_ms=latency_ms) as emulator, tempfile.TemporaryDirectory() as work:
        sizes = seed(emulator.control, instances, regions)
        env = playbook_env(emulator, 10)
        config = os.path.join(work, 'bench.alicloud_ecs.yml')
        cached = os.path.join(work, 'cached.alicloud_ecs.yml')
        # no keyed_groups/compose: ansible-core 2.19 compiles each such expression anew for every host (about 4 ms of
        # CPU each on this machine), which would measure ansible-core, not the plugin (see the section's notes)
        base = {'plugin': 'alicloud.instance_ram.ecs', 'regions': list(regions)}
        with open(config, 'w', encoding='utf-8') as handle:
            json.dump(base, handle)
        with open(cached, 'w', encoding='utf-8') as handle:
            json.dump(dict(base, cache=True, cache_plugin='ansible.builtin.jsonfile',
                           cache_connection=os.path.join(work, 'cache')), handle)
        runs = [run_inventory(config, env, emulator.control) for dummy in range(repeats)]
        fill = run_inventory(cached, env, emulator.control)
        from_cache = run_inventory(cached, env, emulator.control)
    expected = budget(sizes)
    result = {
        'started': started, 'load': [load_before, [round(x, 1) for x in os.getloadavg()]], 'machine': machine(),
        'latency_ms': latency_ms, 'instances': instances, 'regions': sizes,
        'budget': expected, 'budget_total': sum(expected.values()),
        'runs': runs, 'median_seconds': statistics.median(r['seconds'] for r in runs),
        'max_peak_mib': round(max(r['peak_bytes'] for r in runs) / 2 ** 20, 1),
        'cache_fill': fill, 'cached': from_cache,
        'within_budget': all(sum(r['calls'].get(region, {}).values()) <= expected[region] for r in runs for region in regions),
    }
    return result


if __name__ == '__main__':
    sys.exit(main())
