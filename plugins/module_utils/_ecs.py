# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""What the ECS binding engine (`_ecs_binding`) and the instance lifecycle (`_ecs_instances`) share.

Instance ids (`chunked`, `unique_ids`, `ids_param`), the region (`require_region`), the paged DescribeInstances
(`describe_instances`), the resend of a batch call without the instances that failed it as a whole
(`send_without_culprits`), and the bounded, throttling-aware concurrency of batches (`Concurrency`, `in_order`).

Concurrency (issue 17, `max_concurrency`): the batches of one step (the pages of `read_roles`, the id chunks of
`describe_instances`, the Attach/Detach chunks of `apply_binding`, the re-reads and the restores) run through
`in_order`: the first batch alone, then up to the limit of a `Concurrency` gate at once on a ThreadPoolExecutor,
the results merged in the order of the batches, so the per-instance results, their order, the calls and the
warnings are those of the sequential loop (max_concurrency=1, which is that loop, in the caller's thread). Each
batch keeps its own pages, culprit read and resend in order. A batch's recheck/rollback entries go to a copy of
the binder and are merged in batch order. Only where a fatal error (a role or permission error) first appears on
a later batch can more calls be made than sequentially: the batches already in flight finish (at most
max_concurrency - 1), the others are reported "not attempted" as before. A transient answer (RetryPolicy.is_transient,
heard through _retry.transient_listener while a batch runs, or raised) halves the limit, at least 1; it grows by 1
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
- our own per-process state: ApiClient.writes is appended to (atomic); `proxy_environment` edits
  os.environ, now under a lock with a count of the direct calls in flight (the last one out restores the proxies).
  Left: a credential fetched through a proxy (non-direct) while other threads make direct calls shows the
  proxies to them for its duration; it happens only when temporary credentials are refreshed mid-binding, since
  the first batch (alone) fetches them.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from ._errors import AlicloudApiError, AlicloudParameterError
from ._retry import RetryPolicy, transient_listener

IDS_PER_CALL = 100            # InstanceIds limit of Attach/Detach/DescribeInstances
DESCRIBE_INSTANCES_PAGE_SIZE = 100  # DescribeInstances MaxResults maximum
ROLE_VISIBLE_TIMEOUT = 60.0   # seconds an Attach retries InvalidRamRole.NotFound (a role ECS does not see yet)
WRITE_ROUNDS = 3              # sends of one Attach/Detach/DeleteInstances batch at most, culprits removed in between
ROLE_NOT_FOUND = 'InvalidRamRole.NotFound'
MAX_CONCURRENCY = 4           # default of the modules' max_concurrency: calls of one binding in flight at once
MAX_CONCURRENCY_LIMIT = 32    # the largest max_concurrency accepted
GROW_AFTER = 8                # unthrottled batches after which a cut concurrency grows by one again


# ---------------------------------------------------------------- bounded, throttling-aware concurrency

class Concurrency:
    """How many batches (one batch: the call of one chunk or page, with its culprit read and resend) run at once.

    Starts at `maximum`; a transient answer (what RetryPolicy.is_transient says: throttling codes, any HTTP 429,
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
            with transient_listener(lambda err: (heard.append(err), self.heard(err))):
                return func(*args)
        except AlicloudApiError as err:
            if not heard and RetryPolicy.is_transient(err):
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


def send_without_culprits(send, instance_ids, culprits):
    """`send(ids)` for `instance_ids`; after a whole-call error, again without the ids that caused it (WRITE_ROUNDS sends at most).

    A batch call of ECS fails as a whole for one missing or classic instance. `culprits(ids, err, last)` hears the ids
    of the send that failed, its AlicloudApiError and whether that was the last round; it returns {id: outcome} of
    the ids to leave out of the next send (every id, at the latest in the last round), or raises. Returns the
    {id: outcome} of every id left out; the others were in the send that succeeded.
    """
    dropped = {}
    pending = list(instance_ids)
    for send_round in range(WRITE_ROUNDS):
        try:
            send(pending)
            return dropped
        except AlicloudApiError as err:
            bad = culprits(pending, err, send_round == WRITE_ROUNDS - 1)
            dropped.update(bad)
            pending = [iid for iid in pending if iid not in bad]
            if not pending:
                return dropped
    raise AssertionError('unreachable: the last round leaves out every id or raises')  # pragma: no cover
