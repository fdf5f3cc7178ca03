# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kms_access role in a messy fleet playbook, as a fleet operator runs it (issue 13).

A fleet of more than 300 instances in two regions: healthy VPC instances, classic-network ones, ids that no longer
exist, stopped ones, some holding another role, hosts listed by name only (found by their metadata service) and one
whose metadata service is disabled. Two plays (one with `roles:`, one with `include_role`), each with tasks before and
after the role. Most healthy hosts skip the verification (group variable) to keep the run short; per-host failure
isolation is asserted on every host.

Runs: --check (with a report file), the real run (default verbosity, as a user sees it), the rerun; then a play with
`serial`, and the verification waiting out the emulator's propagation delay.
"""

from __future__ import annotations

import json
import math
from collections import Counter

from fleet import recap
from harness import ACCOUNT_ID, REGION

OTHER_REGION = 'cn-shanghai'
SIZE = (12, 10)
EXTRA = (140, 120)  # healthy instances bound by id only (no inventory host), per region
ROLE = 'rel-fleet-role'
FOREIGN = 'rel-fleet-foreign'
AFTER = 'The application after the role'
BEFORE = 'The application before the role'
FAIL_TASK = 'Fail the hosts whose verification failed, or whose instance could not be found or bound'
UNBOUND_CODES = {'classic': 'InvalidNetworkType.MismatchRamRole', 'missing': 'InvalidInstanceId.NotFound',
                 'foreign': 'InstanceRamRole.Conflict'}


def seed(h, count, region, prefix, **extra):
    return h.control.seed_instances(count=count, account_id=ACCOUNT_ID, region_id=region, prefix=prefix, **extra)


class MessyFleet:
    """The fleet, its inventory (hosts by kind) and the expected outcome of each host."""

    def __init__(self, h, healthy=SIZE, extra=EXTRA, verified=6):
        self.h = h
        h.create_role(FOREIGN)
        self.hosts = {}   # host -> {'kind', 'region', 'instance_id', vars}
        for region, count in zip((REGION, OTHER_REGION), healthy):
            tag = 'hz' if region == REGION else 'sh'
            for n, iid in enumerate(seed(h, count, region, f'rel-fleet-{tag}-'), 1):
                self.add(f'{tag}-app-{n}', 'healthy', region, iid)
            for n, iid in enumerate(seed(h, 2, region, f'rel-fleet-{tag}-classic-', network_type='classic'), 1):
                self.add(f'{tag}-classic-{n}', 'classic', region, iid)
            for n, iid in enumerate(seed(h, 2, region, f'rel-fleet-{tag}-foreign-', ram_role_name=FOREIGN), 1):
                self.add(f'{tag}-foreign-{n}', 'foreign', region, iid)
            # listed by name only: the role finds the instance id and the region in the host's metadata service
            for n, iid in enumerate(seed(h, 5, region, f'rel-fleet-{tag}-found-'), 1):
                self.add(f'{tag}-found-{n}', 'discovered', region, iid, by_name=True)
            self.add(f'{tag}-gone-1', 'missing', region, f'i-{tag}relfleetgone01')
        # a host whose metadata service is disabled: discovery fails, for that host only
        dark = seed(h, 1, REGION, 'rel-fleet-dark-', http_endpoint='disabled')[0]
        self.add('hz-dark-1', 'dark', REGION, dark, by_name=True)
        # bound by id only (no inventory host): stopped instances of both regions, as {instance_id, region_id}
        self.stopped = {REGION: seed(h, 3, REGION, 'rel-fleet-hz-stopped-', status='Stopped'),
                        OTHER_REGION: seed(h, 3, OTHER_REGION, 'rel-fleet-sh-stopped-', status='Stopped')}
        self.extra = {region: seed(h, count, region, f'rel-fleet-{region}-byid-') for region, count in zip((REGION, OTHER_REGION), extra)}
        # the two plays: hosts alternate between the web tier (roles:) and the app tier (include_role)
        names = list(self.hosts)
        self.tiers = {'web': names[0::2], 'app': names[1::2]}
        # the verification runs on a few healthy and discovered hosts of each region and tier; the others skip it
        healthy_hosts = [n for n in names if self.hosts[n]['kind'] in ('healthy', 'discovered')]
        self.verified = [n for n in healthy_hosts if n.endswith(tuple(f'-{i}' for i in range(1, verified // 2 + 1)))]
        # a metadata service of its own for each host that reads it (a port each: not for the others)
        for name in self.verified + [n for n in names if self.hosts[n]['kind'] in ('discovered', 'dark')]:
            self.hosts[name]['vars']['metadata_proxy'] = h.control.metadata_proxy(self.hosts[name]['instance_id'])

    def add(self, name, kind, region, iid, by_name=False):
        host_vars = {}
        if not by_name:
            host_vars['instance_id'] = iid
            if region != REGION or kind == 'classic':
                host_vars['region_id'] = region
        self.hosts[name] = {'kind': kind, 'region': region, 'instance_id': iid, 'vars': host_vars}

    @property
    def ids(self):
        """{region: every instance id the role is asked to bind in it}."""
        found = {REGION: [], OTHER_REGION: []}
        for host in self.hosts.values():
            if host['kind'] != 'dark':
                found[host['region']].append(host['instance_id'])
        for region in found:
            found[region].extend(self.stopped[region] + self.extra[region])
        return found

    def play_ids(self, tier, with_extra=False):
        """{region: the ids the play of `tier` binds}."""
        # in the role's order: the given ids first, then the hosts'
        found = {region: (self.stopped[region] + self.extra[region]) if with_extra else [] for region in (REGION, OTHER_REGION)}
        for name in self.tiers[tier]:
            if self.hosts[name]['kind'] != 'dark':
                found[self.hosts[name]['region']].append(self.hosts[name]['instance_id'])
        return found

    def inventory(self):
        return {name: host['vars'] for name, host in self.hosts.items()}

    def groups(self):
        skip = [n for n in self.hosts if n not in self.verified]
        return {'web': {'hosts': self.tiers['web']}, 'app': {'hosts': self.tiers['app']},
                'no_verification': {'hosts': skip, 'vars': {'kms_access_verify': False}}}

    def expected(self, name):
        """'ok' or the API code the host fails with."""
        kind = self.hosts[name]['kind']
        return {'healthy': 'ok', 'discovered': 'ok', 'dark': 'Metadata.TokenRefused'}.get(kind) or UNBOUND_CODES[kind]


def plays(role_vars):
    def marker(name, value):
        return {'name': name, 'ansible.builtin.set_fact': {'marker': value}}
    return [
        {'name': 'The web tier', 'hosts': 'web', 'gather_facts': False, 'vars': role_vars,
         'pre_tasks': [marker(BEFORE, 'web')],
         'roles': [{'role': 'alicloud.instance_ram.kms_access'}],
         'tasks': [marker(AFTER, 'web')]},
        # the ids without a host are the web tier's: check mode cannot know that an earlier play bound them
        {'name': 'The app tier', 'hosts': 'app', 'gather_facts': False, 'vars': {**role_vars, 'kms_access_instance_ids': []},
         'tasks': [marker(BEFORE, 'app'),
                   {'name': 'Key-less KMS access', 'ansible.builtin.include_role': {'name': 'alicloud.instance_ram.kms_access'}},
                   marker(AFTER, 'app')]},
    ]


def role_vars(fleet, report):
    key = fleet.h.create_key('alias/rel-fleet-key') if not getattr(fleet, 'key', None) else fleet.key
    fleet.key = key
    return {'kms_access_role_name': ROLE, 'kms_access_region_id': REGION, 'kms_access_kms_endpoint': fleet.h.url,
            'kms_access_verify_checks': ['encrypt_decrypt'], 'kms_access_verify_key_id': key,
            'kms_access_report_file': report,
            # given ids: the stopped instances as {instance_id, region_id}, those of the default region also as bare ids
            'kms_access_instance_ids': [{'instance_id': i, 'region_id': r} for r, ids in fleet.stopped.items() for i in ids]
            + fleet.extra[REGION] + [{'instance_id': i, 'region_id': OTHER_REGION} for i in fleet.extra[OTHER_REGION]]}


def run(h, fleet, name, report, **options):
    return h.run(plays(role_vars(fleet, report)), name, inventory=fleet.inventory(), groups=fleet.groups(), verbose=False,
                 env={**h.environment, 'RELIABILITY_RECORD_AT_END': '1', 'ANSIBLE_FORKS': '20'}, timeout=900, **options)


def reports(path):
    """The report files of the two plays (the second play overwrites the first: each play writes its own)."""
    return json.loads(open(path, encoding='utf-8').read())


def host_statuses(run_):
    """{host: ('failed', message) or ('ok', None)} for the role's final task, and the hosts that ran the task after the role."""
    failed = {r['host']: r['result'].get('msg', '') for r in run_.records if r['status'] == 'failed'}
    after = {r['host'] for r in run_.records if r['task'] == AFTER and r['status'] == 'ok'}
    before = {r['host'] for r in run_.records if r['task'] == BEFORE and r['status'] == 'ok'}
    return failed, after, before


