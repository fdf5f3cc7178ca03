# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""The ECS binding engine: batched reads and writes of instance RAM role bindings, their outcomes and rollback.

The binding engine is shared by ecs_instance_ram_role and ecs_instance (one implementation):

1. `read_roles`: DescribeInstanceRamRole, 50 ids a call (the documented limit; some pages say 100),
   50 a page, so one page a call. A missing or classic-network id fails the whole call; only then
   DescribeInstances finds the culprits of that chunk, they are recorded with the API's code, and
   the rest of the chunk is described again.
2. `plan_binding`: one outcome per instance (attached, detached, replaced, unchanged, skipped,
   failed) with the role before and the role after. Check mode stops here.
3. `apply_binding`: Attach / Detach in chunks of 100. The per-instance results of those calls are
   the truth; only instances whose write failed with a code that may mean "it holds a role now"
   (anything but the definitive codes below) are read again. A missing or classic instance can
   also fail the whole call (HTTP 404 / 403): then one DescribeInstances of that call's ids finds
   the culprits, they fail with their code, and the rest is sent again. A replaced instance whose
   attach fails gets its previous role back (without the extra policy of its earlier attach, which
   ECS does not report).

Role names reported by ECS are compared without regard to case (RAM role names are case-insensitive).

The batches of each step run through `_ecs.in_order` behind a `_ecs.Concurrency` gate (`max_concurrency`): see `_ecs`.
"""

from __future__ import annotations

import copy
import json

from ._ecs import (ROLE_NOT_FOUND, ROLE_VISIBLE_TIMEOUT, chunked, concurrency, describe_instances, ids_param, in_order,
                   send_without_culprits)
from ._errors import AlicloudApiError, AlicloudParameterError
from ._policy import ECS_TRUST_POLICY, normalize_policy, to_json, trusts_ecs
from ._ram import get_role, parse_trust_document

DESCRIBE_ROLE_IDS_PER_CALL = 50  # DescribeInstanceRamRole InstanceIds limit (50 in the SDK and the Chinese doc, 100 in the English one)
DESCRIBE_ROLE_PAGE_SIZE = 50  # DescribeInstanceRamRole PageSize maximum
EXTRA_POLICY_MAX = 1024       # AttachInstanceRamRole Policy length limit

ATTACHED = 'attached'
DETACHED = 'detached'
REPLACED = 'replaced'
UNCHANGED = 'unchanged'
SKIPPED = 'skipped'
FAILED = 'failed'
ACTIONS = (ATTACHED, DETACHED, REPLACED, UNCHANGED, SKIPPED, FAILED)
RESTORED_WITHOUT_POLICY = ('(without the extra policy of its earlier attach, if it had one: '
                           'ECS does not report that policy, so it cannot be restored)')
WRITES = (ATTACHED, DETACHED, REPLACED)

NOT_FOUND = 'InvalidInstanceId.NotFound'
CLASSIC = 'InvalidNetworkType.MismatchRamRole'
CONFLICT = 'InstanceRamRole.Conflict'  # ours, not the API's: on_conflict=fail found another role
MESSAGES = {
    NOT_FOUND: 'The specified instanceId does not exist',
    CLASSIC: 'Ram role cannot be applied to instances of Classic network type.',
}
# Per-instance failure codes after which the instance certainly does not hold the role we sent, so
# re-reading it is pointless. Any other code (the one for "already holds a role" is undocumented)
# may hide a concurrent attach, and is settled by reading the instance again.
DEFINITIVE_CODES = (NOT_FOUND, CLASSIC, 'InvalidInstanceIds.Malformed', 'InvalidUser.PassRoleForbidden',
                    'InvalidRamRole.NotFound', 'InvalidRamRole.NotEcsRole', 'IncorrectInstanceStatus', 'Forbidden', 'NoPermission')
# Whole-call errors that concern the instances of one call only; any other whole-call error of an
# Attach (the role, a permission) would fail every later call the same way, so those are not sent.
INSTANCE_LEVEL_CODES = ('InvalidInstanceId', 'InvalidInstanceIds', 'InvalidNetworkType', 'IncorrectInstanceStatus')
# Whole-call errors whose culprits one DescribeInstances finds (missing or classic instances)
CULPRIT_CODES = (NOT_FOUND, CLASSIC)


def same_role(one, other):
    """Two role names are the same role: RAM role names are case-insensitive and ECS may report another case."""
    if one is None or other is None:
        return one is other
    return one.lower() == other.lower()


def extra_policy(document, option='policy'):
    """The optional extra policy of AttachInstanceRamRole as compact JSON text (validated), or None."""
    if document is None:
        return None
    normalize_policy(document, option)
    text = to_json(document, option)
    if len(text) > EXTRA_POLICY_MAX:
        raise AlicloudParameterError(option, f'must be at most {EXTRA_POLICY_MAX} characters as compact JSON', len(text))
    return text


# ---------------------------------------------------------------- reads

def instances_with_role(ecs, region_id, role_name):
    """Ids of every instance in `region_id` that holds `role_name` (DescribeInstanceRamRole by role, paged).

    Pages are read while they are full (what TotalCount counts is not pinned down). A role that
    ECS does not know (`InvalidRamRole.NotFound`: deleted, or not seen yet by ECS) is held by no instance.
    """
    found = []
    page = 1
    while True:
        try:
            body = ecs.call('DescribeInstanceRamRole', {'RegionId': region_id, 'RamRoleName': role_name,
                                                        'PageSize': DESCRIBE_ROLE_PAGE_SIZE, 'PageNumber': page})
        except AlicloudApiError as err:
            if not err.matches(ROLE_NOT_FOUND):
                raise
            return list(dict.fromkeys(found))
        sets = _role_sets(body)
        found.extend(s['InstanceId'] for s in sets if same_role(s.get('RamRoleName'), role_name))
        if len(sets) < DESCRIBE_ROLE_PAGE_SIZE:
            return list(dict.fromkeys(found))
        page += 1


def _role_sets(body):
    return (body.get('InstanceRamRoleSets') or {}).get('InstanceRamRoleSet') or []


def _describe_roles(ecs, region_id, instance_ids):
    """{id: role name or None} for at most 50 ids (one page); raises on a whole-call error.

    Another page is read only while pages are full and some id has not been reported yet.
    """
    roles = dict.fromkeys(instance_ids)
    seen = set()
    page = 1
    while True:
        body = ecs.call('DescribeInstanceRamRole', {'RegionId': region_id, 'InstanceIds': ids_param(instance_ids),
                                                    'PageSize': DESCRIBE_ROLE_PAGE_SIZE, 'PageNumber': page})
        sets = _role_sets(body)
        for entry in sets:
            if entry.get('InstanceId') in roles:
                roles[entry['InstanceId']] = entry.get('RamRoleName') or None
                seen.add(entry['InstanceId'])
        if len(sets) < DESCRIBE_ROLE_PAGE_SIZE or len(seen) == len(roles):
            return roles
        page += 1


def _unreadable(ecs, region_id, instance_ids, err):
    """After a whole-call error naming no instance: which ids are missing or classic, with the API's code (one DescribeInstances)."""
    present = {i['InstanceId']: i.get('InstanceNetworkType') for i in describe_instances(ecs, region_id, instance_ids=instance_ids)}
    bad = {}
    for iid in instance_ids:
        code = NOT_FOUND if iid not in present else CLASSIC if present[iid] == 'classic' else None
        if code:
            bad[iid] = (code, err.message if err.code == code else MESSAGES[code])
    return bad


