# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECS binding engine: chunking, outcome logic, call budgets, rollback and concurrency (on the ECS fake of
tests/unit/plugins/test_support/ecs.py)."""

from __future__ import annotations

import json
import math

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ecs, _ecs_binding, _ecs_instances
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError, AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import ECS_TRUST_POLICY
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ecs import (
    ALREADY,
    CLASSIC_CODE,
    NOT_FOUND_CODE,
    OTHER,
    REGION,
    ROLE,
    FakeClock,
    FakeEcs,
    FakeRam,
    by_id,
    fleet,
)

# ---------------------------------------------------------------- small pure pieces


@pytest.mark.parametrize('count, size, sizes', [
    (0, 100, []), (1, 100, [1]), (100, 100, [100]), (101, 100, [100, 1]), (250, 100, [100, 100, 50]), (250, 50, [50] * 5),
])
def test_chunked(count, size, sizes):
    chunks = _ecs.chunked(range(count), size)
    assert [len(c) for c in chunks] == sizes
    assert [x for c in chunks for x in c] == list(range(count))


def test_unique_ids_keeps_first_order_and_refuses_empty():
    assert _ecs.unique_ids([' i-b', 'i-a', 'i-b ', 'i-a']) == ['i-b', 'i-a']
    assert _ecs.unique_ids(None) == []
    with pytest.raises(AlicloudParameterError) as exc:
        _ecs.unique_ids(['i-a', ' '])
    assert exc.value.option == 'instance_ids'


def test_ids_param_is_a_json_array_string():
    assert _ecs.ids_param(['i-1', 'i-2']) == '["i-1", "i-2"]'


@pytest.mark.parametrize('before, role, state, on_conflict, action, after, code', [
    (None, ROLE, 'present', 'fail', 'attached', ROLE, None),
    (ROLE, ROLE, 'present', 'fail', 'unchanged', ROLE, None),
    (OTHER, ROLE, 'present', 'fail', 'failed', OTHER, _ecs_binding.CONFLICT),
    (OTHER, ROLE, 'present', 'skip', 'skipped', OTHER, None),
    (OTHER, ROLE, 'present', 'replace', 'replaced', ROLE, None),
    (ROLE, ROLE, 'absent', 'fail', 'detached', None, None),
    (None, ROLE, 'absent', 'fail', 'unchanged', None, None),
    (OTHER, ROLE, 'absent', 'replace', 'unchanged', OTHER, None),
    (OTHER, None, 'absent', 'fail', 'detached', None, None),
    (None, None, 'absent', 'fail', 'unchanged', None, None),
])
def test_plan_one(before, role, state, on_conflict, action, after, code):
    result = _ecs_binding.plan_one('i-1', before, role, state, on_conflict)
    assert (result['action'], result['role_before'], result['role_after'], result['code']) == (action, before, after, code)


def test_plan_keeps_order_and_reports_unreadable_instances_with_the_api_code():
    results = _ecs_binding.plan_binding(['i-3', 'i-1', 'i-2'], {'i-1': None, 'i-2': ROLE}, {'i-3': ('InvalidInstanceId.NotFound', 'gone')}, ROLE)
    assert [(r['instance_id'], r['action'], r['code']) for r in results] == [
        ('i-3', 'failed', 'InvalidInstanceId.NotFound'), ('i-1', 'attached', None), ('i-2', 'unchanged', None)]


def test_summary_changes_and_failure_message():
    results = [_ecs_binding.outcome('i-1', None, ROLE, 'attached'), _ecs_binding.outcome('i-2', ROLE, ROLE, 'unchanged'),
               _ecs_binding.outcome('i-3', None, None, 'failed', 'InvalidNetworkType.MismatchRamRole', 'classic'),
               _ecs_binding.outcome('i-4', OTHER, None, 'failed', 'Boom', 'lost its role')]
    assert _ecs_binding.summarize(results) == {'attached': 1, 'detached': 0, 'replaced': 0, 'unchanged': 1, 'skipped': 0, 'failed': 2, 'total': 4}
    # what the diff of ecs_instance_ram_role shows (its binding_diff): the changes, a failed replace that lost the role included
    assert [(r['instance_id'], r['role_before'], r['role_after']) for r in results if _ecs_binding.is_change(r)] == [('i-1', None, ROLE), ('i-4', OTHER, None)]
    assert _ecs_binding.failure_message(results) == '2 of 4 instance(s) failed: i-3 (InvalidNetworkType.MismatchRamRole), i-4 (Boom)'
    assert _ecs_binding.failure_message(results[:2]) is None


# ---------------------------------------------------------------- reads

@pytest.mark.parametrize('limit', [50, 100])
@pytest.mark.parametrize('count', [1, 49, 50, 51, 100, 101, 250, 1000])
def test_read_roles_costs_ceil_n_over_50_calls(count, limit):
    # the id limit is 50 (SDK, Chinese doc) or 100 (English doc): at most 50 a call works with both, at no extra cost
    ids = fleet(count)
    ecs = FakeEcs(vpc=ids, roles={ids[0]: OTHER}, describe_limit=limit)
    roles, errors = _ecs_binding.read_roles(ecs, REGION, ids)
    assert errors == {} and roles[ids[0]] == OTHER and sum(1 for v in roles.values() if v is None) == count - 1
    assert ecs.calls == ['DescribeInstanceRamRole'] * math.ceil(count / 50)
    assert all(len(json.loads(p['InstanceIds'])) <= 50 for a, p, r, t in ecs.log)


def test_read_roles_finds_missing_and_classic_ids_only_in_the_chunk_that_has_them():
    ids = fleet(250)
    classic = ['c-1', 'c-2', 'c-3']
    missing = ['i-gone-1', 'i-gone-2']
    ecs = FakeEcs(vpc=ids, classic=classic)
    asked = ids[:120] + classic + missing + ids[120:]
    roles, errors = _ecs_binding.read_roles(ecs, REGION, asked)
    assert errors == {**{c: ('InvalidNetworkType.MismatchRamRole', _ecs_binding.MESSAGES[_ecs_binding.CLASSIC]) for c in classic},
                      **{m: ('InvalidInstanceId.NotFound', 'The specified instanceId does not exist') for m in missing}}
    assert set(roles) == set(ids)
    # 255 ids in chunks of 50: chunks 1 and 2 are clean; chunk 3 (ids 100-144 and the five bad ones) fails once,
    # one DescribeInstances finds the culprits, its 45 good ids are described again; chunks 4 to 6 are clean
    assert ecs.calls == ['DescribeInstanceRamRole'] * 2 + ['DescribeInstanceRamRole', 'DescribeInstances'] + \
        ['DescribeInstanceRamRole'] * 4
    assert [len(json.loads(p['InstanceIds'])) for a, p, r, t in ecs.log if a == 'DescribeInstanceRamRole'] == [50, 50, 50, 45, 50, 50, 5]


def test_read_roles_gives_up_on_a_chunk_that_keeps_failing():
    ecs = FakeEcs(vpc=['i-1', 'i-2'])
    ecs.faults['DescribeInstanceRamRole'] = [AlicloudApiError('InvalidInstanceId.NotFound', 'nope')] * 3
    roles, errors = _ecs_binding.read_roles(ecs, REGION, ['i-1', 'i-2'])
    assert roles == {} and errors == {'i-1': ('InvalidInstanceId.NotFound', 'nope'), 'i-2': ('InvalidInstanceId.NotFound', 'nope')}
    assert ecs.calls.count('DescribeInstanceRamRole') == 1


def test_read_roles_raises_other_errors():
    ecs = FakeEcs(vpc=['i-1'])
    ecs.faults['DescribeInstanceRamRole'] = [AlicloudApiError('Forbidden.RAM', 'no', status=403)]
    with pytest.raises(AlicloudApiError):
        _ecs_binding.read_roles(ecs, REGION, ['i-1'])


def test_instances_with_role_pages_by_role():
    ids = fleet(120)
    ecs = FakeEcs(vpc=ids, roles={i: ROLE for i in ids[:101]})
    assert _ecs_binding.instances_with_role(ecs, REGION, ROLE) == ids[:101]
    assert ecs.calls == ['DescribeInstanceRamRole'] * 3


def page_total_count(ecs):
    """A DescribeInstanceRamRole whose TotalCount counts the page only (what TotalCount means is not pinned down)."""
    original = ecs.DescribeInstanceRamRole

    def describe(params):
        body = original(params)
        body['TotalCount'] = len(body['InstanceRamRoleSets']['InstanceRamRoleSet'])
        return body
    ecs.DescribeInstanceRamRole = describe


@pytest.mark.parametrize('holders, calls', [(0, 1), (49, 1), (50, 2), (120, 3), (150, 4)])
def test_instances_with_role_pages_while_a_page_is_full(holders, calls):
    ids = fleet(160)
    ecs = FakeEcs(vpc=ids, roles=dict.fromkeys(ids[:holders], ROLE))
    page_total_count(ecs)
    assert _ecs_binding.instances_with_role(ecs, REGION, ROLE) == ids[:holders]
    assert ecs.calls == ['DescribeInstanceRamRole'] * calls


def test_read_roles_of_50_ids_is_one_page_whatever_total_count_says():
    ids = fleet(120)
    ecs = FakeEcs(vpc=ids, roles=dict.fromkeys(ids, OTHER))
    page_total_count(ecs)
    roles, errors = _ecs_binding.read_roles(ecs, REGION, ids)
    assert errors == {} and set(roles.values()) == {OTHER} and ecs.calls == ['DescribeInstanceRamRole'] * 3


@pytest.mark.parametrize('missing_role', ['error', 'empty'])
def test_a_role_ecs_does_not_know_is_held_by_no_instance(missing_role):
    # InvalidRamRole.NotFound (404) for an unknown RamRoleName: deleted, or not seen by ECS yet
    ecs = FakeEcs(vpc=['i-1'], roles={'i-1': OTHER}, missing_role=missing_role)
    assert _ecs_binding.instances_with_role(ecs, REGION, 'NoSuchRole') == []
    assert ecs.calls == ['DescribeInstanceRamRole']


def test_other_errors_of_the_role_listing_are_raised():
    ecs = FakeEcs()
    ecs.faults['DescribeInstanceRamRole'] = [AlicloudApiError('Forbidden.RAM', 'no', status=403)]
    with pytest.raises(AlicloudApiError):
        _ecs_binding.instances_with_role(ecs, REGION, ROLE)


# ---------------------------------------------------------------- the role pre-check

def test_ecs_trust_problem():
    ram = FakeRam({ROLE: ECS_TRUST_POLICY, 'FcRole': {'Version': '1', 'Statement': [
        {'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Principal': {'Service': ['fc.aliyuncs.com']}}]}})
    assert _ecs_binding.ecs_trust_problem(ram, ROLE) is None
    untrusting = _ecs_binding.ecs_trust_problem(ram, 'FcRole')
    assert 'does not trust ecs.aliyuncs.com' in untrusting and 'InvalidRamRole.NotEcsRole' in untrusting
    missing = _ecs_binding.ecs_trust_problem(ram, 'Nope')
    assert 'does not exist' in missing and '"Service": ["ecs.aliyuncs.com"]' in missing and 'InvalidRamRole.NotFound' in missing
    assert ram.calls == ['GetRole'] * 3


# ---------------------------------------------------------------- bind: budgets

def bind(ecs, ids, role=ROLE, **kw):
    return _ecs_binding.bind_roles(ecs, REGION, ids, role, **kw)


@pytest.mark.parametrize('count', [1, 99, 100, 101, 250, 1000])
def test_first_bind_and_rerun_budget(count):
    ids = fleet(count)
    ecs = FakeEcs(vpc=ids)
    results = bind(ecs, ids)
    assert _ecs_binding.summarize(results)['attached'] == count
    assert ecs.calls.count('AttachInstanceRamRole') == math.ceil(count / 100)
    assert ecs.calls.count('DescribeInstanceRamRole') == math.ceil(count / 50)
    assert len(ecs.calls) == math.ceil(count / 100) + math.ceil(count / 50)
    assert all(r[2] == ('InvalidRamRole.NotFound',) and r[3] == _ecs.ROLE_VISIBLE_TIMEOUT for r in ecs.log if r[0] == 'AttachInstanceRamRole')
    ecs.calls.clear()
    again = bind(ecs, ids)
    assert _ecs_binding.summarize(again)['unchanged'] == count
    assert ecs.calls == ['DescribeInstanceRamRole'] * math.ceil(count / 50) and ecs.writes() == []


def test_check_mode_reads_only_and_predicts_the_real_run():
    ids = fleet(30)
    ecs = FakeEcs(vpc=ids, roles={ids[0]: OTHER, ids[1]: ROLE})
    predicted = bind(ecs, ids, on_conflict='replace', check_mode=True)
    assert ecs.writes() == []
    done = bind(ecs, ids, on_conflict='replace')
    assert predicted == done
    assert _ecs_binding.summarize(done) == {'attached': 28, 'detached': 0, 'replaced': 1, 'unchanged': 1, 'skipped': 0, 'failed': 0, 'total': 30}


def test_the_fleet_of_the_issue_for_each_on_conflict():
    ids = fleet(245)
    others = ids[10:15]
    classic = ['c-1', 'c-2', 'c-3']
    missing = ['i-gone-1', 'i-gone-2']
    asked = ids[:100] + classic + missing + ids[100:]
    expected_fixed = {**{c: ('failed', None, None, 'InvalidNetworkType.MismatchRamRole') for c in classic},
                      **{m: ('failed', None, None, 'InvalidInstanceId.NotFound') for m in missing}}
    for on_conflict, other_outcome in (('fail', ('failed', OTHER, OTHER, _ecs_binding.CONFLICT)), ('skip', ('skipped', OTHER, OTHER, None)),
                                       ('replace', ('replaced', OTHER, ROLE, None))):
        ecs = FakeEcs(vpc=ids, classic=classic, roles=dict.fromkeys(others, OTHER))
        results = bind(ecs, asked, on_conflict=on_conflict)
        got = {r['instance_id']: (r['action'], r['role_before'], r['role_after'], r['code']) for r in results}
        assert [r['instance_id'] for r in results] == asked
        for iid in asked:
            want = expected_fixed.get(iid) or (other_outcome if iid in others else ('attached', None, ROLE, None))
            assert got[iid] == want, (on_conflict, iid)
        assert ecs.calls.count('AttachInstanceRamRole') <= 3
        assert ecs.calls.count('DetachInstanceRamRole') == (1 if on_conflict == 'replace' else 0)
        message = _ecs_binding.failure_message(results)
        for iid in classic + missing + (others if on_conflict == 'fail' else []):
            assert iid in message


# ---------------------------------------------------------------- bind: failures and races

def test_per_instance_attach_failure_does_not_stop_the_rest():
    ecs = FakeEcs(vpc=['i-1', 'i-2', 'i-3'])
    ecs.instance_faults[('AttachInstanceRamRole', 'i-2')] = ('InvalidUser.PassRoleForbidden', 'no PassRole')
    results = by_id(bind(ecs, ['i-1', 'i-2', 'i-3']))
    assert results['i-2']['action'] == 'failed' and results['i-2']['code'] == 'InvalidUser.PassRoleForbidden'
    assert results['i-1']['action'] == results['i-3']['action'] == 'attached'
    assert ecs.calls.count('DescribeInstanceRamRole') == 1  # definitive code: no re-read


def test_concurrent_attach_of_our_role_is_unchanged_after_one_reread():
    ids = fleet(150)
    ecs = FakeEcs(vpc=ids)

    def racer(fake):
        if fake.calls.count('AttachInstanceRamRole') == 1:
            fake.instances[ids[5]]['role'] = ROLE
            fake.instances[ids[6]]['role'] = OTHER
    ecs.before['AttachInstanceRamRole'] = racer
    results = by_id(bind(ecs, ids))
    assert results[ids[5]] == _ecs_binding.outcome(ids[5], None, ROLE, 'unchanged')
    assert results[ids[6]]['action'] == 'failed' and results[ids[6]]['code'] == ALREADY and results[ids[6]]['role_after'] == OTHER
    assert 'holds RAM role LegacyRole now' in results[ids[6]]['message']
    # 3 reads of the fleet, 2 attaches, 1 re-read of just the two that failed
    assert ecs.calls == ['DescribeInstanceRamRole'] * 3 + ['AttachInstanceRamRole'] * 2 + ['DescribeInstanceRamRole']
    assert json.loads(ecs.log[-1][1]['InstanceIds']) == [ids[5], ids[6]]


def test_concurrent_other_role_with_skip_is_skipped():
    ecs = FakeEcs(vpc=['i-1'])
    ecs.before['AttachInstanceRamRole'] = lambda fake: fake.instances['i-1'].update(role=OTHER)
    assert bind(ecs, ['i-1'], on_conflict='skip')[0]['action'] == 'skipped'


def test_replace_rolls_back_when_the_attach_fails():
    ecs = FakeEcs(vpc=['i-1', 'i-2', 'i-3'], roles={'i-1': OTHER, 'i-2': OTHER})
    ecs.instance_faults[('AttachInstanceRamRole', 'i-1')] = ('InvalidUser.PassRoleForbidden', 'no PassRole')
    results = by_id(bind(ecs, ['i-1', 'i-2', 'i-3'], on_conflict='replace'))
    assert results['i-1']['action'] == 'failed' and results['i-1']['role_after'] == OTHER
    assert 'previous RAM role LegacyRole re-attached' in results['i-1']['message']
    assert results['i-2']['action'] == 'replaced' and results['i-3']['action'] == 'attached'
    assert ecs.instances['i-1']['role'] == OTHER and ecs.instances['i-2']['role'] == ROLE
    assert ecs.writes() == ['DetachInstanceRamRole', 'AttachInstanceRamRole', 'AttachInstanceRamRole']
    assert ecs.log[-1][1]['RamRoleName'] == OTHER and json.loads(ecs.log[-1][1]['InstanceIds']) == ['i-1']


def test_replace_rolls_back_after_a_non_definitive_failure_leaves_no_role():
    ecs = FakeEcs(vpc=['i-1'], roles={'i-1': OTHER})
    ecs.instance_faults[('AttachInstanceRamRole', 'i-1')] = ('SomethingOdd', 'hmm')
    result = bind(ecs, ['i-1'], on_conflict='replace')[0]
    assert result['action'] == 'failed' and result['role_after'] == OTHER and ecs.instances['i-1']['role'] == OTHER
    assert ecs.calls[-3:] == ['AttachInstanceRamRole', 'DescribeInstanceRamRole', 'AttachInstanceRamRole']


def test_replace_reports_an_instance_left_without_role_when_rollback_fails():
    ecs = FakeEcs(vpc=['i-1'], roles={'i-1': OTHER})
    ecs.instance_faults[('AttachInstanceRamRole', 'i-1')] = ('InvalidUser.PassRoleForbidden', 'no')
    original = ecs.AttachInstanceRamRole
    attempts = []

    def attach(params):
        attempts.append(params['RamRoleName'])
        if params['RamRoleName'] == OTHER:
            raise AlicloudApiError('InvalidRamRole.NotFound', 'the old role was deleted meanwhile', status=404)
        return original(params)
    ecs.AttachInstanceRamRole = attach
    result = bind(ecs, ['i-1'], on_conflict='replace')[0]
    assert attempts == [ROLE, OTHER]
    assert result['action'] == 'failed' and result['role_before'] == OTHER and result['role_after'] is None
    assert 'the instance has no RAM role now' in result['message']
    assert _ecs_binding.is_change(result)


def test_role_level_attach_error_stops_further_attach_calls_and_undoes_the_swap():
    ids = fleet(250)
    ecs = FakeEcs(vpc=ids, roles={ids[0]: OTHER, ids[200]: OTHER})
    ecs.faults['AttachInstanceRamRole'] = [AlicloudApiError('InvalidRamRole.NotEcsRole', 'not for ecs', status=404)]
    results = by_id(bind(ecs, ids, on_conflict='replace'))
    assert ecs.writes() == ['DetachInstanceRamRole', 'AttachInstanceRamRole', 'AttachInstanceRamRole']
    assert ecs.log[-1][1]['RamRoleName'] == OTHER  # the rollback of ids[0]; chunk 3 (ids[200]) was never detached
    assert ecs.instances[ids[0]]['role'] == OTHER and ecs.instances[ids[200]]['role'] == OTHER
    assert all(r['action'] == 'failed' and r['code'] == 'InvalidRamRole.NotEcsRole' for r in results.values())
    assert results[ids[150]]['message'].startswith('not attempted')
    assert results[ids[0]]['role_after'] == OTHER


def test_instance_level_whole_call_error_without_a_culprit_fails_one_chunk_only():
    # the service says an instance is missing, but one read finds every instance: the chunk fails with its error
    ids = fleet(150)
    ecs = FakeEcs(vpc=ids)
    ecs.faults['AttachInstanceRamRole'] = [AlicloudApiError('InvalidInstanceId.NotFound', 'raced', status=404)]
    summary = _ecs_binding.summarize(bind(ecs, ids))
    assert summary['failed'] == 100 and summary['attached'] == 50
    assert ecs.calls[3:] == ['AttachInstanceRamRole', 'DescribeInstances', 'AttachInstanceRamRole']


def planned(ids, role_before=None, role=ROLE, state='present', on_conflict='fail'):
    """The plan of a read that saw every id with `role_before` (as when instances vanish between the read and the write)."""
    return _ecs_binding.plan_binding(ids, dict.fromkeys(ids, role_before), {}, role, state, on_conflict)


def bad_fleet(whole_call):
    """250 VPC instances, 3 classic, 2 missing; the five bad ones in the middle of the second chunk of 100."""
    ids = fleet(250)
    classic = ['c-1', 'c-2', 'c-3']
    missing = ['i-gone-1', 'i-gone-2']
    asked = ids[:120] + missing + classic + ids[120:]
    return FakeEcs(vpc=ids, classic=classic, whole_call=whole_call), asked, classic, missing


@pytest.mark.parametrize('whole_call', [True, False])
def test_attach_batch_with_missing_and_classic_instances(whole_call):
    ecs, asked, classic, missing = bad_fleet(whole_call)
    results = by_id(_ecs_binding.apply_binding(ecs, REGION, ROLE, planned(asked)))
    for iid in classic:
        assert (results[iid]['action'], results[iid]['code'], results[iid]['role_after']) == ('failed', CLASSIC_CODE, None)
    for iid in missing:
        assert (results[iid]['action'], results[iid]['code']) == ('failed', NOT_FOUND_CODE)
    assert _ecs_binding.summarize(results.values())['attached'] == 250
    assert all(ecs.instances[i]['role'] == ROLE for i in fleet(250))
    if whole_call:
        # chunk 2 fails as a whole (404: the first culprit), one DescribeInstances of its 100 ids finds all five, its 95 are sent again
        assert ecs.calls == ['AttachInstanceRamRole'] * 2 + ['DescribeInstances', 'AttachInstanceRamRole', 'AttachInstanceRamRole']
        sent = [len(json.loads(p['InstanceIds'])) for a, p, r, t in ecs.log if a != 'DescribeInstances']
        assert sent == [100, 100, 95, 55]
        assert results['i-gone-1']['request_id'] == 'REQ-404'
    else:
        assert ecs.calls == ['AttachInstanceRamRole'] * 3  # per-instance rows, definitive codes: no read


@pytest.mark.parametrize('whole_call', [True, False])
def test_detach_batch_with_missing_and_classic_instances(whole_call):
    ecs, asked, classic, missing = bad_fleet(whole_call)
    for iid in fleet(250):
        ecs.instances[iid]['role'] = ROLE
    results = by_id(_ecs_binding.apply_binding(ecs, REGION, ROLE, planned(asked, ROLE, state='absent'), ))
    assert [results[i]['code'] for i in missing + classic] == [NOT_FOUND_CODE] * 2 + [CLASSIC_CODE] * 3
    assert _ecs_binding.summarize(results.values())['detached'] == 250 and all(ecs.instances[i]['role'] is None for i in fleet(250))
    assert ecs.calls.count('DescribeInstances') == (1 if whole_call else 0)
    assert ecs.calls.count('DetachInstanceRamRole') == (4 if whole_call else 3)


def test_replace_with_a_missing_instance_in_the_batch():
    ecs = FakeEcs(vpc=['i-1', 'i-2'], roles={'i-1': OTHER, 'i-2': OTHER})
    results = by_id(_ecs_binding.apply_binding(ecs, REGION, ROLE, planned(['i-1', 'i-gone', 'i-2'], OTHER, on_conflict='replace'),
                                               on_conflict='replace'))
    assert results['i-1']['action'] == results['i-2']['action'] == 'replaced'
    assert results['i-gone']['code'] == NOT_FOUND_CODE and results['i-gone']['action'] == 'failed'
    assert ecs.instances['i-1']['role'] == ecs.instances['i-2']['role'] == ROLE
    # detach: fails, one read, sent again for the two; attach of the two
    assert ecs.calls[:4] == ['DetachInstanceRamRole', 'DescribeInstances', 'DetachInstanceRamRole', 'AttachInstanceRamRole']


def test_an_instance_vanishing_before_the_resend_costs_one_more_read():
    ids = fleet(10)
    ecs = FakeEcs(vpc=ids)

    def vanish(fake):
        if fake.calls.count('AttachInstanceRamRole') == 2:
            fake.instances.pop(ids[5])
    ecs.before['AttachInstanceRamRole'] = vanish
    results = by_id(_ecs_binding.apply_binding(ecs, REGION, ROLE, planned(['i-gone'] + ids)))
    assert results['i-gone']['code'] == results[ids[5]]['code'] == NOT_FOUND_CODE
    assert _ecs_binding.summarize(results.values())['attached'] == 9
    assert ecs.calls == ['AttachInstanceRamRole', 'DescribeInstances'] * 2 + ['AttachInstanceRamRole']


def test_whole_call_errors_are_sent_at_most_three_times():
    ids = fleet(4)
    ecs = FakeEcs(vpc=ids)

    def vanish(fake):
        fake.instances.pop(ids[fake.calls.count('AttachInstanceRamRole') - 1], None)
    ecs.before['AttachInstanceRamRole'] = vanish
    results = by_id(_ecs_binding.apply_binding(ecs, REGION, ROLE, planned(ids)))
    assert ecs.calls == ['AttachInstanceRamRole', 'DescribeInstances'] * 2 + ['AttachInstanceRamRole']
    assert all(r['action'] == 'failed' and r['code'] == NOT_FOUND_CODE for r in results.values())
    assert ecs.instances[ids[3]]['role'] is None


def test_a_failed_culprit_read_reports_the_call_error_for_the_chunk():
    ecs = FakeEcs(vpc=['i-1'])
    ecs.faults['DescribeInstances'] = [AlicloudApiError('Forbidden.RAM', 'no DescribeInstances', status=403)]
    results = by_id(_ecs_binding.apply_binding(ecs, REGION, ROLE, planned(['i-1', 'i-gone'])))
    assert [(r['action'], r['code']) for r in results.values()] == [('failed', NOT_FOUND_CODE)] * 2
    assert ecs.calls == ['AttachInstanceRamRole', 'DescribeInstances']


def test_a_role_level_error_after_the_culprits_stops_further_chunks():
    ids = fleet(150)
    ecs = FakeEcs(vpc=ids)
    ecs.before['AttachInstanceRamRole'] = lambda fake: fake.ecs_roles.discard(ROLE) if fake.calls.count('AttachInstanceRamRole') == 2 else None
    results = _ecs_binding.apply_binding(ecs, REGION, ROLE, planned(['i-gone'] + ids), role_wait=0)
    codes = {r['code'] for r in results}
    assert codes == {NOT_FOUND_CODE, 'InvalidRamRole.NotFound'} and by_id(results)['i-gone']['code'] == NOT_FOUND_CODE
    assert ecs.calls == ['AttachInstanceRamRole', 'DescribeInstances', 'AttachInstanceRamRole']  # chunk 2 not attempted
    assert by_id(results)[ids[120]]['message'].startswith('not attempted')


def test_detach_previous_whole_call_error_keeps_the_old_role():
    ecs = FakeEcs(vpc=['i-1', 'i-2'], roles={'i-1': OTHER})
    ecs.faults['DetachInstanceRamRole'] = [AlicloudApiError('Forbidden.RAM', 'no detach', status=403)]
    results = by_id(bind(ecs, ['i-1', 'i-2'], on_conflict='replace'))
    assert results['i-1']['action'] == 'failed' and results['i-1']['role_after'] == OTHER and results['i-1']['code'] == 'Forbidden.RAM'
    assert results['i-2']['action'] == 'attached'


def test_missing_per_instance_row_is_settled_by_a_reread():
    ecs = FakeEcs(vpc=['i-1', 'i-2'])
    original = ecs.AttachInstanceRamRole

    def attach(params):
        body = original(params)
        body['AttachInstanceRamRoleResults']['AttachInstanceRamRoleResult'].pop()
        body['FailCount'] = 1
        return body
    ecs.AttachInstanceRamRole = attach
    results = by_id(bind(ecs, ['i-1', 'i-2']))
    assert results['i-2'] == _ecs_binding.outcome('i-2', None, ROLE, 'unchanged')  # it was attached after all
    assert results['i-1']['action'] == 'attached'


def test_detach_absent_and_its_race():
    ids = fleet(120)
    ecs = FakeEcs(vpc=ids, roles={**dict.fromkeys(ids[:110], ROLE), ids[110]: OTHER})

    def racer(fake):
        fake.instances[ids[3]]['role'] = None  # detached by someone else meanwhile
    ecs.before['DetachInstanceRamRole'] = racer
    results = by_id(bind(ecs, ids, state='absent'))
    assert results[ids[3]] == _ecs_binding.outcome(ids[3], ROLE, None, 'unchanged')
    assert results[ids[110]]['action'] == 'unchanged' and results[ids[110]]['role_after'] == OTHER
    assert _ecs_binding.summarize(results.values())['detached'] == 109
    assert ecs.writes() == ['DetachInstanceRamRole', 'DetachInstanceRamRole']
    assert all(p['RamRoleName'] == ROLE for a, p, r, t in ecs.log if a == 'DetachInstanceRamRole')


# ---------------------------------------------------------------- instances

def test_normalize_instance():
    raw = {'InstanceId': 'i-1', 'InstanceName': 'web', 'Status': 'Running', 'InstanceNetworkType': 'vpc', 'RegionId': REGION,
           'ZoneId': 'cn-hangzhou-h', 'VpcAttributes': {'VpcId': 'vpc-1', 'VSwitchId': 'vsw-1', 'PrivateIpAddress': {'IpAddress': ['10.0.0.5']}},
           'PublicIpAddress': {'IpAddress': []}, 'InstanceType': 'ecs.g7.large', 'ImageId': 'img-1',
           'SecurityGroupIds': {'SecurityGroupId': ['sg-1']}, 'Tags': {'Tag': [{'TagKey': 'app', 'TagValue': 'kms'}]},
           'CreationTime': '2026-01-01T00:00Z', 'MetadataOptions': {'HttpTokens': 'required'}}
    assert _ecs_instances.normalize_instance(raw, ROLE) == {
        'instance_id': 'i-1', 'name': 'web', 'status': 'Running', 'network_type': 'vpc', 'region_id': REGION, 'zone_id': 'cn-hangzhou-h',
        'vpc_id': 'vpc-1', 'vswitch_id': 'vsw-1', 'private_ip_addresses': ['10.0.0.5'], 'public_ip_addresses': [],
        'instance_type': 'ecs.g7.large', 'image_id': 'img-1', 'security_group_ids': ['sg-1'], 'tags': {'app': 'kms'},
        'creation_time': '2026-01-01T00:00Z', 'metadata_http_tokens': 'required', 'ram_role': ROLE}
    assert _ecs_instances.normalize_instance({'InstanceId': 'i-2'})['vpc_id'] is None


def test_with_roles_reads_roles_of_vpc_instances_only():
    ecs = FakeEcs(vpc=['i-1', 'i-2'], classic=['c-1'], roles={'i-2': ROLE})
    raw = [ecs.raw(i) for i in ('i-1', 'c-1', 'i-2')]
    assert [(i['instance_id'], i['ram_role']) for i in _ecs_instances.with_roles(ecs, REGION, raw)] == [('i-1', None), ('c-1', None), ('i-2', ROLE)]
    assert ecs.calls == ['DescribeInstanceRamRole']
    assert json.loads(ecs.log[0][1]['InstanceIds']) == ['i-1', 'i-2']


def test_describe_instances_pages_and_chunks():
    ids = fleet(230)
    ecs = FakeEcs(vpc=ids)
    assert [i['InstanceId'] for i in _ecs.describe_instances(ecs, REGION, instance_ids=ids)] == ids
    assert ecs.calls == ['DescribeInstances'] * 3
    ecs.calls.clear()
    assert len(_ecs.describe_instances(ecs, REGION)) == 230 and ecs.calls == ['DescribeInstances'] * 3
    assert _ecs.describe_instances(ecs, REGION, instance_ids=[]) == []


def test_matches_and_removal_order():
    raw = {'InstanceName': 'web', 'Tags': {'Tag': [{'TagKey': 'app', 'TagValue': 'kms'}, {'TagKey': 'x', 'TagValue': 'y'}]}}
    assert _ecs_instances.matches(raw, 'web', {'app': 'kms'}) and not _ecs_instances.matches(raw, 'web2')
    assert not _ecs_instances.matches(raw, 'web', {'app': 'other'})
    instances = [{'InstanceId': 'a', 'Status': 'Running', 'CreationTime': '1'}, {'InstanceId': 'b', 'Status': 'Stopped', 'CreationTime': '0'},
                 {'InstanceId': 'c', 'Status': 'Running', 'CreationTime': '2'}]
    assert [i['InstanceId'] for i in _ecs_instances.removal_order(instances)] == ['b', 'c', 'a']


def test_wait_for_running_and_gone():
    ecs = FakeEcs()
    ecs.add('i-1', status='Pending')
    clock = FakeClock()
    polls = []

    def start(fake):
        polls.append(1)
        if len(polls) == 3:
            fake.instances['i-1']['status'] = 'Running'
    ecs.before['DescribeInstances'] = start
    raw = _ecs_instances.wait_for(ecs, REGION, ['i-1'], status='Running', sleep=clock.sleep, clock=clock)
    assert raw[0]['Status'] == 'Running' and clock.sleeps == [1.0, 2.0]
    ecs.before.clear()
    assert _ecs_instances.wait_for(ecs, REGION, ['i-2'], gone=True, sleep=clock.sleep, clock=clock) == []


def test_wait_for_times_out_naming_the_stragglers():
    ecs = FakeEcs()
    ecs.add('i-1', status='Pending')
    clock = FakeClock()
    with pytest.raises(AlicloudApiError) as exc:
        _ecs_instances.wait_for(ecs, REGION, ['i-1'], status='Running', timeout=20, sleep=clock.sleep, clock=clock)
    assert exc.value.code == 'WaitTimeout' and 'i-1' in exc.value.message
    assert sum(clock.sleeps) <= 20


def test_run_and_delete_instances():
    ecs = FakeEcs()
    ids = _ecs_instances.run_instances(ecs, REGION, 2, image_id='img', instance_type='t', vswitch_id='vsw', security_group_ids=['sg'], name='web',
                                       tags={'app': 'kms'}, role_name=ROLE, token='tok')
    assert ids == ['i-new001', 'i-new002'] and ecs.instances['i-new001']['role'] == ROLE
    params = ecs.log[0][1]
    assert params['Tag'] == [{'Key': 'app', 'Value': 'kms'}] and params['ClientToken'] == 'tok' and params['SecurityGroupIds'] == ['sg']
    assert ecs.log[0][2] == ('InvalidRamRole.NotFound', 'LastTokenProcessing', 'IdempotentProcessing')
    for iid in ids:
        ecs.instances[iid]['status'] = 'Running'
    _ecs_instances.delete_instances(ecs, REGION, ids)
    assert ecs.log[-1][2] == ('IncorrectInstanceStatus',) and ecs.log[-1][3] == _ecs_instances.DELETE_TIMEOUT
    assert ecs.instances == {}


def test_run_instances_creates_at_most_100_a_call_each_with_its_own_token():
    ecs = FakeEcs()
    ids = _ecs_instances.run_instances(ecs, REGION, 250, image_id='img', instance_type='t', vswitch_id='vsw', security_group_ids=None, name='web',
                                       token='tok')
    assert len(ids) == 250 and len(set(ids)) == 250
    assert [(p['Amount'], p['ClientToken']) for a, p, r, t in ecs.log] == [(100, 'tok'), (100, 'tok-1'), (50, 'tok-2')]


def test_client_token_stays_within_64_characters():
    assert _ecs_instances.client_token('seed', 3, 1) == 'seed-3-1'
    long = _ecs_instances.client_token('x' * 64, 3)
    assert len(long) == 64 and long == _ecs_instances.client_token('x' * 64, 3) != _ecs_instances.client_token('x' * 64, 4)


def test_failures_name_the_request_id_of_the_call_that_failed():
    # per-instance failures carry the request id of their Attach call; a whole-call error its own
    ecs = FakeEcs(vpc=['i-1', 'i-2'])
    write = ecs._write
    ecs._write = lambda action, params, one: {**write(action, params, one), 'RequestId': 'REQ-attach'}
    ecs.instance_faults[('AttachInstanceRamRole', 'i-2')] = ('InvalidUser.PassRoleForbidden', 'no PassRole')
    results = by_id(bind(ecs, ['i-1', 'i-2']))
    assert results['i-1']['request_id'] is None and results['i-2']['request_id'] == 'REQ-attach'
    assert _ecs_binding.failure_message(list(results.values())) == \
        '1 of 2 instance(s) failed: i-2 (InvalidUser.PassRoleForbidden); request id(s) REQ-attach'

    ecs = FakeEcs(vpc=['i-1'], roles={'i-1': OTHER})
    ecs.faults['AttachInstanceRamRole'] = [AlicloudApiError('Forbidden.RAM', 'denied', status=403, request_id='REQ-9')]
    result = bind(ecs, ['i-1'], on_conflict='replace')[0]
    assert (result['code'], result['request_id'], result['role_after']) == ('Forbidden.RAM', 'REQ-9', OTHER)
    assert _ecs_binding.failure_message([result]).endswith('i-1 (Forbidden.RAM); request id(s) REQ-9')


# ---------------------------------------------------------------- transient states of instance writes (reference 0b.2, 0b.3)

def retrying_ecs(clock, **kw):
    """A FakeEcs behind the collection's retry policy, whose waits advance `clock`."""
    return FakeEcs(policy=RetryPolicy(sleep=clock.sleep, rand=lambda: 1.0), **kw)