BINDING = 'Step 2 - bind the role to every instance of the region, in one call'
# steps 3 and 4, one module run a host
VERIFY = "Steps 3 and 4 - KMS with the instance role's temporary credentials from its metadata service (hardened mode), no AccessKey anywhere"


def per_instance(run_):
    """{instance id: (action, role after, code)} of every binding call of the run (both plays, every region)."""
    found = {}
    for record in run_.records:
        if record['task'] == BINDING:
            for row in record['result'].get('results', []):
                found[row['instance_id']] = (row['action'], row['role_after'], row['code'])
    return found


def test_a_messy_two_region_fleet_in_two_plays(h, tmp_path):
    fleet = MessyFleet(h)
    total = sum(len(ids) for ids in fleet.ids.values())
    assert total >= 300 and min(len(ids) for ids in fleet.ids.values()) > 100

    # ------------------------------------------------ check mode: predicts every play, unbindable hosts included
    start = h.control.cursor()
    checked = run(h, fleet, 'fleet-check', str(tmp_path / 'check.json'), check=True, diff=True)
    assert not h.control.calls(since=start, write=True), 'check mode wrote'
    # --diff: every pending binding, the instance named with its host, also where hosts of the same call fail
    for name in ('hz-app-1', 'sh-app-2', 'hz-found-1'):
        assert f"{fleet.hosts[name]['instance_id']} ({name})" in checked.output, name
    assert fleet.extra[OTHER_REGION][0] in checked.output
    predicted = per_instance(checked)
    failed, after, before = host_statuses(checked)
    assert before == set(fleet.hosts), 'a play did not start on every host' + checked.tail()
    assert {n for n in fleet.hosts if fleet.expected(n) != 'ok'} == set(failed), (failed, checked.tail(120))

    # ------------------------------------------------ the real run
    start = h.control.cursor()
    real = run(h, fleet, 'fleet-real', str(tmp_path / 'real.json'))
    middle = h.control.cursor()
    assert real.rc == 2, real.tail()   # some hosts failed: the playbook says so
    done = per_instance(real)
    failed, after, before = host_statuses(real)
    rows = recap(real)
    assert set(rows) == set(fleet.hosts)
    for name, host in fleet.hosts.items():
        want = fleet.expected(name)
        if want == 'ok':
            assert name in after and rows[name]['failed'] == 0, f'{name}: {failed.get(name)}'
        else:
            # fails alone, with its instance id and its code; never reaches the tasks after the role
            assert name not in after and rows[name]['failed'] == 1, name
            assert failed[name].startswith(f'{name}: ') and want in failed[name] and len(failed[name]) < 400, failed[name]
            if host['kind'] != 'dark':
                assert host['instance_id'] in failed[name] and host['region'] in failed[name], failed[name]
    # both plays ran (the second play after hosts of the first failed), and each host ran only its tier's tasks
    markers = {r['host']: r['result']['ansible_facts']['marker'] for r in real.records if r['task'] == AFTER}
    assert set(markers.values()) == {'web', 'app'}
    assert all(markers[n] == ('web' if n in fleet.tiers['web'] else 'app') for n in markers)

    # the emulator agrees, instance by instance, and the check run predicted exactly that
    roles = h.instance_roles()
    for name, host in fleet.hosts.items():
        iid = host['instance_id']
        if host['kind'] in ('healthy', 'discovered'):
            assert roles[iid] == ROLE, name
        elif host['kind'] in ('classic', 'dark'):
            assert roles[iid] is None, name
        elif host['kind'] == 'foreign':
            assert roles[iid] == FOREIGN, name
    assert all(roles[i] == ROLE for region in fleet.ids for i in fleet.stopped[region] + fleet.extra[region])
    assert predicted == done, 'check mode predicted other per-instance outcomes than the real run had'
    assert len(done) == total and Counter(a for a, r, c in done.values())['attached'] == total - 10

    # verification: on the chosen hosts only, every one passed as its own instance, each in its own region
    verified = {r['host'] for r in real.records if r['task'] == VERIFY and r['status'] == 'ok' and r['result'].get('passed')}
    assert verified == set(fleet.verified) and len(verified) == 12
    kms = [c for c in h.control.calls(since=start) if c['product'] == 'KMS']
    assert {c['principal'].rsplit('/', 1)[1] for c in kms} == {fleet.hosts[n]['instance_id'] for n in fleet.verified}

    # the writes: one batch of attaches per region and play, never one per host
    writes = h.control.calls(since=start, write=True)
    attaches = [c for c in writes if c['action'] == 'AttachInstanceRamRole']
    assert {c['params']['RegionId'] for c in attaches} == {REGION, OTHER_REGION}
    assert len(attaches) <= 2 * 2 * math.ceil(max(len(v) for v in fleet.ids.values()) / 100) + 4

    # the console of the failing run: the role's own lines are short, the summary fits a screen
    summaries = [r['result']['msg'] for r in real.records if r['task'] == 'Summary - show it']
    assert len(summaries) == 2
    for lines in summaries:
        text = '\n'.join(lines)
        assert len(text) < 2500, text
        assert any(line.startswith('  cn-shanghai: ') for line in lines) and any(line.startswith('  cn-hangzhou: ') for line in lines)
        assert 'every instance: fact kms_access_binding.instances' in text
    longest = max(real.output.splitlines(), key=len)
    assert len(longest) < 500, longest[:300]
    role_output = [line for line in real.output.splitlines() if not line.startswith(('ok: [', 'skipping: [', 'changed: [', 'included: '))]
    # what ansible-core prints for each failed host (its [ERROR] block with the task's origin, then the fatal line) stays
    # under 1 KB a host; no task prints a per-instance list (309 instances) at default verbosity
    failing = [n for n in fleet.hosts if fleet.expected(n) != 'ok']
    per_host = [line for line in real.output.splitlines() if any(f'[{n}]' in line or f' {n}: ' in line for n in failing)]
    assert all(len(line) < 500 for line in per_host) and len('\n'.join(per_host)) < 500 * 2 * len(failing)
    assert not any(fleet.extra[OTHER_REGION][-1] in line for line in real.output.splitlines())
    h.ledger.add('role', 'kms_access in a messy two-region fleet', target='two plays', hosts=len(fleet.hosts), instances=total,
                 console_bytes=len(real.output), console_bytes_without_per_host_status_lines=len('\n'.join(role_output)))
    (tmp_path / 'console.txt').write_text(real.output, encoding='utf-8')
    print('\n'.join(role_output[-80:]))

    # the report files: the full per-instance list of each play, with host names
    report = reports(tmp_path / 'real.json')
    assert {r['instance_id'] for r in report['instances']} <= set(done)
    assert all(r['host'] for r in report['instances'] if r['action'] != 'attached' and r['region_id'])

    # ------------------------------------------------ the rerun: zero writes, the call floor of each region
    rerun = run(h, fleet, 'fleet-rerun', str(tmp_path / 'rerun.json'))
    assert rerun.rc == 2
    calls = [c for c in h.control.calls(since=middle) if c['product'] in ('RAM', 'ECS')]
    assert not [c for c in calls if c['write']], 'the rerun wrote'
    again = per_instance(rerun)
    assert all(a == 'unchanged' for a, r, c in again.values() if a != 'failed')
    assert set(failed) == set(host_statuses(rerun)[0])
    # the floor of each play: 3 RAM calls (RAM is global) + ceil(N/50) reads for the N instances of each region
    per_play = {'web': fleet.play_ids('web', with_extra=True), 'app': fleet.play_ids('app')}
    budget = sum(3 + sum(math.ceil(len(ids) / 50) for ids in regions.values()) for regions in per_play.values())
    counted = Counter((c['product'], c['action'], c['params'].get('RegionId', '-')) for c in calls)
    print('rerun calls:', dict(counted), 'budget:', budget, 'play ids:', {p: {r: len(i) for r, i in v.items()} for p, v in per_play.items()})
    h.ledger.add('role', 'kms_access messy fleet rerun', target='two plays', calls=len(calls), budget=budget,
                 counts={' '.join(k): n for k, n in counted.items()})
    # RAM is read once per play, whatever the regions (step 1; the binding does not read the role again)
    assert sum(n for (product, action, region), n in counted.items() if product == 'RAM') == 2 * 2
    # the binding engine (module_utils/_ecs_binding.py) pays 2 more reads for each 100-id chunk that holds an id DescribeInstanceRamRole
    # cannot read (missing, classic): the failed read, and DescribeInstances to find the culprits
    unreadable = {h_['instance_id'] for h_ in fleet.hosts.values() if h_['kind'] in ('classic', 'missing')}
    extra = sum(2 for regions in per_play.values() for ids in regions.values()
                for chunk in (ids[i:i + 100] for i in range(0, len(ids), 100)) if unreadable & set(chunk))
    assert len(calls) <= budget + extra, f'the rerun made {len(calls)} RAM/ECS calls, more than {budget} + {extra}: {dict(counted)}'