def read_roles(ecs, region_id, instance_ids, gate=None):
    """The role of each instance: ({id: role or None}, {id: (code, message)} for those that cannot be read).

    Costs ceil(N/50) DescribeInstanceRamRole calls when every id is a VPC instance that exists; with `gate`
    (a Concurrency or a max_concurrency) they run that many at once, the result the same as one after another.
    """
    roles, errors = {}, {}
    for part_roles, part_errors in in_order(gate, lambda chunk: _read_chunk(ecs, region_id, chunk),
                                            chunked(instance_ids, DESCRIBE_ROLE_IDS_PER_CALL)):
        roles.update(part_roles)
        errors.update(part_errors)
    return roles, errors


def _read_chunk(ecs, region_id, chunk):
    """read_roles of at most 50 ids: the culprits of a whole-call error are found and the rest is read again."""
    roles = {}

    def culprits(pending, err, last):
        if not err.matches(*CULPRIT_CODES):
            raise err
        # the third failure in a row (instances vanishing meanwhile): report it for what is left
        bad = _unreadable(ecs, region_id, pending, err) if not last else {}
        # else the service says something is wrong but not which: report it for every id
        return bad or dict.fromkeys(pending, (err.code, err.message))

    errors = send_without_culprits(lambda pending: roles.update(_describe_roles(ecs, region_id, pending)), chunk, culprits)
    return roles, errors