def test_delete_retries_an_instance_that_is_still_initializing():
    clock = FakeClock()
    ecs = retrying_ecs(clock)
    ecs.add('i-1', status='Pending')
    ecs.add('i-2')

    def boots(fake):
        if fake.calls.count('DeleteInstances') == 3:
            fake.instances['i-1']['status'] = 'Running'
    ecs.before['DeleteInstances'] = boots
    _ecs_instances.delete_instances(ecs, REGION, ['i-1', 'i-2'], timeout=60)
    assert ecs.instances == {} and ecs.calls == ['DeleteInstances'] * 3 and 0 < sum(clock.sleeps) <= 60


def test_delete_of_an_instance_that_never_finishes_initializing_is_bounded_by_the_timeout():
    clock = FakeClock()
    ecs = retrying_ecs(clock)
    ecs.add('i-1', status='Starting')
    with pytest.raises(AlicloudApiError) as exc:
        _ecs_instances.delete_instances(ecs, REGION, ['i-1'], timeout=45)
    assert exc.value.code == 'IncorrectInstanceStatus.Initializing' and sum(clock.sleeps) == pytest.approx(45)
    assert 'i-1' in ecs.instances


def test_delete_treats_missing_ids_as_gone_and_deletes_the_others_after_one_read():
    ecs = FakeEcs(vpc=['i-1', 'i-2'])
    _ecs_instances.delete_instances(ecs, REGION, ['i-1', 'i-gone', 'i-2'])
    assert ecs.instances == {}
    assert ecs.calls == ['DeleteInstances', 'DescribeInstances', 'DeleteInstances']
    assert ecs.log[-1][1]['InstanceId'] == ['i-1', 'i-2']


