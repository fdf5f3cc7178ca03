# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS 2014-05-26: instances, instance RAM roles, metadata options.

Instances are indexed by id and by (account, region, role), so a 100-id call or a by-role
page costs O(ids) / O(page), never O(fleet).
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re

from . import contract as c
from .api import Context, Product
from .clock import iso_minutes, random_digits, random_lower
from .errors import ApiError, invalid, missing
from .params import Params
from .policy import parse_document, trust_allows
from .store import Instance, Role, Store, network_key

ECS = Product('ECS', '2014-05-26', 'ecs', c.ECS_DENIED.code, c.ECS_DENIED.message, 'ecs.{region}.aliyuncs.com')

ECS_SERVICE = 'ecs.aliyuncs.com'
MAX_IDS = 100
STATUSES = ('Pending', 'Running', 'Starting', 'Stopping', 'Stopped')
MALFORMED_IDS = c.INSTANCE_IDS_MALFORMED[:2]  # (code, message): what Params.id_list raises


# ------------------------------------------------------------------------------------ fleet helpers
def _hex(*parts: str, length: int = 20) -> str:
    return hashlib.sha1('/'.join(parts).encode()).hexdigest()[:length]


def normalise_tags(tags) -> list[dict]:
    """Tags given as a mapping, or as a list of Key/Value or TagKey/TagValue entries."""
    if isinstance(tags, dict):
        return [{'TagKey': str(k), 'TagValue': str(v)} for k, v in tags.items()]
    return [{'TagKey': t.get('TagKey', t.get('Key')), 'TagValue': str(t.get('TagValue', t.get('Value', '')))}
            for t in tags or []]


def new_instance(store: Store, account_id: str, region_id: str, at: float, **fields) -> Instance:
    """Create (and index) one instance; unspecified fields get realistic defaults."""
    fields = {k: v for k, v in fields.items() if v is not None}
    instance_id = fields.pop('instance_id', None) or f'i-{random_lower(20)}'
    if instance_id in store.instances:
        raise ValueError(f'instance {instance_id} already exists')
    zone_id = fields.pop('zone_id', None) or f'{region_id}-a'
    network_type = fields.pop('network_type', 'vpc')
    vswitch_id = vpc_id = ''
    if network_type == 'vpc':
        vswitch_id = fields.pop('vswitch_id', None) or f'vsw-{_hex(account_id, region_id, zone_id)}'
        vpc_id = fields.pop('vpc_id', None) or f'vpc-{_hex(vswitch_id)}'
    fields.pop('vswitch_id', None)
    fields.pop('vpc_id', None)
    role = fields.pop('ram_role', '')
    policy = fields.pop('ram_role_policy', None)
    fields['tags'] = normalise_tags(fields.get('tags'))
    for pool, key in (('public', 'public_ip'), ('eip', 'eip')):
        # True: the next address of the pool; a string: that address
        if fields.get(key) is True:
            fields[key] = store.allocate_public_ip(pool)
        elif not fields.get(key):
            fields.pop(key, None)
    instance = Instance(
        instance_id=instance_id, account_id=account_id, region_id=region_id, zone_id=zone_id,
        name=fields.pop('name', None) or instance_id, network_type=network_type, vpc_id=vpc_id, vswitch_id=vswitch_id,
        private_ip=store.allocate_private_ip(network_key(account_id, region_id, vswitch_id)),
        hostname=fields.pop('hostname', None) or f'iZ{instance_id[2:]}Z', creation_time=at,
        security_group_ids=fields.pop('security_group_ids', None) or [f'sg-{_hex(account_id, region_id, vpc_id)}'],
        **fields)
    store.add_instance(instance)
    if role:
        store.bind_role(instance, role, policy)
    return instance