def instance_role(instance_id, role_name, error=None):
    """The role of one instance as ecs_instance_ram_role_info returns it."""
    code, message = error or (None, None)
    return {'instance_id': instance_id, 'role_name': role_name, 'code': code, 'message': message}


# ---------------------------------------------------------------- the role pre-check

def ecs_trust_problem(ram, role_name):
    """None when `role_name` exists and trusts ecs.aliyuncs.com, else a message saying how to fix it (one GetRole)."""
    role = get_role(ram, role_name)
    fix = ('an instance RAM role must trust ECS: set the trust policy (for example with alicloud.instance_ram.ram_role, '
           'option assume_role_policy_document) to ' + json.dumps(ECS_TRUST_POLICY, sort_keys=True))
    if role is None:
        return f'RAM role {role_name!r} does not exist (API code InvalidRamRole.NotFound); create it first ({fix})'
    document = parse_trust_document(role)
    if document is None or not trusts_ecs(document):
        return (f'RAM role {role_name!r} does not trust ecs.aliyuncs.com, so ECS cannot pass it to instances '
                f'(API code InvalidRamRole.NotEcsRole); {fix}')
    return None


def check_role(ram, role_name, check_mode, warn):
    """The pre-check of an attach or a create: fail when the role is unusable; in check mode only warn.

    Check mode goes on so that a playbook whose earlier task creates or fixes the role can be checked as a whole.
    """
    problem = ecs_trust_problem(ram, role_name)
    if problem is None:
        return
    if not check_mode:
        raise AlicloudParameterError('role_name', problem)
    warn(problem + ' -- check mode goes on as if an earlier task creates or fixes the role; a real run fails unless one does')


# ---------------------------------------------------------------- plan

def outcome(instance_id, role_before, role_after, action, code=None, message=None, request_id=None):
    """One instance's line of the returned results (`request_id`: of the call that failed for it, if any)."""
    return {'instance_id': instance_id, 'role_before': role_before, 'role_after': role_after,
            'action': action, 'code': code, 'message': message, 'request_id': request_id}


def plan_one(instance_id, before, role_name, state='present', on_conflict='fail'):
    """What should happen to one readable instance holding `before` (None: no role)."""
    if state == 'absent':
        if before is not None and (role_name is None or same_role(before, role_name)):
            return outcome(instance_id, before, None, DETACHED)
        return outcome(instance_id, before, before, UNCHANGED)
    if same_role(before, role_name):
        return outcome(instance_id, before, before, UNCHANGED)
    if before is None:
        return outcome(instance_id, None, role_name, ATTACHED)
    if on_conflict == 'replace':
        return outcome(instance_id, before, role_name, REPLACED)
    if on_conflict == 'skip':
        return outcome(instance_id, before, before, SKIPPED, message=f'holds RAM role {before}; left as is (on_conflict=skip)')
    return outcome(instance_id, before, before, FAILED, CONFLICT,
                   f'holds RAM role {before}; use on_conflict=replace to swap it for {role_name} or on_conflict=skip to leave it')