@pytest.mark.parametrize('code', ['InvalidInstanceIds.NotFound', 'InvalidInstanceId.NotFound'])
def test_delete_of_instances_all_gone_already_is_done(code):
    # for example the retry of a call whose first try took effect, or a concurrent run
    ecs = FakeEcs()
    ecs.faults['DeleteInstances'] = [AlicloudApiError(code, 'not found', status=404)]
    _ecs_instances.delete_instances(ecs, REGION, ['i-1', 'i-2'])
    assert ecs.calls == ['DeleteInstances', 'DescribeInstances']


def test_delete_not_found_for_instances_that_are_all_there_is_an_error():
    ecs = FakeEcs(vpc=['i-1'])
    ecs.faults['DeleteInstances'] = [AlicloudApiError('InvalidInstanceIds.NotFound', 'not found', status=404)]
    with pytest.raises(AlicloudApiError) as exc:
        _ecs_instances.delete_instances(ecs, REGION, ['i-1'])
    assert exc.value.code == 'InvalidInstanceIds.NotFound' and ecs.calls == ['DeleteInstances', 'DescribeInstances']


def test_delete_raises_other_errors():
    ecs = FakeEcs(vpc=['i-1'])
    ecs.faults['DeleteInstances'] = [AlicloudApiError('Forbidden.RAM', 'no', status=403)]
    with pytest.raises(AlicloudApiError):
        _ecs_instances.delete_instances(ecs, REGION, ['i-1'])
    assert ecs.calls == ['DeleteInstances']


