# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECS fake: an in-memory ECS region (`FakeEcs`), the RAM reads the binding pre-check makes (`FakeRam`), a clock
for the instance waits (`FakeClock`), and `run_module` with them as the module's clients.

FakeEcs behaves like the API as the project's API notes (alibaba-api.md, section 2) describe it, and as the
emulator implements it: every code, message and status it answers comes from the emulator's contract (errors.py),
and tests/emulator/tests/test_parity.py plays one scenario table through it and through the emulator.
"""

from __future__ import annotations

import json
import threading

from ansible_collections.alicloud.instance_ram.plugins.module_utils._client import ClientFactory
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support import module
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.errors import api_error, contract, is_write
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.module import AUTH

ROLE = 'EcsKmsRole'
OTHER = 'LegacyRole'
REGION = 'cn-hangzhou'
ALREADY = contract.ROLE_ALREADY_ATTACHED.code
NOT_FOUND_CODE = contract.INSTANCE_NOT_FOUND.code
CLASSIC_CODE = contract.CLASSIC_NETWORK.code


class FakeEcs:
    """An in-memory ECS region: instances with a network type, a status and at most one role.

    `faults` maps an action to a list of AlicloudApiError raised by its next calls (whole-call errors);
    `instance_faults` maps (action, instance id) to a (code, message) per-instance failure of its next call;
    `before` maps an action to a callable run before each call of it (a concurrent writer).

    Where the reference (section 0b) leaves two answers open, both are modelled:
    `describe_limit` is the InstanceIds limit of DescribeInstanceRamRole (50 as documented in the SDK, 100 as the
    English page says); `whole_call=True` fails a whole Attach/Detach call for a missing (404) or classic (403)
    instance, as documented, `False` reports them in per-instance rows (`Success: false`); `missing_role` is what
    DescribeInstanceRamRole by an unknown RamRoleName answers (`error`: InvalidRamRole.NotFound, `empty`: no instance);
    `fold_case=True` makes ECS report role names lower-cased and compare them without regard to case.
    `policy` (a RetryPolicy) retries every call as the real ApiClient does, so `retry_codes` take effect; each
    attempt is one call in `calls` and `log`.

    Thread-safe, for the concurrent engine: each attempt runs under a lock, after `latency(action, params)` (if set)
    which runs outside it, so calls overlap there; `in_flight` counts the attempts between their start and their
    answer and `peak` the most at once.
    """

    def __init__(self, vpc=(), classic=(), roles=None, ecs_roles=(ROLE, OTHER), *, describe_limit=50, whole_call=True,
                 missing_role='error', fold_case=False, policy=None):
        self.instances = {}
        for iid in vpc:
            self.add(iid)
        for iid in classic:
            self.add(iid, network='classic')
        for iid, role in (roles or {}).items():
            self.instances[iid]['role'] = role
        self.ecs_roles = set(ecs_roles)
        self.describe_limit = describe_limit
        self.whole_call = whole_call
        self.missing_role = missing_role
        self.fold_case = fold_case
        self.policy = policy
        self.calls = []
        self.log = []
        self.faults = {}
        self.instance_faults = {}
        self.before = {}
        self.created = 0
        self.tokens = {}
        self.latency = None
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.RLock()

    def add(self, iid, network='vpc', status='Running', name=None, tags=None, role=None, created='2026-01-01T00:00Z'):
        self.instances[iid] = {'network': network, 'role': role, 'status': status, 'name': name, 'tags': dict(tags or {}),
                               'created': created}

    # -- the ApiClient interface
    def call(self, action, params=None, *, retry_codes=(), retry_timeout=None):
        params = {k: v for k, v in (params or {}).items() if v is not None}

        def once():
            with self.lock:
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
            try:
                if self.latency is not None:
                    self.latency(action, params)
                with self.lock:
                    self.calls.append(action)
                    self.log.append((action, params, tuple(retry_codes), retry_timeout))
                    if action in self.before:
                        self.before[action](self)
                    if self.faults.get(action):
                        raise self.faults[action].pop(0)
                    return getattr(self, action)(params)
            finally:
                with self.lock:
                    self.in_flight -= 1
        if self.policy is None:
            return once()
        return self.policy.run(once, extra_codes=retry_codes, extra_timeout=retry_timeout, product='ecs', action=action)

    def writes(self):
        return [a for a in self.calls if is_write(a)]

    @staticmethod
    def _ids(params, limit=100):
        ids = json.loads(params['InstanceIds'])
        assert isinstance(ids, list) and 1 <= len(ids), ids
        if len(ids) > limit:
            raise api_error(contract.INSTANCE_IDS_MALFORMED, product='ecs')
        return ids

    # -- role names as this ECS spells and compares them
    def _spelled(self, role):
        return role.lower() if self.fold_case and role else role

    def _same(self, one, other):
        return (one or '').lower() == (other or '').lower() if self.fold_case else one == other

    def _known_role(self, role):
        return any(self._same(role, known) for known in self.ecs_roles)

    def _check_instances(self, ids):
        """The whole-call errors of a call naming a missing or classic instance."""
        for iid in ids:
            if iid not in self.instances:
                raise api_error(contract.INSTANCE_NOT_FOUND, product='ecs', request_id='REQ-404')
            if self.instances[iid]['network'] == 'classic':
                raise api_error(contract.CLASSIC_NETWORK, product='ecs', request_id='REQ-403')

    def DescribeInstanceRamRole(self, params):
        assert params['PageSize'] <= 50
        if 'RamRoleName' in params and not self._known_role(params['RamRoleName']) and self.missing_role == 'error':
            raise api_error(contract.RAM_ROLE_NOT_FOUND, product='ecs')
        if 'InstanceIds' in params:
            ids = self._ids(params, self.describe_limit)
            self._check_instances(ids)
            match = [i for i in ids if 'RamRoleName' not in params or self._same(params['RamRoleName'], self.instances[i]['role'])]
        else:
            match = [i for i, v in self.instances.items() if v['role'] is not None and self._same(v['role'], params['RamRoleName'])]
        start = (params.get('PageNumber', 1) - 1) * params['PageSize']
        page = match[start:start + params['PageSize']]
        return {'TotalCount': len(match), 'InstanceRamRoleSets': {'InstanceRamRoleSet': [
            {'InstanceId': i, 'RamRoleName': self.instances[i]['role'] or ''} for i in page]}}

    def _write(self, action, params, one):
        ok_message = contract.ATTACH_OK_MESSAGE if action == 'AttachInstanceRamRole' else contract.DETACH_OK_MESSAGE
        ids = self._ids(params)
        if self.whole_call:
            self._check_instances(ids)
        rows = []
        for iid in ids:
            failure = self.instance_faults.pop((action, iid), None)
            if failure is None:
                inst = self.instances.get(iid)
                if inst is None:
                    failure = contract.INSTANCE_NOT_FOUND[:2]
                elif inst['network'] == 'classic':
                    failure = contract.CLASSIC_NETWORK[:2]
                else:
                    failure = one(inst)
            rows.append({'InstanceId': iid, 'Success': failure is None, 'Code': failure[0] if failure else contract.ROW_OK_CODE,
                         'Message': failure[1] if failure else ok_message})
        return {'TotalCount': len(rows), 'FailCount': sum(1 for r in rows if not r['Success']),
                action + 'Results': {action + 'Result': rows}}

    def AttachInstanceRamRole(self, params):
        role = params['RamRoleName']
        if not self._known_role(role):
            raise api_error(contract.RAM_ROLE_NOT_FOUND, product='ecs')

        def one(inst):
            if inst['role'] is not None:
                return contract.ROLE_ALREADY_ATTACHED[:2]
            inst['role'] = self._spelled(role)
            return None
        return self._write('AttachInstanceRamRole', params, one)

    def DetachInstanceRamRole(self, params):
        def one(inst):
            if inst['role'] is None:
                return contract.ROLE_NOT_ATTACHED[:2]
            if 'RamRoleName' in params and not self._same(params['RamRoleName'], inst['role']):
                return contract.ROLE_MISMATCH[:2]
            inst['role'] = None
            return None
        return self._write('DetachInstanceRamRole', params, one)

    def DescribeInstances(self, params):
        assert params.get('MaxResults', 10) <= 100
        ids = self._ids(params) if 'InstanceIds' in params else list(self.instances)
        tags = {t['Key']: t['Value'] for t in params.get('Tag', [])}
        match = [i for i in ids if i in self.instances and params.get('InstanceName') in (None, self.instances[i]['name'])
                 and all(self.instances[i]['tags'].get(k) == v for k, v in tags.items())]
        start = int(params.get('NextToken') or 0)
        page = match[start:start + params['MaxResults']]
        body = {'Instances': {'Instance': [self.raw(i) for i in page]}}
        if start + len(page) < len(match):
            body['NextToken'] = str(start + len(page))
        return body

    def raw(self, iid):
        inst = self.instances[iid]
        return {'InstanceId': iid, 'InstanceName': inst['name'], 'Status': inst['status'], 'InstanceNetworkType': inst['network'],
                'RegionId': REGION, 'CreationTime': inst['created'],
                'VpcAttributes': {'VpcId': 'vpc-1', 'VSwitchId': 'vsw-1'} if inst['network'] == 'vpc' else {},
                'Tags': {'Tag': [{'TagKey': k, 'TagValue': v} for k, v in inst['tags'].items()]}}

    def RunInstances(self, params):
        assert params['VSwitchId']
        if params.get('RamRoleName') and not self._known_role(params['RamRoleName']):
            raise api_error(contract.RAM_ROLE_NOT_FOUND, product='ecs')
        token = params.get('ClientToken')
        if token in self.tokens:
            return {'InstanceIdSets': {'InstanceIdSet': list(self.tokens[token])}}  # the same token: the same instances
        ids = []
        for dummy in range(params.get('Amount', 1)):
            self.created += 1
            iid = f'i-new{self.created:03d}'
            self.add(iid, status='Pending', name=params.get('InstanceName'), role=self._spelled(params.get('RamRoleName')),
                     tags={t['Key']: t['Value'] for t in params.get('Tag', [])}, created=f'2026-06-01T00:{self.created:02d}Z')
            ids.append(iid)
        if token:
            self.tokens[token] = ids
        return {'InstanceIdSets': {'InstanceIdSet': ids}}

    def DeleteInstances(self, params):
        # the plural API fails as a whole: a missing id, or an instance still initializing (even with Force)
        assert params['Force'] is True and len(params['InstanceId']) <= 100
        for iid in params['InstanceId']:
            if iid not in self.instances:
                raise api_error(contract.INSTANCES_NOT_FOUND, product='ecs')
        for iid in params['InstanceId']:
            if self.instances[iid]['status'] in ('Pending', 'Starting'):
                raise api_error(contract.INITIALIZING, product='ecs')
        for iid in params['InstanceId']:
            self.instances.pop(iid)
        return {}


class FakeRam:
    def __init__(self, roles=None):
        self.roles = roles or {}
        self.calls = []

    def call(self, action, params=None, **dummy):
        self.calls.append(action)
        assert action == 'GetRole'
        name = params['RoleName']
        if name not in self.roles:
            raise api_error(contract.ROLE_NOT_FOUND, product='ram')
        return {'Role': {'RoleName': name, 'AssumeRolePolicyDocument': json.dumps(self.roles[name])}}


def run_module(main, capsys, monkeypatch, ecs, ram=None, *, check_mode=False, diff=False, **args):
    """module.run_module with the fakes as the module's clients and the unit-test keys: (exit code, result dict)."""
    clients = {'ecs': ecs, 'ram': ram}
    monkeypatch.setattr(ClientFactory, 'client', lambda self, product: clients[product])
    return module.run_module(main, capsys, check_mode=check_mode, diff=diff, **{**AUTH, 'region_id': REGION, **args})


def fleet(count, prefix='i-'):
    return [f'{prefix}{n:04d}' for n in range(count)]


def by_id(results):
    return {r['instance_id']: r for r in results}


class FakeClock:
    """A clock whose sleep advances it, instantly; also stands in for the time module inside _ecs_instances."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self):
        return self.now

    __call__ = monotonic


class Overlap:
    """A FakeEcs latency hook: the calls number `first` .. `first + parties - 1` (counted from 1) wait for each other
    at a barrier, so a passing run proves that many calls were in flight at once. A sequential engine breaks the
    barrier (after `timeout` seconds, a safety bound, never a measurement) and the call raises BrokenBarrierError.

    `threads` records the name of the thread of every call."""

    def __init__(self, first=2, parties=2, timeout=10.0):
        self.first = first
        self.barrier = threading.Barrier(parties, timeout=timeout)
        self.count = 0
        self.threads = []
        self._lock = threading.Lock()

    def __call__(self, action, params):
        with self._lock:
            self.count += 1
            number = self.count
            self.threads.append(threading.current_thread().name)
        if self.first <= number < self.first + self.barrier.parties:
            self.barrier.wait()
