# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""ECS operations: batched reads and writes of instance RAM role bindings, instance create and normaliser.

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

Concurrency (issue 17, `max_concurrency`): the batches of one step (the pages of `read_roles`, the id chunks of
`describe_instances`, the Attach/Detach chunks of `apply_binding`, the re-reads and the restores) run through
`in_order`: the first batch alone, then up to the limit of a `Concurrency` gate at once on a ThreadPoolExecutor,
the results merged in the order of the batches, so the per-instance results, their order, the calls and the
warnings are those of the sequential loop (max_concurrency=1, which is that loop, in the caller's thread). Each
batch keeps its own pages, culprit read and resend in order. A batch's recheck/rollback entries go to a copy of
the binder and are merged in batch order. Only where a fatal error (a role or permission error) first appears on
a later batch can more calls be made than sequentially: the batches already in flight finish (at most
max_concurrency - 1), the others are reported "not attempted" as before. A throttling answer (RetryPolicy.is_throttling,
heard through _retry.throttling_listener while a batch runs, or raised) halves the limit, at least 1; it grows by 1
after GROW_AFTER batches in a row without one. Pages chained by a NextToken or by "the last page was full"
(`instances_with_role`, a DescribeInstances without ids) stay sequential: their next call depends on the answer.

One SDK client is shared by the threads (no client per thread), after reading the SDK (darabonba-core 1.0.9,
alibabacloud-tea-openapi 0.4.6, alibabacloud-credentials 1.0.12):
- the Tea/darabonba client keeps no per-call state: `do_rpcrequest` / `do_request` build the request, the runtime
  dict and the retry context as locals from the client's config (read-only after construction; the setters of
  `_spi` / `_headers` are never called) and from our RuntimeOptions, which they only read;
- HTTP goes through `DaraCore._sessions`, one class-level requests.Session per endpoint for the whole process, so a
  client per thread would share it anyway; urllib3's pool is thread-safe and keeps up to 40 connections a host
  (DEFAULT_POOL_MAXSIZE), above MAX_CONCURRENCY_LIMIT; the lazy creation of a session has an unlocked check-then-set:
  two threads may each build one and one is dropped, harmless (and the first batch runs alone, which creates it);
- alibabacloud-credentials: a static key has no state; the refreshing providers (ECS role, assumed role, OIDC)
  lock their refresh (RefreshCachedSupplier._refresh_lock), the CLI profile provider locks its file; but the
  credentials Client is built on first use, and our provider chain picks its source on first use, without locks:
  ClientFactory serializes the credential lookup and the refresh after an expired token with its own lock;
- our own per-process state: ApiClient.calls / writes are appended (atomic); `proxy_environment` edits
  os.environ, now under a lock with a count of the direct calls in flight (the last one out restores the proxies).
  Left: a credential fetched through a proxy (non-direct) while other threads make direct calls shows the
  proxies to them for its duration; it happens only when temporary credentials are refreshed mid-binding, since
  the first batch (alone) fetches them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ._errors import AlicloudApiError, AlicloudParameterError
from ._policy import ECS_TRUST_POLICY, normalize_policy, to_json, trusts_ecs
from ._ram import get_role, parse_trust_document
from ._retry import RetryPolicy, throttling_listener