@pytest.mark.parametrize('code', ['LastTokenProcessing', 'IdempotentProcessing'])
def test_run_instances_retries_a_client_token_still_in_flight(code):
    clock = FakeClock()
    ecs = retrying_ecs(clock)
    ecs.RunInstances({'VSwitchId': 'vsw', 'Amount': 2, 'ClientToken': 'tok'})  # the first request, still being processed
    ecs.faults['RunInstances'] = [AlicloudApiError(code, 'the request with this token is being processed', status=400)] * 2
    ids = _ecs_instances.run_instances(ecs, REGION, 2, image_id='img', instance_type='t', vswitch_id='vsw', security_group_ids=None, name='web',
                                       token='tok')
    assert ids == ['i-new001', 'i-new002'] and len(ecs.instances) == 2  # the instances of the first request, none more
    assert ecs.calls == ['RunInstances'] * 3 and len(clock.sleeps) == 2


# ---------------------------------------------------------------- role names: case (reference 0b.11)

@pytest.mark.parametrize('fold_case', [True, False])
def test_a_role_reported_in_another_case_is_the_same_role(fold_case):
    # RAM role names are case-insensitive; ECS may report `ecsramroletest` for `EcsRamRoleTest`
    reported = ROLE.lower()
    ecs = FakeEcs(vpc=['i-1', 'i-2'], roles={'i-1': reported}, ecs_roles=(ROLE, reported, OTHER), fold_case=fold_case)
    results = by_id(bind(ecs, ['i-1', 'i-2']))
    assert results['i-1'] == _ecs_binding.outcome('i-1', reported, reported, 'unchanged')
    assert results['i-2']['action'] == 'attached' and ecs.writes() == ['AttachInstanceRamRole']
    ecs.calls.clear()
    results = by_id(bind(ecs, ['i-1', 'i-2'], state='absent'))
    assert results['i-1'] == _ecs_binding.outcome('i-1', reported, None, 'detached') and ecs.instances['i-1']['role'] is None
    assert results['i-2']['action'] == 'detached' and ecs.instances['i-2']['role'] is None
    # the name is sent as ECS reports it: one call per spelling (a folding ECS reports one spelling only)
    sent = [p['RamRoleName'] for a, p, r, t in ecs.log if a == 'DetachInstanceRamRole']
    assert sent == ([reported] if fold_case else [reported, ROLE])