def plan_binding(instance_ids, roles, errors, role_name, state='present', on_conflict='fail'):
    """The predicted outcome of every instance, in the given order (what check mode returns)."""
    results = []
    for iid in instance_ids:
        if iid in errors:
            code, message = errors[iid]
            results.append(outcome(iid, None, None, FAILED, code, message))
        else:
            results.append(plan_one(iid, roles.get(iid), role_name, state, on_conflict))
    return results


# ---------------------------------------------------------------- act

def _succeeded(row):
    success = row.get('Success')
    if isinstance(success, str):
        return success.lower() == 'true'
    return bool(success) or str(row.get('Code')) == '200'


def batch_write(ecs, action, region_id, instance_ids, extra=None, **call_options):
    """One Attach/DetachInstanceRamRole call: {id: None on success, else (code, message, request id of the call)}.

    An id the response says nothing about is reported with code `Unknown` (settled by a re-read).
    A whole-call error is raised.
    """
    body = ecs.call(action, {'RegionId': region_id, 'InstanceIds': ids_param(instance_ids), **(extra or {})}, **call_options)
    rows = (body.get(action + 'Results') or {}).get(action + 'Result') or []
    if not rows and not int(body.get('FailCount') or 0):
        return dict.fromkeys(instance_ids)
    found = {}
    request_id = body.get('RequestId')
    for row in rows:
        iid = row.get('InstanceId')
        found[iid] = None if _succeeded(row) else (str(row.get('Code') or 'Unknown'), row.get('Message') or '', request_id)
    return {iid: found.get(iid, ('Unknown', f'{action} returned no result for this instance', request_id)) for iid in instance_ids}


def _call_failure(err):
    """The per-instance failure of every instance of a call that failed as a whole."""
    return (err.code, err.message, err.request_id)


def write_batch(ecs, action, region_id, instance_ids, extra=None, **call_options):
    """One batch of Attach/DetachInstanceRamRole (at most 100 ids): ({id: None or (code, message, request id)}, fatal error or None).

    The service reports a failing instance either in its row (`Success: false`) or, for a missing or
    classic instance, by failing the whole call (HTTP 404 / 403). Then one DescribeInstances of the
    call's ids finds the culprits; they fail with their code and the others are sent again (at most
    WRITE_ROUNDS sends). When the read finds no culprit, every id of the call fails with the error.
    A whole-call error that is not about the instances (the role, a permission) is returned as the
    fatal error: every later call would fail the same way.
    """
    outcome_by_id = {}
    fatal = []

    def culprits(pending, err, last):
        found = {}
        if err.matches(*CULPRIT_CODES) and not last:
            try:
                found = _unreadable(ecs, region_id, pending, err)
            except AlicloudApiError:
                found = {}  # the read failed too: the call's error is reported for every id, as the service gave it
        if found:
            failed = {iid: (code, message, err.request_id) for iid, (code, message) in found.items()}
        else:
            failed = dict.fromkeys(pending, _call_failure(err))
            if not err.matches(*INSTANCE_LEVEL_CODES):
                fatal.append(err)
        outcome_by_id.update(failed)
        return failed

    send_without_culprits(lambda pending: outcome_by_id.update(batch_write(ecs, action, region_id, pending, extra, **call_options)),
                          instance_ids, culprits)
    return outcome_by_id, fatal[0] if fatal else None


def _definitive(code):
    return any(code == c or code.startswith(c + '.') for c in DEFINITIVE_CODES)