def instance_view(inst: Instance, at: float) -> dict:
    vpc = inst.network_type == 'vpc'
    return {
        'InstanceId': inst.instance_id, 'InstanceName': inst.name, 'HostName': inst.hostname,
        'Description': inst.description, 'RegionId': inst.region_id, 'ZoneId': inst.zone_id,
        'Status': inst.current_status(at), 'InstanceNetworkType': inst.network_type,
        'InstanceType': inst.instance_type, 'InstanceTypeFamily': inst.instance_type.rsplit('.', 1)[0],
        'ImageId': inst.image_id, 'Cpu': 2, 'Memory': 8192, 'OSType': 'linux',
        'OSName': 'Alibaba Cloud Linux  3.2104 LTS 64位', 'OSNameEn': 'Alibaba Cloud Linux  3.2104 LTS 64 bit',
        'InstanceChargeType': 'PostPaid', 'InternetChargeType': 'PayByTraffic', 'InternetMaxBandwidthIn': 0,
        'InternetMaxBandwidthOut': 0, 'CreationTime': iso_minutes(inst.creation_time),
        'StartTime': iso_minutes(inst.running_at or inst.creation_time), 'ExpiredTime': '2099-12-31T15:59Z',
        'SerialNumber': f'{_hex(inst.instance_id, length=8)}-{_hex("sn", inst.instance_id, length=4)}',
        'ResourceGroupId': '', 'DeletionProtection': False, 'IoOptimized': True, 'DeviceAvailable': True,
        'Recyclable': False, 'StoppedMode': 'Not-applicable', 'SpotStrategy': 'NoSpot', 'KeyPairName': '',
        'VpcAttributes': {'VpcId': inst.vpc_id, 'VSwitchId': inst.vswitch_id, 'NatIpAddress': '',
                          'PrivateIpAddress': {'IpAddress': [inst.private_ip] if vpc else []}},
        'InnerIpAddress': {'IpAddress': [] if vpc else [inst.private_ip]},
        # EipAddress before PublicIpAddress, as in the API's own examples: footmark (alibaba.alicloud) reads the former
        # while it sets the latter, and fails when the order is the other way round
        'EipAddress': {'AllocationId': f'eip-{_hex(inst.eip)}' if inst.eip else '', 'IpAddress': inst.eip,
                       'InternetChargeType': 'PayByTraffic' if inst.eip else '', 'IsSupportUnassociate': True},
        'PublicIpAddress': {'IpAddress': [inst.public_ip] if inst.public_ip else []},
        'SecurityGroupIds': {'SecurityGroupId': list(inst.security_group_ids)},
        'Tags': {'Tag': [dict(t) for t in inst.tags]},
        'MetadataOptions': {'HttpEndpoint': inst.http_endpoint, 'HttpTokens': inst.http_tokens,
                            'HttpPutResponseHopLimit': inst.hop_limit, 'InstanceMetadataTags': inst.metadata_tags},
        'OperationLocks': {'LockReason': []},
    }


def _find(ctx: Context, instance_id: str, region: str | None) -> Instance | None:
    inst = ctx.store.instances.get(instance_id)
    if inst is None or inst.account_id != ctx.account.account_id or (region is not None and inst.region_id != region):
        return None
    return inst


def ecs_role(ctx: Context, name: str, not_ecs_status: int) -> Role:
    """The role as ECS sees it: invisible during the consistency delay, and it must trust ECS."""
    role = ctx.store.find_role(ctx.account, name)
    if role is None or not ctx.store.role_visible_to_ecs(role, ctx.now):
        raise ApiError(*c.RAM_ROLE_NOT_FOUND)
    if not trust_allows(role.trust, 'Service', [ECS_SERVICE]):
        raise ApiError(*c.NOT_ECS_ROLE.but(status=not_ecs_status))
    ctx.authorize('ram:PassRole', [ctx.account.role_arn(role.name)], *c.PASS_ROLE_FORBIDDEN)
    return role


def _instance_ids(params: Params, required: bool = True) -> list[str] | None:
    return params.id_list('InstanceIds', MAX_IDS, *MALFORMED_IDS, required=required)


def _instance_arns(ctx: Context) -> list[str]:
    """ARNs of the instances a call names (a role session must be allowed on each)."""
    region = ctx.params.str('RegionId') or '*'
    prefix = f'acs:ecs:{region}:{ctx.account.account_id}:instance/'
    try:
        ids = json.loads(ctx.params.str('InstanceIds') or '[]')
    except ValueError:
        ids = []
    ids = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
    ids += ctx.params.repeat('InstanceId') + [i for i in [ctx.params.str('InstanceId')] if i]
    return [prefix + i for i in ids] or [prefix + '*']


def _instance_error(ctx: Context, inst: Instance | None) -> c.Error | None:
    """A missing or classic instance: the whole call fails (reference 0b.5) unless ``attach_errors`` is ``rows``."""
    error = c.INSTANCE_NOT_FOUND if inst is None else c.CLASSIC_NETWORK if inst.network_type != 'vpc' else None
    if error is not None and ctx.settings.attach_errors != 'rows':
        raise ApiError(*error)
    return error