def test_on_conflict_does_not_see_two_roles_in_two_spellings():
    ecs = FakeEcs(vpc=['i-1'], roles={'i-1': 'ecsramroletest'})
    assert _ecs_binding.plan_one('i-1', 'ecsramroletest', 'EcsRamRoleTest', on_conflict='fail')['action'] == 'unchanged'
    assert bind(ecs, ['i-1'], role='EcsRamRoleTest', on_conflict='replace')[0]['action'] == 'unchanged'
    assert ecs.writes() == []


def test_instances_with_role_matches_any_case():
    ecs = FakeEcs(vpc=['i-1', 'i-2', 'i-3'], roles={'i-1': 'ecsramroletest', 'i-2': 'EcsRamRoleTest', 'i-3': OTHER},
                  ecs_roles=('EcsRamRoleTest',), fold_case=True)
    assert _ecs_binding.instances_with_role(ecs, REGION, 'EcsRamRoleTest') == ['i-1', 'i-2']


def test_same_role():
    assert _ecs_binding.same_role('EcsRamRoleTest', 'ecsramroletest') and _ecs_binding.same_role(None, None)
    assert not _ecs_binding.same_role('EcsRamRoleTest', None) and not _ecs_binding.same_role(None, 'x') and not _ecs_binding.same_role('a', 'b')