class _Binder:
    """Carries out a plan; see apply_binding.

    A write that failed is remembered with its kind, for the re-read that settles it:
    `attach` (an instance without a role), `swap-detach` and `swap-attach` (the two steps of a
    replace) and `detach` (state absent).
    """

    def __init__(self, ecs, region_id, role_name, on_conflict, policy_json, role_wait, gate=None):
        self.ecs = ecs
        self.gate = concurrency(gate)
        self.region_id = region_id
        self.role_name = role_name
        self.on_conflict = on_conflict
        self.policy_json = policy_json
        self.role_wait = role_wait
        self.recheck = []   # (kind, result) of writes that failed with a non-definitive code
        self.rollback = []  # replaced results left without a role: their previous role goes back
        self.restored = []  # ids that got their previous role back (without its extra policy)

    def part(self):
        """A binder for one batch: the same settings, its own recheck/rollback/restored lists (merged in batch order)."""
        sub = copy.copy(self)
        sub.recheck, sub.rollback, sub.restored = [], [], []
        return sub

    def merge(self, sub):
        self.recheck.extend(sub.recheck)
        self.rollback.extend(sub.rollback)
        self.restored.extend(sub.restored)

    def batches(self, work, items):
        """work(part binder, item) -> fatal error or None, for each item (see in_order); merged in the order of items.

        Returns [(item, fatal or None, started)]."""
        def one(item):
            sub = self.part()
            return sub, work(sub, item)
        done = in_order(self.gate, one, items, stop=lambda answer: answer[1] is not None)
        rows = []
        for item, answer in zip(items, done):
            if answer is None:
                rows.append((item, None, False))
                continue
            self.merge(answer[0])
            rows.append((item, answer[1], True))
        return rows

    def not_attempted(self, rows):
        """Fail the results of the batches that a fatal error of an earlier one kept from starting."""
        fatal = None
        for item, error, started in rows:
            fatal = error or fatal
            if not started:
                for result in item[-1]:
                    self.fail(result, result['role_before'], fatal.code, f'not attempted: {fatal.message}')

    @staticmethod
    def fail(result, role_after, code, message, request_id=None):
        result.update(action=FAILED, role_after=role_after, code=code, message=message, request_id=request_id)

    def failed_write(self, kind, result, role_after, code, message, request_id=None):
        self.fail(result, role_after, code, message, request_id)
        if not _definitive(code):
            self.recheck.append((kind, result))
        elif kind == 'swap-attach':
            self.rollback.append(result)

    def attach_all(self, results):
        def work(sub, item):
            chunk = item[-1]
            ready = [r for r in chunk if r['action'] == ATTACHED] + sub.detach_previous([r for r in chunk if r['action'] == REPLACED])
            return sub.attach(ready) if ready else None
        self.not_attempted(self.batches(work, [(chunk,) for chunk in chunked([r for r in results if r['action'] in (ATTACHED, REPLACED)])]))

    def detach_previous(self, replacing):
        """Detach the other role of each instance to replace (one call per previous role); the detached ones."""
        detached = []
        for previous in sorted({r['role_before'] for r in replacing}):
            group = [r for r in replacing if r['role_before'] == previous]
            outcome_by_id, dummy = write_batch(self.ecs, 'DetachInstanceRamRole', self.region_id, [r['instance_id'] for r in group],
                                               {'RamRoleName': previous})
            for result in group:
                failure = outcome_by_id[result['instance_id']]
                if failure is None:
                    detached.append(result)
                else:
                    self.failed_write('swap-detach', result, previous, failure[0], f'detaching {previous} failed: {failure[1]}', failure[2])
        return detached

    def attach(self, ready):
        """One AttachInstanceRamRole call; returns the error that makes further attach calls pointless, if any."""
        extra = {'RamRoleName': self.role_name, 'Policy': self.policy_json}
        ids = [r['instance_id'] for r in ready]
        outcome_by_id, fatal = write_batch(self.ecs, 'AttachInstanceRamRole', self.region_id, ids, extra,
                                           retry_codes=(ROLE_NOT_FOUND,), retry_timeout=self.role_wait)
        for result in ready:
            failure = outcome_by_id[result['instance_id']]
            if failure is not None:
                kind = 'attach' if result['role_before'] is None else 'swap-attach'
                if fatal is not None:
                    # the role or a permission is wrong: nothing to re-read, but a swapped instance gets its role back
                    self.fail(result, None, *failure)
                    if kind == 'swap-attach':
                        self.rollback.append(result)
                else:
                    self.failed_write(kind, result, None, *failure)
        return fatal

    def detach_groups(self, results):
        """Chunks of the instances to detach, each with the RamRoleName to send: the name as ECS reports it
        (one group per spelling), or None (whatever they hold) without `role_name`."""
        to_detach = [r for r in results if r['action'] == DETACHED]
        if self.role_name is None:
            return [(None, chunk) for chunk in chunked(to_detach)]
        spellings = list(dict.fromkeys(r['role_before'] for r in to_detach))
        return [(name, chunk) for name in spellings for chunk in chunked([r for r in to_detach if r['role_before'] == name])]

    def detach_all(self, results):
        def work(sub, item):
            name, chunk = item
            outcome_by_id, fatal = write_batch(sub.ecs, 'DetachInstanceRamRole', sub.region_id, [r['instance_id'] for r in chunk],
                                               {'RamRoleName': name})
            for result in chunk:
                failure = outcome_by_id[result['instance_id']]
                if failure is not None:
                    sub.failed_write('detach', result, result['role_before'], *failure)
            return fatal
        self.not_attempted(self.batches(work, self.detach_groups(results)))

    def settle(self):
        """Read again the instances whose write failed with a code that may hide a concurrent change."""
        if not self.recheck:
            return
        roles, errors = read_roles(self.ecs, self.region_id, [r['instance_id'] for dummy, r in self.recheck], self.gate)
        for kind, result in self.recheck:
            if result['instance_id'] not in errors:
                self.settle_one(kind, result, roles.get(result['instance_id']))

    def settle_one(self, kind, result, now):
        """Decide a failed write from the role the instance holds now."""
        if kind == 'detach':
            gone = now is None if self.role_name is None else not same_role(now, self.role_name)
            if gone:
                result.update(action=UNCHANGED, role_after=now, code=None, message=None, request_id=None)
                return
        elif same_role(now, self.role_name):
            # a concurrent run did it: the instance holds our role
            result.update(action=REPLACED if kind == 'swap-attach' else UNCHANGED, role_after=now, code=None, message=None, request_id=None)
            return
        elif now is None and kind != 'attach':
            # a replace left the instance without any role: give its previous one back
            result['role_after'] = None
            self.rollback.append(result)
            return
        elif kind == 'attach' and now is not None and self.on_conflict == 'skip':
            result.update(action=SKIPPED, role_after=now, code=None, request_id=None,
                          message=f'holds RAM role {now} (attached meanwhile); left as is (on_conflict=skip)')
            return
        result['role_after'] = now
        if now is not None:
            result['message'] = f"{result['message']} (the instance holds RAM role {now} now)"

    def restore(self):
        """Give each replaced instance whose attach failed its previous role back."""
        def work(sub, item):
            previous, chunk = item
            ids = [r['instance_id'] for r in chunk]
            outcome_by_id, dummy = write_batch(sub.ecs, 'AttachInstanceRamRole', sub.region_id, ids, {'RamRoleName': previous})
            for result in chunk:
                failure = outcome_by_id[result['instance_id']]
                if failure is None:
                    result.update(role_after=previous, message=f"{result['message']}; previous RAM role {previous} re-attached "
                                  f'{RESTORED_WITHOUT_POLICY}')
                    sub.restored.append(result['instance_id'])
                else:
                    result['message'] = (f"{result['message']}; re-attaching previous RAM role {previous} failed "
                                         f'({failure[0]}: {failure[1]}): the instance has no RAM role now')
            return None
        self.batches(work, [(previous, chunk) for previous in sorted({r['role_before'] for r in self.rollback})
                            for chunk in chunked([r for r in self.rollback if r['role_before'] == previous])])