def test_serial_batches_bind_their_own_hosts_and_the_verification_waits_out_propagation(h):
    """`serial: 2` over 6 hosts in two regions, with the emulator's propagation delay: each batch binds its own
    hosts, its summary counts only them, nothing of an earlier batch is undone, and the verification right after the
    binding retries "no role yet" / Forbidden.NoPermission until the change propagated."""
    key = h.create_key('alias/rel-serial-key')
    ids = {REGION: seed(h, 3, REGION, 'rel-serial-hz-'), OTHER_REGION: seed(h, 3, OTHER_REGION, 'rel-serial-sh-')}
    inventory = {}
    for region, found in ids.items():
        for n, iid in enumerate(found, 1):
            inventory[f'{region[3:5]}-serial-{n}'] = {'instance_id': iid, 'region_id': region,
                                                      'metadata_proxy': h.control.metadata_proxy(iid)}
    # longer than the few tasks between the binding and the verification take on a loaded machine
    # last, alone in its batch: a classic instance, only reported (kms_access_unbindable: warn)
    classic = seed(h, 1, REGION, 'rel-serial-classic-', network_type='classic')[0]
    inventory['hz-serial-classic'] = {'instance_id': classic}
    h.control.set_propagation_delay(20)
    play = {'name': 'Serial', 'hosts': 'all', 'gather_facts': False, 'serial': 2,
            'vars': {'kms_access_role_name': 'rel-serial-role', 'kms_access_kms_endpoint': h.url,
                     'kms_access_verify_key_id': key, 'kms_access_verify_checks': ['encrypt_decrypt'],
                     'kms_access_unbindable': 'warn'},
            'roles': [{'role': 'alicloud.instance_ram.kms_access'}]}
    start = h.control.cursor()
    run_ = h.run([play], 'serial-propagation', inventory=inventory, verbose=False, env=h.environment)
    assert run_.rc == 0, run_.tail()
    hosts = list(inventory)
    batches = [hosts[i:i + 2] for i in range(0, len(hosts), 2)]
    # each batch: one binding task, for its own two hosts' instances only
    # one call per region of each batch: [hz, hz], [hz, sh], [sh, sh], [classic]; each instance in exactly one call
    binding = run_.results(BINDING)
    assert [r['result']['results'][0]['instance_id'] in ids[OTHER_REGION] for r in binding] == [False, False, True, True, False]
    rows = [row for r in binding for row in r['result']['results']]
    assert sorted(row['instance_id'] for row in rows) == sorted(v['instance_id'] for v in inventory.values())
    assert {row['instance_id']: row['action'] for row in rows} == {v['instance_id']: 'failed' if v['instance_id'] == classic else 'attached'
                                                                   for v in inventory.values()}
    # the first batch's call binds the first batch's hosts only
    assert sorted(row['instance_id'] for row in binding[0]['result']['results']) == sorted(inventory[n]['instance_id'] for n in batches[0])
    summaries = [r['result']['msg'] for r in run_.results('Summary - show it')]
    assert len(summaries) == 4 and all('verification: 2 of 2 host(s) passed' in lines for lines in summaries[:3]), summaries
    # the classic instance: listed, not failed (warn), not verified
    assert 'not found or not bound (warn) (1):' in summaries[3] and 'verification: not run' in summaries[3], summaries[3]
    assert recap(run_)['hz-serial-classic']['failed'] == 0
    assert set(h.instance_roles([i for found in ids.values() for i in found]).values()) == {'rel-serial-role'}
    assert h.instance_roles([classic])[classic] is None
    # every batch's verification waited: the role was not served at first, then it was
    verified = run_.results(VERIFY)
    attempts = [r['result']['attempts'] for r in verified if r['status'] == 'ok']
    assert len(attempts) == 6 and max(attempts) > 1, attempts
    imds = [c for c in h.control.calls(since=start) if c['product'] == 'IMDS' and c['action'] == 'MetadataCredentials']
    assert {c['status'] for c in imds} == {200, 404}
    # the fresh role's policy: KMS denied the first attempts, then allowed
    kms = [c for c in h.control.calls(since=start) if c['product'] == 'KMS']
    assert kms[-1]['status'] == 200 and all(c['status'] in (200, 403) for c in kms)
    h.ledger.add('role', 'kms_access with serial and a propagation delay', target='serial: 2', hosts=6, attempts=attempts,
                 metadata_404=sum(1 for c in imds if c['status'] == 404), kms_403=sum(1 for c in kms if c['status'] == 403))