def _result(instance_id: str, error: c.Error | None, ok_message: str) -> dict:
    """A per-instance row: the error's code and message, or the success code."""
    code, message = error[:2] if error else (c.ROW_OK_CODE, ok_message)
    return {'InstanceId': instance_id, 'Success': error is None, 'Code': code, 'Message': message}


# ------------------------------------------------------------------------------------ instance RAM roles
@ECS.action('AttachInstanceRamRole', _instance_arns)
def attach_instance_ram_role(ctx: Context) -> dict:
    p = ctx.params
    region = p.str('RegionId', required=True)
    name = p.str('RamRoleName', required=True)
    ids = _instance_ids(p)
    policy = p.str('Policy', max_len=1024)
    if policy is not None:
        parse_document(policy, code='InvalidParameter')
    role = ecs_role(ctx, name, 404)
    found = [(instance_id, _find(ctx, instance_id, region)) for instance_id in ids]
    errors = [_instance_error(ctx, inst) for dummy, inst in found]  # every id checked before any binding
    results = []
    for (instance_id, inst), error in zip(found, errors):
        if error is not None:
            pass
        elif inst.ram_role:
            error = c.ROLE_ALREADY_ATTACHED
        else:
            ctx.store.bind_role(inst, role.name, policy, fresh=True)
        results.append(_result(instance_id, error, c.ATTACH_OK_MESSAGE))
    return {'RamRoleName': name, 'TotalCount': len(results), 'FailCount': sum(not r['Success'] for r in results),
            'AttachInstanceRamRoleResults': {'AttachInstanceRamRoleResult': results}}


@ECS.action('DetachInstanceRamRole', _instance_arns)
def detach_instance_ram_role(ctx: Context) -> dict:
    p = ctx.params
    region = p.str('RegionId', required=True)
    ids = _instance_ids(p)
    name = p.str('RamRoleName')
    if name:
        ctx.authorize('ram:PassRole', [ctx.account.role_arn(name)], *c.PASS_ROLE_FORBIDDEN)
    found = [(instance_id, _find(ctx, instance_id, region)) for instance_id in ids]
    errors = [_instance_error(ctx, inst) for dummy, inst in found]
    results = []
    for (instance_id, inst), error in zip(found, errors):
        detached = []
        if error is not None:
            pass
        elif not inst.ram_role:
            error = c.ROLE_NOT_ATTACHED
        elif name and inst.ram_role.lower() != name.lower():
            error = c.ROLE_MISMATCH
        else:
            detached.append({'InstanceId': instance_id, 'RamRoleName': inst.ram_role})
            ctx.store.unbind_role(inst)
        row = _result(instance_id, error, c.DETACH_OK_MESSAGE)
        row['InstanceRamRoleSets'] = {'InstanceRamRoleSet': detached}
        results.append(row)
    return {'RamRoleName': name or '', 'TotalCount': len(results), 'FailCount': sum(not r['Success'] for r in results),
            'DetachInstanceRamRoleResults': {'DetachInstanceRamRoleResult': results}}


@ECS.action('DescribeInstanceRamRole', _instance_arns)
def describe_instance_ram_role(ctx: Context) -> dict:
    p = ctx.params
    region = p.str('RegionId', required=True)
    ids = p.id_list('InstanceIds', ctx.settings.describe_ram_role_max_ids, *MALFORMED_IDS, required=False)
    name = p.str('RamRoleName')
    if name and ctx.store.find_role(ctx.account, name) is None:  # reference 0b.4: "no instance holds it"
        raise ApiError(*c.RAM_ROLE_NOT_FOUND)
    if ids is None and not name:
        raise ApiError(*c.ALL_EMPTY)
    size = p.int('PageSize', 10, 1, 50)
    start = (p.int('PageNumber', 1, 1) - 1) * size
    if ids is not None:
        found = []
        for instance_id in ids:
            inst = _find(ctx, instance_id, region)
            if inst is None:
                raise ApiError(*c.INSTANCE_NOT_FOUND)
            if inst.network_type != 'vpc':
                raise ApiError(*c.CLASSIC_NETWORK)
            if not name or inst.ram_role.lower() == name.lower():
                found.append(inst)
        total, page = len(found), found[start:start + size]
    else:
        index = ctx.store.instances_with_role(ctx.account.account_id, region, name)
        total = len(index)
        page = [ctx.store.instances[i] for i in itertools.islice(index, start, start + size)]
    rows = [{'InstanceId': inst.instance_id, 'RamRoleName': inst.ram_role} for inst in page]
    return {'RegionId': region, 'TotalCount': total, 'InstanceRamRoleSets': {'InstanceRamRoleSet': rows}}