def apply_binding(ecs, region_id, role_name, results, *, on_conflict='fail', policy_json=None, role_wait=ROLE_VISIBLE_TIMEOUT,
                  warn=None, gate=None):
    """Carry out planned `results` in place: their action, role_after, code and message become the outcome.

    Writes: ceil(M/100) AttachInstanceRamRole calls for M instances to attach or replace (plus one
    DetachInstanceRamRole per previous role and chunk when replacing), ceil(M/100) detach calls for
    state absent. Reads only for writes that failed with a non-definitive code, and one
    DescribeInstances (plus one more send) for each call that a missing or classic instance failed as a whole.
    `warn` (a callable) hears about instances whose previous role was restored without its extra policy.
    `gate` (a Concurrency or a max_concurrency): that many write batches at once (see in_order), the same results.
    """
    binder = _Binder(ecs, region_id, role_name, on_conflict, policy_json, role_wait, gate)
    binder.attach_all(results)
    binder.detach_all(results)
    binder.settle()
    binder.restore()
    if binder.restored and warn is not None:
        warn(restored_warning(binder.restored))
    return results


def restored_warning(instance_ids):
    """The warning for replaced instances that got their previous role back after a failed attach."""
    shown = ', '.join(instance_ids[:10]) + (f' and {len(instance_ids) - 10} more' if len(instance_ids) > 10 else '')
    return (f'{len(instance_ids)} instance(s) got their previous RAM role back after the new role could not be attached ({shown}) '
            f'{RESTORED_WITHOUT_POLICY}; if that role was attached with an extra policy, attach it again with that policy')