IDS_PER_CALL = 100            # InstanceIds limit of Attach/Detach/DescribeInstances
DESCRIBE_ROLE_IDS_PER_CALL = 50  # DescribeInstanceRamRole InstanceIds limit (50 in the SDK and the Chinese doc, 100 in the English one)
DESCRIBE_ROLE_PAGE_SIZE = 50  # DescribeInstanceRamRole PageSize maximum
DESCRIBE_INSTANCES_PAGE_SIZE = 100  # DescribeInstances MaxResults maximum
ROLE_VISIBLE_TIMEOUT = 60.0   # seconds an Attach retries InvalidRamRole.NotFound (a role ECS does not see yet)
EXTRA_POLICY_MAX = 1024       # AttachInstanceRamRole Policy length limit
DELETE_TIMEOUT = 600.0        # seconds DeleteInstances retries an instance that is still initializing (ecs_instance: wait_timeout)
WRITE_ROUNDS = 3              # sends of one Attach/Detach/DeleteInstances batch at most, culprits removed in between

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
ROLE_NOT_FOUND = 'InvalidRamRole.NotFound'
# DeleteInstances: still initializing (even with Force), to be retried; already deleted
STARTING_CODES = ('IncorrectInstanceStatus',)
GONE_CODES = ('InvalidInstanceIds.NotFound', 'InvalidInstanceId.NotFound')
# RunInstances with a ClientToken whose first request is still being processed
TOKEN_BUSY_CODES = ('LastTokenProcessing', 'IdempotentProcessing')
MAX_CONCURRENCY = 4           # default of the modules' max_concurrency: calls of one binding in flight at once
MAX_CONCURRENCY_LIMIT = 32    # the largest max_concurrency accepted
GROW_AFTER = 8                # unthrottled batches after which a cut concurrency grows by one again


# ---------------------------------------------------------------- bounded, throttling-aware concurrency