# ------------------------------------------------------------------------------------ regions
REGION_NAMES = {'cn-hangzhou': '华东1（杭州）', 'cn-shanghai': '华东2（上海）', 'cn-beijing': '华北2（北京）',
                'cn-shenzhen': '华南1（深圳）', 'cn-hongkong': '中国香港', 'ap-southeast-1': '新加坡',
                'us-west-1': '美国（硅谷）', 'eu-central-1': '德国（法兰克福）'}


@ECS.action('DescribeRegions', lambda ctx: [f'acs:ecs:*:{ctx.account.account_id}:*'])
def describe_regions(ctx: Context) -> dict:
    """The regions of the settings, plus every region where the caller's account has an instance."""
    account_id = ctx.account.account_id
    regions = dict.fromkeys(ctx.store.settings.regions)
    regions.update(dict.fromkeys(sorted({i.region_id for i in ctx.store.instances.values() if i.account_id == account_id})))
    rows = [{'RegionId': r, 'LocalName': REGION_NAMES.get(r, r), 'RegionEndpoint': ECS.host_id(r),
             'Status': 'available'} for r in regions]
    return {'Regions': {'Region': rows}}


# ------------------------------------------------------------------------------------ instances
def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f'offset:{offset}'.encode()).decode().rstrip('=')


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + '=' * (-len(token) % 4)).decode()
        kind, dummy, number = text.partition(':')
        if kind == 'offset' and number.isdigit():
            return int(number)
    except ValueError:
        pass
    raise invalid('NextToken')


def _describe_filter(p: Params):
    wanted = {field: p.str(param) for field, param in (
        ('vpc_id', 'VpcId'), ('vswitch_id', 'VSwitchId'), ('zone_id', 'ZoneId'),
        ('network_type', 'InstanceNetworkType'), ('instance_type', 'InstanceType'), ('image_id', 'ImageId'))}
    wanted = {k: v for k, v in wanted.items() if v is not None}
    status = p.str('Status')
    if status is not None and status not in STATUSES:  # reference 0b.12
        raise ApiError('InvalidStatus.NotFound', 'The specified Status is not found.', 404)
    if wanted.get('network_type') not in (None, 'vpc', 'classic'):
        raise ApiError('InvalidNetworkType.NotFound', 'The specified InstanceNetworkType is not found.', 404)
    name = p.str('InstanceName')
    name_re = re.compile('^' + '.*'.join(map(re.escape, name.split('*'))) + '$', re.DOTALL) if name else None
    tags = [(t.get('Key'), t.get('Value')) for t in p.repeat_struct('Tag') if t.get('Key')]

    def keep(inst: Instance, at: float) -> bool:
        if any(getattr(inst, k) != v for k, v in wanted.items()):
            return False
        if name_re is not None and not name_re.match(inst.name):
            return False
        if status is not None and inst.current_status(at) != status:
            return False
        return all(any(t['TagKey'] == k and (v is None or t['TagValue'] == v) for t in inst.tags) for k, v in tags)
    return keep


@ECS.action('DescribeInstances')  # authorized per instance: a caller without permission gets an empty list
def describe_instances(ctx: Context) -> dict:
    p = ctx.params
    region = p.str('RegionId', required=True)
    ids = None if p.str('InstanceIds') == '[]' else _instance_ids(p, required=False)  # "[]": no filter (0b.12)
    keep = _describe_filter(p)
    pool = (ctx.store.instances[i] for i in ids if i in ctx.store.instances) if ids is not None \
        else ctx.store.instances.values()
    account_id = ctx.account.account_id
    prefix = f'acs:ecs:{region}:{account_id}:instance/'
    found = [i for i in pool if i.account_id == account_id and i.region_id == region and keep(i, ctx.now)
             and ctx.allowed('ecs:DescribeInstances', prefix + i.instance_id)]
    body = {'TotalCount': len(found)}
    if 'NextToken' in p or 'MaxResults' in p:
        size = min(max(p.int('MaxResults', 10), 10), 100)  # clamped, not refused (reference 0b.12)
        start = _decode_token(p.str('NextToken')) if 'NextToken' in p else 0
    else:
        size = p.int('PageSize', 10, 1, 100)
        number = p.int('PageNumber', 1, 1)
        start = (number - 1) * size
        body.update(PageNumber=number, PageSize=size)
    page = found[start:start + size]
    body['NextToken'] = _encode_token(start + size) if start + size < len(found) else ''
    body['Instances'] = {'Instance': [instance_view(i, ctx.now) for i in page]}
    return body


