# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The binding engine with max_concurrency > 1 (issue 17): the same per-instance results, in the same order, the same
calls (counted per action and with their parameters) and the same end state as the sequential engine on twin fakes;
throttling cuts the concurrency (asserted through the gate's record of the limit each batch started under)."""

from __future__ import annotations

import collections
import json
import math
import threading

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ecs, _ecs_binding
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError, AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ecs import (
    ALREADY,
    OTHER,
    REGION,
    ROLE,
    FakeEcs,
    Overlap,
    fleet,
)


def messy(whole_call=True, describe_limit=50, fold_case=False, count=745):
    """A fleet of `count` VPC instances (every 37th holding OTHER, every 53rd ROLE), 3 classic and 2 missing ids spread over
    the chunks, per-instance failures (a definitive one, the undocumented "already holds a role", a missing row code)."""
    def build():
        ids = fleet(count)
        roles = {i: OTHER for n, i in enumerate(ids) if n % 37 == 5}
        roles.update({i: ROLE for n, i in enumerate(ids) if n % 53 == 7})
        ecs = FakeEcs(vpc=ids, classic=['c-1', 'c-2', 'c-3'], roles=roles, whole_call=whole_call, describe_limit=describe_limit,
                      fold_case=fold_case)
        ecs.instance_faults[('AttachInstanceRamRole', ids[130])] = ('InvalidUser.PassRoleForbidden', 'no PassRole')
        ecs.instance_faults[('AttachInstanceRamRole', ids[260])] = (ALREADY, 'already')
        ecs.instance_faults[('AttachInstanceRamRole', ids[42])] = ('IncorrectInstanceStatus', 'stopping')
        ecs.instance_faults[('DetachInstanceRamRole', ids[5])] = ('InternalError.Detach', 'flaky')
        asked = ids[:60] + ['c-1', 'i-gone-1'] + ids[60:300] + ['c-2'] + ids[300:] + ['i-gone-2', 'c-3']
        return ecs, asked
    return build


def twin(build, run, gate):
    """Run `run(ecs, asked, gate)` on a sequential and a concurrent twin: (results, ecs) of each."""
    seq_ecs, asked = build()
    con_ecs, dummy = build()
    return (run(seq_ecs, asked, 1), seq_ecs), (run(con_ecs, asked, gate), con_ecs)


def calls_by_action(ecs):
    return collections.Counter(ecs.calls)


def sent(ecs):
    """Every call with its parameters, as a multiset (the order of concurrent calls is not fixed)."""
    return collections.Counter((action, json.dumps(params, sort_keys=True)) for action, params, dummy, dummy2 in ecs.log)


def state(ecs):
    return {iid: inst['role'] for iid, inst in ecs.instances.items()}


def assert_twins(seq, con):
    (seq_results, seq_ecs), (con_results, con_ecs) = seq, con
    assert con_results == seq_results  # the same rows, in the same order
    assert calls_by_action(con_ecs) == calls_by_action(seq_ecs)
    assert sent(con_ecs) == sent(seq_ecs)
    assert state(con_ecs) == state(seq_ecs)


def bind(ecs, asked, gate, **kw):
    warnings = []
    results = _ecs_binding.bind_roles(ecs, REGION, asked, kw.pop('role', ROLE), warn=warnings.append, max_concurrency=gate, **kw)
    return results, warnings


@pytest.mark.parametrize('whole_call', [True, False])
@pytest.mark.parametrize('on_conflict', ['fail', 'skip', 'replace'])
def test_messy_fleet_bind_is_the_same_as_sequential(whole_call, on_conflict):
    overlap = Overlap()
    gate = _ecs.Concurrency(4)

    def run(ecs, asked, max_concurrency):
        if max_concurrency is gate:
            ecs.latency = overlap
        return bind(ecs, asked, max_concurrency, on_conflict=on_conflict)
    seq, con = twin(messy(whole_call), run, gate)
    assert_twins(seq, con)
    results = seq[0][0]
    assert {r['action'] for r in results} >= {'attached', 'unchanged', 'failed'}
    assert _ecs_binding.summarize(results)['failed'] >= 5 + 2  # 3 classic, 2 missing, per-instance failures
    assert gate.peak > 1 and gate.cuts == 0 and set(gate.limits) == {4}
    assert len(set(overlap.threads)) > 1


@pytest.mark.parametrize('describe_limit, fold_case', [(50, False), (100, True)])
def test_messy_fleet_detach_and_reread_are_the_same_as_sequential(describe_limit, fold_case):
    def run(ecs, asked, max_concurrency):
        for iid in fleet(745)[::3]:
            ecs.instances[iid]['role'] = ecs._spelled(ROLE)  # pylint: disable=protected-access
        return bind(ecs, asked, max_concurrency, state='absent')
    seq, con = twin(messy(describe_limit=describe_limit, fold_case=fold_case), run, _ecs.Concurrency(4))
    assert_twins(seq, con)
    assert _ecs_binding.summarize(seq[0][0])['detached'] > 200


def test_replace_with_rollbacks_is_the_same_as_sequential():
    """Replaced instances whose attach fails get their previous role back, with the same warning, in the same order."""
    def build():
        ids = fleet(420)
        ecs = FakeEcs(vpc=ids, roles={i: OTHER for i in ids[::2]})
        for iid in ids[10:400:45]:
            ecs.instance_faults[('AttachInstanceRamRole', iid)] = ('InvalidUser.PassRoleForbidden', 'no PassRole')
        return ecs, ids
    seq, con = twin(build, lambda ecs, asked, g: bind(ecs, asked, g, on_conflict='replace'), _ecs.Concurrency(4))
    assert_twins(seq, con)
    results, warnings = seq[0]
    assert len(warnings) == 1 and 'got their previous RAM role back' in warnings[0]
    assert sum('re-attached' in (r['message'] or '') for r in results) == 5


@pytest.mark.parametrize('count', [1, 50, 51, 1000, 2345])
def test_first_bind_and_rerun_cost_the_same_calls(count):
    def run(ecs, asked, g):
        first = bind(ecs, asked, g)
        first_calls = calls_by_action(ecs)
        again = bind(ecs, asked, g)
        return first, first_calls, again
    seq, con = twin(lambda: (FakeEcs(vpc=fleet(count)), fleet(count)), run, 4)
    assert_twins(seq, con)
    first_calls = con[0][1]
    assert first_calls == {'DescribeInstanceRamRole': math.ceil(count / 50), 'AttachInstanceRamRole': math.ceil(count / 100)}
    assert calls_by_action(con[1]) - first_calls == {'DescribeInstanceRamRole': math.ceil(count / 50)}


def test_a_role_level_error_on_the_first_chunk_costs_one_call_as_sequentially():
    def build():
        ids = fleet(1000)
        ecs = FakeEcs(vpc=ids)
        ecs.faults['AttachInstanceRamRole'] = [AlicloudApiError('Forbidden.RAM', 'no attach', status=403)]
        return ecs, ids
    seq, con = twin(build, bind, _ecs.Concurrency(8))
    assert_twins(seq, con)
    assert calls_by_action(con[1])['AttachInstanceRamRole'] == 1
    assert sum(r['message'].startswith('not attempted') for r in con[0][0]) == 900


def test_a_role_level_error_later_stops_the_batches_not_yet_started():
    """A fatal error of a later chunk: chunks already in flight finish (at most max - 1 more calls than sequentially),
    the others are not attempted; every instance is reported, none attached after the error was seen."""
    ids = fleet(3000)
    ecs = FakeEcs(vpc=ids)
    gate = _ecs.Concurrency(4)

    def vanish(fake):
        if fake.calls.count('AttachInstanceRamRole') == 5:
            fake.ecs_roles.discard(ROLE)
    ecs.before['AttachInstanceRamRole'] = vanish
    results = _ecs_binding.apply_binding(ecs, REGION, ROLE, _ecs_binding.plan_binding(ids, {}, {}, ROLE), role_wait=0, gate=gate)
    attaches = ecs.calls.count('AttachInstanceRamRole')
    assert 5 <= attaches <= 5 + gate.maximum - 1
    summary = _ecs_binding.summarize(results)
    assert summary['attached'] == 400 and summary['failed'] == 2600 and [r['instance_id'] for r in results] == ids
    assert sum((r['message'] or '').startswith('not attempted') for r in results) == 3000 - attaches * 100


def test_max_concurrency_1_is_the_sequential_loop_in_the_callers_thread():
    ecs, asked = messy()()
    overlap = Overlap(first=10 ** 9)
    ecs.latency = overlap
    gate = _ecs.Concurrency(1)
    bind(ecs, asked, gate)
    assert set(overlap.threads) == {threading.current_thread().name}
    assert gate.peak == 1 and ecs.peak == 1


def test_reads_run_concurrently_and_merge_in_order():
    ids = fleet(2000)
    ecs = FakeEcs(vpc=ids + ['c-1'], classic=[], roles={i: OTHER for i in ids[::7]})
    ecs.add('c-9', network='classic')
    overlap = Overlap(first=2, parties=4)
    ecs.latency = overlap
    gate = _ecs.Concurrency(4)
    asked = ids[:1000] + ['i-gone'] + ids[1000:] + ['c-9']
    roles, errors = _ecs_binding.read_roles(ecs, REGION, asked, gate)
    ecs.latency = None
    want_roles, want_errors = _ecs_binding.read_roles(ecs, REGION, asked)
    assert list(roles.items()) == list(want_roles.items()) and list(errors.items()) == list(want_errors.items())
    assert errors == {'i-gone': (_ecs_binding.NOT_FOUND, _ecs_binding.MESSAGES[_ecs_binding.NOT_FOUND]),
                      'c-9': (_ecs_binding.CLASSIC, _ecs_binding.MESSAGES[_ecs_binding.CLASSIC])}
    assert gate.peak == 4 and ecs.peak == 4


def test_describe_instances_chunks_run_concurrently_and_keep_their_order():
    ids = fleet(950)
    ecs = FakeEcs(vpc=ids)
    overlap = Overlap(first=2, parties=3)
    ecs.latency = overlap
    found = _ecs.describe_instances(ecs, REGION, instance_ids=ids[::-1], gate=4)
    assert [i['InstanceId'] for i in found] == ids[::-1] and ecs.calls == ['DescribeInstances'] * 10


def test_a_read_error_is_raised_and_stops_the_pages_not_yet_started():
    ids = fleet(5000)
    ecs = FakeEcs(vpc=ids)
    ecs.before['DescribeInstanceRamRole'] = lambda fake: fake.faults.setdefault('DescribeInstanceRamRole', [
        AlicloudApiError('Forbidden.RAM', 'denied', status=403)]) if len(fake.calls) == 6 else None
    with pytest.raises(AlicloudApiError, match='denied'):
        _ecs_binding.read_roles(ecs, REGION, ids, 4)
    assert 6 <= len(ecs.calls) <= 6 + 3


# ---------------------------------------------------------------- throttling

def throw(err):
    raise err


def throttled_fake(count, throttle_at, error):
    """A fake whose calls are retried by the collection's policy (no real sleep); call number `throttle_at` is throttled once."""
    ecs = FakeEcs(vpc=fleet(count), policy=RetryPolicy(sleep=lambda seconds: None, rand=lambda: 0.0))

    def throttle(fake):
        if len(fake.calls) == throttle_at:
            raise error
    ecs.before['DescribeInstanceRamRole'] = throttle
    ecs.before['AttachInstanceRamRole'] = throttle
    return ecs


@pytest.mark.parametrize('error', [AlicloudApiError('Throttling.User', 'Request was denied due to user flow control.', status=400),
                                   AlicloudApiError('TooManyRequests', 'slow down', status=429),
                                   AlicloudApiError('ServiceUnavailable', 'busy', status=503)])
def test_a_throttling_answer_halves_the_concurrency_and_it_grows_back(error):
    ids = fleet(3000)
    ecs = throttled_fake(3000, 1, error)
    gate = _ecs.Concurrency(4)
    results, dummy = bind(ecs, ids, gate)
    assert _ecs_binding.summarize(results)['attached'] == 3000
    # the throttled attempt is one more call, retried: otherwise the floor
    assert calls_by_action(ecs) == {'DescribeInstanceRamRole': 60 + 1, 'AttachInstanceRamRole': 30}
    assert gate.cuts == 1
    assert gate.limits[0] == 4  # the first page (alone) was throttled: the next ones start under 2
    assert gate.limits[1:_ecs.GROW_AFTER + 1] == [2] * _ecs.GROW_AFTER
    assert gate.limits[1:] == sorted(gate.limits[1:]) and gate.limits[-1] == 4  # +1 after every 8 unthrottled batches
    seq = throttled_fake(3000, 1, error)
    assert bind(seq, ids, 1)[0] == results and calls_by_action(seq) == calls_by_action(ecs)


def test_throttling_in_the_middle_cuts_and_repeated_throttling_floors_at_one():
    ids = fleet(1000)
    ecs = FakeEcs(vpc=ids, policy=RetryPolicy(sleep=lambda seconds: None, rand=lambda: 0.0))
    ecs.before['DescribeInstanceRamRole'] = lambda fake: throw(AlicloudApiError('Throttling', 'x', status=400)) \
        if len(fake.calls) in (4, 9, 14, 19) else None
    gate = _ecs.Concurrency(4, grow_after=1000)
    roles, errors = _ecs_binding.read_roles(ecs, REGION, ids, gate)
    assert len(roles) == 1000 and errors == {} and len(ecs.calls) == 20 + 4
    assert gate.cuts == 2 and gate.limit == 1  # 4 -> 2 -> 1, then no lower


def test_an_unretried_throttling_error_cuts_too():
    gate = _ecs.Concurrency(8)

    with pytest.raises(AlicloudApiError):
        gate.run(throw, AlicloudApiError('Throttling.Api', 'no', status=400))
    assert gate.limit == 4 and gate.active == 0
    with pytest.raises(AlicloudApiError):
        gate.run(throw, AlicloudApiError('Forbidden', 'no', status=403))
    assert gate.limit == 4 and gate.cuts == 1


@pytest.mark.parametrize('value, ok', [(None, 4), (1, 1), (32, 32), (0, None), (33, None), (-1, None)])
def test_max_concurrency_option(value, ok):
    if ok is None:
        with pytest.raises(AlicloudParameterError, match='max_concurrency'):
            _ecs.max_concurrency({'max_concurrency': value})
    else:
        assert _ecs.max_concurrency({'max_concurrency': value}) == ok
