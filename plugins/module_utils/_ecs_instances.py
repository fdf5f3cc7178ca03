# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""The ECS instance lifecycle: create (RunInstances, the role carried from the first boot), normalise, match, delete, wait.

Used by ecs_instance, ecs_instance_info and the inventory plugin; the roles of instances are read by the binding
engine (`_ecs_binding.read_roles`).
"""

from __future__ import annotations

import hashlib
import time

from ._ecs import IDS_PER_CALL, ROLE_NOT_FOUND, ROLE_VISIBLE_TIMEOUT, chunked, describe_instances, send_without_culprits
from ._ecs_binding import CLASSIC, MESSAGES, read_roles
from ._errors import AlicloudApiError

DELETE_TIMEOUT = 600.0        # seconds DeleteInstances retries an instance that is still initializing (ecs_instance: wait_timeout)
# DeleteInstances: still initializing (even with Force), to be retried; already deleted
STARTING_CODES = ('IncorrectInstanceStatus',)
GONE_CODES = ('InvalidInstanceIds.NotFound', 'InvalidInstanceId.NotFound')
# RunInstances with a ClientToken whose first request is still being processed
TOKEN_BUSY_CODES = ('LastTokenProcessing', 'IdempotentProcessing')


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
    """Normalised instances, each with its RAM role (DescribeInstanceRamRole for the VPC ones only, see current_roles)."""
    roles, dummy = current_roles(ecs, region_id, raw_instances, gate)
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
    def delete(pending):
        ecs.call('DeleteInstances', {'RegionId': region_id, 'InstanceId': pending, 'Force': True},
                 retry_codes=STARTING_CODES, retry_timeout=timeout)

    def gone(pending, err, last):
        if not err.matches(*GONE_CODES):
            raise err
        present = {i['InstanceId'] for i in describe_instances(ecs, region_id, instance_ids=pending)}
        if last or present == set(pending):
            # still there although the service says not found (or instances keep vanishing): not settled
            raise err
        return dict.fromkeys(iid for iid in pending if iid not in present)

    for chunk in chunked(instance_ids):
        send_without_culprits(delete, chunk, gone)


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


# ---------------------------------------------------------------- DescribeInstances entries, for the modules (which never read a field)

STARTING_STATUSES = ('Pending', 'Starting')


def instance_ids(raw_instances):
    """The ids of DescribeInstances entries, in their order."""
    return [i['InstanceId'] for i in raw_instances]


def by_instance_id(raw_instances):
    """DescribeInstances entries by instance id."""
    return {i['InstanceId']: i for i in raw_instances}


def starting_ids(raw_instances):
    """The ids of the instances that are still booting (Pending, Starting)."""
    return [i['InstanceId'] for i in raw_instances if i.get('Status') in STARTING_STATUSES]


def pending_instance(instance_id, name):
    """The DescribeInstances entry of an instance RunInstances has just made that no read has returned yet."""
    return {'InstanceId': instance_id, 'InstanceName': name, 'Status': 'Pending'}


def current_roles(ecs, region_id, raw_instances, gate=None):
    """({id: role}, {id: (code, message)}) of DescribeInstances entries; classic ones are known without a call."""
    classic = {i['InstanceId']: (CLASSIC, MESSAGES[CLASSIC]) for i in raw_instances if i.get('InstanceNetworkType') == 'classic'}
    vpc_ids = [i['InstanceId'] for i in raw_instances if i['InstanceId'] not in classic]
    roles, errors = read_roles(ecs, region_id, vpc_ids, gate) if vpc_ids else ({}, {})
    return roles, {**classic, **errors}