class Concurrency:
    """How many batches (one batch: the call of one chunk or page, with its culprit read and resend) run at once.

    Starts at `maximum`; a throttling answer (what RetryPolicy.is_throttling says: throttling codes, any HTTP 429,
    unavailability, 5xx, transport failures), retried or not, halves the limit (at least 1); after `grow_after`
    batches in a row without one it grows by 1 again, up to `maximum`. `limits` records the limit each batch
    started under and `peak` the most batches in flight at once (for tests and the benchmark).
    """

    def __init__(self, maximum=1, grow_after=GROW_AFTER):
        self.maximum = max(1, int(maximum))
        self.limit = self.maximum
        self.grow_after = grow_after
        self.active = 0
        self.peak = 0
        self.cuts = 0
        self.limits = []
        self._streak = 0
        self._cond = threading.Condition()

    def heard(self, err):  # pylint: disable=unused-argument
        with self._cond:
            self._streak = 0
            if self.limit > 1:
                self.limit = max(1, self.limit // 2)
                self.cuts += 1

    def _enter(self):
        with self._cond:
            while self.active >= self.limit:
                self._cond.wait()
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.limits.append(self.limit)

    def _leave(self, throttled):
        with self._cond:
            self.active -= 1
            if not throttled:
                self._streak += 1
                if self._streak >= self.grow_after and self.limit < self.maximum:
                    self.limit += 1
                    self._streak = 0
            self._cond.notify_all()

    def run(self, func, *args):
        """`func(*args)` as one batch: waits for a free slot, and listens for throttling meanwhile."""
        self._enter()
        heard = []
        try:
            with throttling_listener(lambda err: (heard.append(err), self.heard(err))):
                return func(*args)
        except AlicloudApiError as err:
            if not heard and RetryPolicy.is_throttling(err):
                heard.append(err)
                self.heard(err)
            raise
        finally:
            self._leave(bool(heard))


def max_concurrency(params):
    """The validated max_concurrency option of a module (see doc fragment alicloud.instance_ram.concurrency)."""
    value = params.get('max_concurrency')
    value = MAX_CONCURRENCY if value is None else value
    if not 1 <= value <= MAX_CONCURRENCY_LIMIT:
        raise AlicloudParameterError('max_concurrency', f'must be between 1 and {MAX_CONCURRENCY_LIMIT}', value)
    return value


MAX_CONCURRENCY_SPEC = {'type': 'int', 'default': MAX_CONCURRENCY}


def concurrency(value):
    """A Concurrency from a module's max_concurrency (None: 1, sequential), or the given one (shared by the phases of one binding)."""
    return value if isinstance(value, Concurrency) else Concurrency(value or 1)


def in_order(gate, func, items, stop=None):
    """[func(item) for item in items], each one batch of `gate`, the results in the order of `items`.

    With a maximum of 1, exactly that loop. Otherwise the first item runs alone (an error that would fail every
    call, a permission or a deleted role, then costs one call, as sequentially), the others up to the limit at once.
    `stop(result)` true (a fatal error) or an exception keeps the items not yet started from starting; they come
    back as None. The first exception in the order of `items` is raised once every started item has finished.
    """
    gate = concurrency(gate)
    items = list(items)
    if gate.maximum == 1 or len(items) < 2:
        results = []
        for item in items:
            result = gate.run(func, item)
            results.append(result)
            if stop is not None and stop(result):
                return results + [None] * (len(items) - len(results))
        return results
    first = gate.run(func, items[0])
    if stop is not None and stop(first):
        return [first] + [None] * (len(items) - 1)
    halted = threading.Event()

    def one(item):
        if halted.is_set():
            return None
        try:
            result = gate.run(func, item)
        except BaseException:
            halted.set()
            raise
        if stop is not None and stop(result):
            halted.set()
        return result

    with ThreadPoolExecutor(max_workers=min(gate.maximum, len(items) - 1), thread_name_prefix='alicloud-batch') as pool:
        futures = [pool.submit(one, item) for item in items[1:]]
    rest = []
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error
        rest.append(future.result())
    return [first] + rest


def same_role(one, other):
    """Two role names are the same role: RAM role names are case-insensitive and ECS may report another case."""
    if one is None or other is None:
        return one is other
    return one.lower() == other.lower()


def chunked(items, size=IDS_PER_CALL):
    """Consecutive slices of `items` of at most `size` elements."""
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def unique_ids(instance_ids, option='instance_ids'):
    """Ids stripped and de-duplicated, first occurrence order kept; an empty id is refused."""
    seen = {}
    for raw in instance_ids or []:
        iid = str(raw).strip()
        if not iid:
            raise AlicloudParameterError(option, 'must not contain an empty instance id')
        seen.setdefault(iid, None)
    return list(seen)


def ids_param(instance_ids):
    """InstanceIds as the API wants it: a JSON array in a string."""
    return json.dumps(list(instance_ids))


def require_region(params):
    """The region every ECS request names (RegionId); refused when neither the option nor its environment variable is set."""
    if not params.get('region_id'):
        raise AlicloudParameterError('region_id', 'is required for ECS (or set ALIBABA_CLOUD_REGION_ID)')
    return params['region_id']


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


def describe_instances(ecs, region_id, *, instance_ids=None, name=None, tags=None, vpc_id=None, extra=None, gate=None):
    """Raw DescribeInstances `Instance` entries matching every given filter (paged, 100 ids a call).

    `extra`: more wire filters (`Status`, `ZoneId`, ...), sent as they are. With `gate` (a Concurrency or a
    max_concurrency), the chunks of 100 ids are read at once, each chunk's pages one after another (a NextToken names
    the next page); without ids, the pages are read one after another.
    """
    base = {'RegionId': region_id, 'MaxResults': DESCRIBE_INSTANCES_PAGE_SIZE, 'InstanceName': name, 'VpcId': vpc_id,
            'Tag': [{'Key': k, 'Value': v} for k, v in sorted((tags or {}).items())] or None, **(extra or {})}
    id_chunks = chunked(instance_ids) if instance_ids is not None else [None]

    def pages(chunk):
        found = []
        params = dict(base, InstanceIds=ids_param(chunk) if chunk else None)
        while True:
            body = ecs.call('DescribeInstances', params)
            found.extend((body.get('Instances') or {}).get('Instance') or [])
            token = body.get('NextToken')
            if not token:
                return found
            params = dict(params, NextToken=token)
    return [raw for part in in_order(gate, pages, id_chunks) for raw in part]


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
    roles, errors = {}, {}
    pending = chunk
    for attempt in range(WRITE_ROUNDS):
        try:
            roles.update(_describe_roles(ecs, region_id, pending))
            break
        except AlicloudApiError as err:
            if not err.matches(*CULPRIT_CODES):
                raise
            # the third failure in a row (instances vanishing meanwhile): report it for what is left
            bad = _unreadable(ecs, region_id, pending, err) if attempt < WRITE_ROUNDS - 1 else {}
            if not bad:
                # the service says something is wrong but not which: report it for every id
                bad = dict.fromkeys(pending, (err.code, err.message))
            errors.update(bad)
            pending = [i for i in pending if i not in bad]
            if not pending:
                break
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
    pending = list(instance_ids)
    for send in range(WRITE_ROUNDS):
        try:
            outcome_by_id.update(batch_write(ecs, action, region_id, pending, extra, **call_options))
            return outcome_by_id, None
        except AlicloudApiError as err:
            culprits = {}
            if err.matches(*CULPRIT_CODES) and send < WRITE_ROUNDS - 1:
                try:
                    culprits = _unreadable(ecs, region_id, pending, err)
                except AlicloudApiError:
                    culprits = {}  # the read failed too: the call's error is reported for every id, as the service gave it
            if not culprits:
                outcome_by_id.update(dict.fromkeys(pending, _call_failure(err)))
                return outcome_by_id, None if err.matches(*INSTANCE_LEVEL_CODES) else err
            outcome_by_id.update({iid: (code, message, err.request_id) for iid, (code, message) in culprits.items()})
            pending = [iid for iid in pending if iid not in culprits]
            if not pending:
                return outcome_by_id, None
    raise AssertionError('unreachable: the last round returns')  # pragma: no cover


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


# ---------------------------------------------------------------- instances

def _ip_list(value):
    return list((value or {}).get('IpAddress') or [])


def normalize_instance(raw, ram_role=None):
    """One DescribeInstances entry in the collection's shape (snake_case keys, tags as a dict)."""
    vpc = raw.get('VpcAttributes') or {}
    metadata = raw.get('MetadataOptions') or {}
    tags = ((raw.get('Tags') or {}).get('Tag')) or []
    return {
        'instance_id': raw.get('InstanceId'),
        'name': raw.get('InstanceName'),
        'status': raw.get('Status'),
        'network_type': raw.get('InstanceNetworkType'),
        'region_id': raw.get('RegionId'),
        'zone_id': raw.get('ZoneId'),
        'vpc_id': vpc.get('VpcId') or None,
        'vswitch_id': vpc.get('VSwitchId') or None,
        'private_ip_addresses': _ip_list(vpc.get('PrivateIpAddress')) or _ip_list(raw.get('InnerIpAddress')),
        'public_ip_addresses': _ip_list(raw.get('PublicIpAddress')),
        'instance_type': raw.get('InstanceType'),
        'image_id': raw.get('ImageId'),
        'security_group_ids': list(((raw.get('SecurityGroupIds') or {}).get('SecurityGroupId')) or []),
        'tags': {t.get('TagKey'): t.get('TagValue') for t in tags if t.get('TagKey') is not None},
        'creation_time': raw.get('CreationTime'),
        'metadata_http_tokens': metadata.get('HttpTokens'),
        'ram_role': ram_role,
    }


def with_roles(ecs, region_id, raw_instances, gate=None):
    """Normalised instances, each with its RAM role (DescribeInstanceRamRole for the VPC ones only)."""
    vpc_ids = [i['InstanceId'] for i in raw_instances if i.get('InstanceNetworkType') != 'classic']
    roles, dummy = read_roles(ecs, region_id, vpc_ids, gate) if vpc_ids else ({}, {})
    return [normalize_instance(i, roles.get(i['InstanceId'])) for i in raw_instances]


def matches(raw, name=None, tags=None):
    """Exact name and every tag (DescribeInstances may match names loosely)."""
    if name is not None and raw.get('InstanceName') != name:
        return False
    have = {t.get('TagKey'): t.get('TagValue') for t in ((raw.get('Tags') or {}).get('Tag') or [])}
    return all(have.get(k) == v for k, v in (tags or {}).items())


def removal_order(raw_instances):
    """Instances in the order surplus ones are deleted: not running first, then the most recently created."""
    newest_first = sorted(raw_instances, key=lambda i: (i.get('CreationTime') or '', i.get('InstanceId') or ''), reverse=True)
    return sorted(newest_first, key=lambda i: i.get('Status') == 'Running')


def client_token(seed, *parts):
    """An idempotency token (at most 64 ASCII characters) derived from `seed` and `parts`."""
    raw = '-'.join([seed, *(str(p) for p in parts)])
    return raw if len(raw) <= 64 else hashlib.sha256(raw.encode()).hexdigest()


def run_instances(ecs, region_id, amount, *, image_id, instance_type, vswitch_id, security_group_ids, name, tags=None,
                  password=None, role_name=None, token=None):
    """RunInstances, at most 100 a call: the new instance ids. The role is carried from the first boot.

    Call k (from 0) sends `token` as is for k = 0 and client_token(token, k) after, so every call is safe to retry.
    A role ECS does not see yet and a token whose first request is still in flight (`LastTokenProcessing`,
    `IdempotentProcessing`) are retried for ROLE_VISIBLE_TIMEOUT seconds.
    """
    created = []
    for batch, size in enumerate([min(IDS_PER_CALL, amount - start) for start in range(0, amount, IDS_PER_CALL)]):
        body = ecs.call('RunInstances', {
            'RegionId': region_id, 'Amount': size, 'ImageId': image_id, 'InstanceType': instance_type, 'VSwitchId': vswitch_id,
            'SecurityGroupIds': list(security_group_ids or []) or None, 'InstanceName': name,
            'Tag': [{'Key': k, 'Value': v} for k, v in sorted((tags or {}).items())] or None,
            'Password': password, 'RamRoleName': role_name,
            'ClientToken': (token if batch == 0 else client_token(token, batch)) if token else None,
        }, retry_codes=(ROLE_NOT_FOUND, *TOKEN_BUSY_CODES), retry_timeout=ROLE_VISIBLE_TIMEOUT)
        created.extend((body.get('InstanceIdSets') or {}).get('InstanceIdSet') or [])
    return created


def delete_instances(ecs, region_id, instance_ids, timeout=DELETE_TIMEOUT):
    """DeleteInstances (Force: running instances too), 100 a call.

    An instance that is still initializing refuses even a forced delete (`IncorrectInstanceStatus.Initializing`):
    the call is retried for at most `timeout` seconds. An id that is gone already (`InvalidInstanceIds.NotFound`,
    a concurrent run or an earlier try that took effect) fails the whole call: one DescribeInstances of the
    call's ids tells which still exist, and only those are sent again.
    """
    for chunk in chunked(instance_ids):
        pending = chunk
        for send in range(WRITE_ROUNDS):
            try:
                ecs.call('DeleteInstances', {'RegionId': region_id, 'InstanceId': pending, 'Force': True},
                         retry_codes=STARTING_CODES, retry_timeout=timeout)
                break
            except AlicloudApiError as err:
                if not err.matches(*GONE_CODES):
                    raise
                present = {i['InstanceId'] for i in describe_instances(ecs, region_id, instance_ids=pending)}
                if send == WRITE_ROUNDS - 1 or present == set(pending):
                    # still there although the service says not found (or instances keep vanishing): not settled
                    raise
                pending = [iid for iid in pending if iid in present]
                if not pending:
                    break


def wait_for(ecs, region_id, instance_ids, *, status=None, gone=False, timeout=300.0, sleep=None, clock=None):
    """Poll DescribeInstances until every instance has `status` (or, with gone, no longer exists).

    Returns the last raw instances seen; raises AlicloudApiError with code `WaitTimeout` naming the
    stragglers when `timeout` seconds pass. `sleep` and `clock` default to the time module's.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + timeout
    pause = 1.0
    while True:
        raw = describe_instances(ecs, region_id, instance_ids=instance_ids) if instance_ids else []
        if gone:
            waiting = sorted(i['InstanceId'] for i in raw)
        else:
            seen = {i['InstanceId']: i.get('Status') for i in raw}
            waiting = sorted(iid for iid in instance_ids if seen.get(iid) != status)
        if not waiting:
            return raw
        if clock() + pause > deadline:
            what = 'to be deleted' if gone else f'to be {status}'
            raise AlicloudApiError('WaitTimeout', f"gave up after {timeout:g} s waiting for {len(waiting)} instance(s) {what}: "
                                   + ', '.join(waiting), product='ecs', action='DescribeInstances')
        sleep(pause)
        pause = min(pause * 2, 10.0)