def _http_tokens(p: Params) -> str | None:
    value = p.str('HttpTokens')
    if value is not None and value not in ('optional', 'required'):  # reference 0b.13
        raise ApiError('InvalidHttpTokens.NotSupported', f'The specified HttpTokens "{value}" is not supported.')
    return value


def _run_fingerprint(p: Params) -> str:
    return hashlib.sha256(json.dumps(sorted((k, v) for k, v in p.values.items() if k != 'ClientToken')).encode()).hexdigest()


def _still_processing(entry: dict) -> None:
    """The ``client_token_processing_calls`` setting: the instances exist, but the next N answers for this ClientToken
    say the first request is still in flight (reference 0b.3)."""
    if entry.get('processing', 0) > 0:
        entry['processing'] -= 1
        raise ApiError(*c.LAST_TOKEN_PROCESSING)


@ECS.action('RunInstances', _instance_arns)
def run_instances(ctx: Context) -> dict:
    p = ctx.params
    region = p.str('RegionId', required=True)
    vswitch_id = p.str('VSwitchId', required=True)
    image_id = p.str('ImageId', required=True)
    instance_type = p.str('InstanceType', required=True)
    amount = p.int('Amount', 1, 1, 100)
    token = p.str('ClientToken', max_len=64)
    account = ctx.account
    if token:
        previous = account.client_tokens.get(token)
        if previous is not None:
            if previous['fingerprint'] != _run_fingerprint(p):
                raise ApiError('IdempotentParameterMismatch',
                               'The request uses the same client token as a previous, but non-identical request.')
            _still_processing(previous)
            return {'InstanceIdSets': {'InstanceIdSet': list(previous['ids'])}, 'OrderId': previous['order'], 'TradePrice': 0.0}
    role = ecs_role(ctx, p.str('RamRoleName'), 401) if 'RamRoleName' in p else None
    tags = [t for t in p.repeat_struct('Tag') if t.get('Key')]
    groups = p.repeat('SecurityGroupIds') or [g for g in [p.str('SecurityGroupId')] if g] or None
    fields = {
        'name': p.str('InstanceName'), 'hostname': p.str('HostName'), 'description': p.str('Description', ''),
        'zone_id': p.str('ZoneId'), 'vswitch_id': vswitch_id, 'image_id': image_id, 'instance_type': instance_type,
        'security_group_ids': groups, 'tags': tags, 'status': 'Pending',
        'running_at': ctx.now + ctx.settings.instance_boot_seconds,
        'http_tokens': _http_tokens(p) or 'optional',
        'http_endpoint': p.choice('HttpEndpoint', ('enabled', 'disabled'), 'enabled'),
        'ram_role': role.name if role else '', 'user_data': p.str('UserData', ''),
    }
    ids = [new_instance(ctx.store, account.account_id, region, ctx.now, **fields).instance_id for dummy in range(amount)]
    order = random_digits(15)
    if token:
        account.client_tokens[token] = {'fingerprint': _run_fingerprint(p), 'ids': ids, 'order': order,
                                        'processing': ctx.settings.client_token_processing_calls}
        _still_processing(account.client_tokens[token])
    return {'InstanceIdSets': {'InstanceIdSet': ids}, 'OrderId': order, 'TradePrice': 0.0}


def _deletable(ctx: Context, ids: list[str], region: str | None, not_found: c.Error) -> list[Instance]:
    force = ctx.params.bool('Force', False)
    found = []
    for instance_id in ids:
        inst = _find(ctx, instance_id, region)
        if inst is None:
            raise ApiError(*not_found)
        status = inst.current_status(ctx.now)
        if status in ('Pending', 'Starting'):  # even with Force (reference 0b.2)
            raise ApiError(*c.INITIALIZING)
        if status != 'Stopped' and not force:
            raise ApiError(*c.INCORRECT_STATUS)
        found.append(inst)
    return found


@ECS.action('DeleteInstance', _instance_arns)
def delete_instance(ctx: Context) -> dict:
    for inst in _deletable(ctx, [ctx.params.str('InstanceId', required=True)], None, c.INSTANCE_NOT_FOUND):
        ctx.store.remove_instance(inst)
    return {}