# ---------------------------------------------------------------- a failed replace restores the role, not its extra policy

def test_a_restored_role_is_reported_without_its_extra_policy():
    ecs = FakeEcs(vpc=['i-1', 'i-2'], roles={'i-1': OTHER, 'i-2': OTHER})
    ecs.instance_faults[('AttachInstanceRamRole', 'i-1')] = ('InvalidUser.PassRoleForbidden', 'no PassRole')
    warnings = []
    results = by_id(bind(ecs, ['i-1', 'i-2'], on_conflict='replace', warn=warnings.append))
    assert results['i-1']['role_after'] == OTHER and _ecs_binding.RESTORED_WITHOUT_POLICY in results['i-1']['message']
    assert 'Policy' not in ecs.log[-1][1] and ecs.log[-1][1]['RamRoleName'] == OTHER
    assert len(warnings) == 1 and 'i-1' in warnings[0] and 'i-2' not in warnings[0] and 'extra policy' in warnings[0]
    assert results['i-2']['action'] == 'replaced'


def test_no_restore_no_warning():
    ecs = FakeEcs(vpc=['i-1'], roles={'i-1': OTHER})
    warnings = []
    bind(ecs, ['i-1'], on_conflict='replace', warn=warnings.append)
    assert warnings == []


def test_restored_warning_lists_at_most_ten_ids():
    text = _ecs_binding.restored_warning(fleet(12))
    assert text.startswith('12 instance(s)') and 'i-0009 and 2 more' in text and 'i-0010' not in text


def test_describe_instances_entries_for_the_modules():
    raw = [{'InstanceId': 'i-1', 'Status': 'Running'}, {'InstanceId': 'i-2', 'Status': 'Starting'}, {'InstanceId': 'i-3', 'Status': 'Pending'}]
    assert _ecs_instances.instance_ids(raw) == ['i-1', 'i-2', 'i-3']
    assert _ecs_instances.by_instance_id(raw)['i-2'] is raw[1]
    assert _ecs_instances.starting_ids(raw) == ['i-2', 'i-3']
    assert _ecs_instances.normalize_instance(_ecs_instances.pending_instance('i-9', 'web'))['instance_id'] == 'i-9'
    assert _ecs_instances.normalize_instance(_ecs_instances.pending_instance('i-9', 'web'))['name'] == 'web'
    assert _ecs_instances.starting_ids([_ecs_instances.pending_instance('i-9', 'web')]) == ['i-9']