# ---------------------------------------------------------------- results

def is_change(result):
    """The instance's role changed (planned or done), including a failed replace that could not be undone."""
    return result['action'] in WRITES or (result['action'] == FAILED and result['role_before'] != result['role_after'])


def summarize(results):
    counts = dict.fromkeys(ACTIONS, 0)
    for result in results:
        counts[result['action']] += 1
    counts['total'] = len(results)
    return counts


def failure_message(results):
    """None when nothing failed, else one line naming every failed instance and its code, and the request ids of the failed calls."""
    failed = [r for r in results if r['action'] == FAILED]
    if not failed:
        return None
    names = ', '.join(f"{r['instance_id']} ({r['code']})" for r in failed)
    request_ids = list(dict.fromkeys(r['request_id'] for r in failed if r.get('request_id')))
    calls = f"; request id(s) {', '.join(request_ids)}" if request_ids else ''
    return f'{len(failed)} of {len(results)} instance(s) failed: {names}{calls}'


def bind_roles(ecs, region_id, instance_ids, role_name, *, state='present', on_conflict='fail', policy_json=None,
               check_mode=False, role_wait=ROLE_VISIBLE_TIMEOUT, known_roles=None, warn=None, max_concurrency=1):
    """Read (unless `known_roles` gives every instance's role already), plan and (unless check mode) apply: the per-instance results.

    `max_concurrency` (or a Concurrency): batches in flight at once, one gate for the reads and the writes of this binding.
    """
    gate = concurrency(max_concurrency)
    roles, errors = (known_roles, {}) if known_roles is not None else read_roles(ecs, region_id, instance_ids, gate)
    results = plan_binding(instance_ids, roles, errors, role_name, state, on_conflict)
    if not check_mode:
        apply_binding(ecs, region_id, role_name, results, on_conflict=on_conflict, policy_json=policy_json, role_wait=role_wait,
                      warn=warn, gate=gate)
    return results