@ECS.action('DeleteInstances', _instance_arns)
def delete_instances(ctx: Context) -> dict:
    region = ctx.params.str('RegionId', required=True)
    ids = list(dict.fromkeys(ctx.params.repeat('InstanceId')))
    if not ids:
        raise missing('InstanceId.1')
    if len(ids) > MAX_IDS:
        raise invalid('InstanceId', f'At most {MAX_IDS} instances per call.')
    for inst in _deletable(ctx, ids, region, c.INSTANCES_NOT_FOUND):
        ctx.store.remove_instance(inst)
    return {}


def disk_view(inst: Instance) -> dict:
    """An instance's one disk: its system disk (the emulator models no data disks)."""
    return {'DiskId': f'd-{_hex("disk", inst.instance_id)}', 'InstanceId': inst.instance_id, 'RegionId': inst.region_id,
            'ZoneId': inst.zone_id, 'Type': 'system', 'Category': 'cloud_essd', 'Size': 40, 'Status': 'In_use',
            'Device': '/dev/xvda', 'DiskName': '', 'Description': '', 'ImageId': inst.image_id, 'Encrypted': False,
            'DeleteWithInstance': True, 'Portable': False, 'DiskChargeType': 'PostPaid',
            'CreationTime': iso_minutes(inst.creation_time), 'AttachedTime': iso_minutes(inst.creation_time), 'Tags': {'Tag': []}}


@ECS.action('DescribeDisks', _instance_arns)
def describe_disks(ctx: Context) -> dict:
    p = ctx.params
    region = p.str('RegionId', required=True)
    instance_id = p.str('InstanceId')
    disk_ids = None
    if 'DiskIds' in p:
        try:
            disk_ids = set(json.loads(p.str('DiskIds', '[]')))
        except ValueError:
            raise invalid('DiskIds', 'It must be a JSON array of disk ids.') from None
    size, number = p.int('PageSize', 10, 1, 100), p.int('PageNumber', 1, 1)
    account_id = ctx.account.account_id
    found = [disk_view(i) for i in ctx.store.instances.values()
             if i.account_id == account_id and i.region_id == region and (instance_id is None or i.instance_id == instance_id)]
    found = [d for d in found if disk_ids is None or d['DiskId'] in disk_ids]
    start = (number - 1) * size
    return {'TotalCount': len(found), 'PageNumber': number, 'PageSize': size, 'Disks': {'Disk': found[start:start + size]}}


@ECS.action('DescribeUserData', _instance_arns)
def describe_user_data(ctx: Context) -> dict:
    p = ctx.params
    region = p.str('RegionId', required=True)
    inst = _find(ctx, p.str('InstanceId', required=True), region)
    if inst is None:
        raise ApiError(*c.INSTANCE_NOT_FOUND)
    return {'InstanceId': inst.instance_id, 'RegionId': inst.region_id, 'UserData': inst.user_data}


@ECS.action('ModifyInstanceAttribute', _instance_arns)
def modify_instance_attribute(ctx: Context) -> dict:
    """InstanceName, Description, HostName, UserData (Password is accepted and not kept)."""
    p = ctx.params
    inst = _find(ctx, p.str('InstanceId', required=True), None)
    if inst is None:
        raise ApiError(*c.INSTANCE_NOT_FOUND)
    name, description, hostname = p.str('InstanceName', max_len=128), p.str('Description', max_len=256), p.str('HostName', max_len=64)
    user_data = p.str('UserData', max_len=32768)
    if user_data is not None and inst.current_status(ctx.now) != 'Stopped':
        raise ApiError(*c.INCORRECT_STATUS)
    inst.name = name if name is not None else inst.name
    inst.description = description if description is not None else inst.description
    inst.hostname = hostname if hostname is not None else inst.hostname
    inst.user_data = user_data if user_data is not None else inst.user_data
    return {}


@ECS.action('ModifyInstanceMetadataOptions', _instance_arns)
def modify_instance_metadata_options(ctx: Context) -> dict:
    p = ctx.params
    region = p.str('RegionId', required=True)
    instance_id = p.str('InstanceId', required=True)
    tokens = _http_tokens(p)
    endpoint = p.choice('HttpEndpoint', ('enabled', 'disabled'))
    hop_limit = p.int('HttpPutResponseHopLimit', None, 1, 64)
    tags = p.choice('InstanceMetadataTags', ('enabled', 'disabled'))
    inst = _find(ctx, instance_id, region)
    if inst is None:
        raise ApiError(*c.INSTANCE_NOT_FOUND)
    inst.http_tokens = tokens or inst.http_tokens
    inst.http_endpoint = endpoint or inst.http_endpoint
    inst.hop_limit = hop_limit or inst.hop_limit
    inst.metadata_tags = tags or inst.metadata_tags
    return {}
