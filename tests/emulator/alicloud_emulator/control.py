# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control plane under ``/_emulator/``: JSON in and out, no signature, loopback clients only.

Every route is listed in ``ROUTES`` and documented in tests/emulator/README.md.
"""
from __future__ import annotations

import inspect
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Awaitable, Callable

from . import DEFAULT_ACCOUNT_ID
from .clock import iso, now
from .dispatch import RawRequest, Reply
from .ecs import STATUSES, new_instance
from .errors import ApiError
from .kms import add_alias, key_metadata, new_key, new_secret
from .params import parse_pairs
from .policy import parse_document
from .ram import MAX_ATTACHED, canonical_document, new_access_key, new_user
from .store import Account, Role, new_policy

if TYPE_CHECKING:
    from .server import Emulator

LOOPBACK = ('127.0.0.1', '::1', None)
ECS_TRUST = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow',
                                            'Principal': {'Service': ['ecs.aliyuncs.com']}}]}
_INSTANCE_FIELDS = {'instance_id', 'name', 'zone_id', 'region_id', 'status', 'network_type', 'vpc_id', 'vswitch_id',
                    'ram_role_name', 'ram_role_policy', 'tags', 'http_tokens', 'http_endpoint', 'instance_type',
                    'image_id', 'hostname', 'description', 'security_group_ids', 'account_id', 'metadata_options',
                    'public_ip', 'eip'}


# ------------------------------------------------------------------------------------ argument helpers
def _int(args: dict, name: str, default: int | None = None) -> int | None:
    value = args.get(name)
    return default if value in (None, '') else int(value)


def _bool(args: dict, name: str) -> bool | None:
    value = args.get(name)
    if value in (None, ''):
        return None
    return value if isinstance(value, bool) else str(value).lower() in ('true', '1', 'yes')


def _account(emu: Emulator, args: dict) -> Account:
    account_id = str(args.get('account_id') or DEFAULT_ACCOUNT_ID)
    account = emu.store.account(account_id)
    if account is None:
        raise ValueError(f'unknown account {account_id}')
    return account


def _region(emu: Emulator, args: dict) -> str:
    return args.get('region_id') or emu.store.settings.default_region


# ------------------------------------------------------------------------------------ seeding
_CHOICES = {'status': STATUSES, 'network_type': ('vpc', 'classic'), 'http_tokens': ('optional', 'required'),
            'http_endpoint': ('enabled', 'disabled')}


def _instance_fields(spec: dict) -> dict:
    """Seed fields as new_instance() takes them; raises ValueError on unknown fields or values."""
    unknown = set(spec) - _INSTANCE_FIELDS
    if unknown:
        raise ValueError(f'unknown instance field(s): {", ".join(sorted(unknown))}')
    fields = dict(spec)
    fields.pop('account_id', None)
    fields.pop('region_id', None)
    fields['ram_role'] = fields.pop('ram_role_name', None)
    options = fields.pop('metadata_options', None) or {}
    for key in ('http_tokens', 'http_endpoint'):
        fields[key] = fields.get(key) or options.get(key)
    for key, choices in _CHOICES.items():
        if fields.get(key) is not None and fields[key] not in choices:
            raise ValueError(f'{key} must be one of {", ".join(choices)}')
    return fields


def seed_instances(emu: Emulator, args: dict) -> dict:
    """Create instances in bulk; every spec is validated before any instance is created."""
    unknown = set(args) - _INSTANCE_FIELDS - {'instances', 'count', 'prefix'}
    if unknown:
        raise ValueError(f'unknown field(s): {", ".join(sorted(unknown))}')
    defaults = {k: v for k, v in args.items() if k in _INSTANCE_FIELDS and k != 'instance_id'}
    specs = args.get('instances')
    if specs is None:
        count = _int(args, 'count', 1)
        width = len(str(count))
        prefix = args.get('prefix', 'emu-')
        specs = [{'name': f'{prefix}{n:0{width}d}'} for n in range(1, count + 1)]
    planned = []
    for spec in specs:
        merged = {**defaults, **spec}
        fields = _instance_fields(merged)
        if fields.get('instance_id') in emu.store.instances:
            raise ValueError(f'instance {fields["instance_id"]} already exists')
        planned.append((_account(emu, merged).account_id, _region(emu, merged), fields))
    at = now()
    return {'instance_ids': [new_instance(emu.store, account_id, region, at, **fields).instance_id
                             for account_id, region, fields in planned]}


def seed_role(emu: Emulator, args: dict) -> dict:
    account = _account(emu, args)
    name = args['name']
    if emu.store.find_role(account, name):
        raise ValueError(f'role {name} already exists')
    trust = args.get('trust') or ECS_TRUST
    text = canonical_document(parse_document(trust if isinstance(trust, str) else json.dumps(trust), trust=True))
    at = now()
    account.role_seq += 1
    role = Role(role_id=str(10 ** 18 + account.role_seq), name=name, description=args.get('description', ''),
                trust_document=text, max_session_duration=_int(args, 'max_session_duration', 3600),
                allow_console_login=False, create_date=iso(at), update_date=iso(at), created_at=at, seq=account.role_seq)
    for key in _policy_refs(emu, account, args.get('policies')):
        role.attached[key] = iso(at)
    account.roles[name.lower()] = role
    return {'role_name': role.name, 'arn': account.role_arn(role.name), 'role_id': role.role_id}


def _policy_refs(emu: Emulator, account: Account, entries) -> list[str]:
    """``["AliyunKMSFullAccess", {"type": "Custom", "name": ...}]`` as attachment keys; unknown policies refused."""
    keys = []
    for entry in entries or []:
        kind, policy_name = (entry.get('type', 'System'), entry['name']) if isinstance(entry, dict) else ('System', entry)
        if emu.store.find_policy(account, kind, policy_name) is None:
            raise ValueError(f'unknown {kind} policy {policy_name}')
        keys.append(f'{kind}:{policy_name}')
    return keys


def seed_user(emu: Emulator, args: dict) -> dict:
    """A RAM user with (by default) one access key and the given policies; custom ``policy_document``s are created."""
    account = _account(emu, args)
    at = now()
    for name, document in (args.get('policy_documents') or {}).items():
        if name in account.policies:
            raise ValueError(f'policy {name} already exists')
        text = document if isinstance(document, str) else json.dumps(document)
        account.policies[name] = new_policy(name, 'Custom', canonical_document(parse_document(text)), '', iso(at))
    keys = _policy_refs(emu, account, args.get('policies'))
    keys += [f'Custom:{name}' for name in args.get('policy_documents') or {}]
    for kind in ('System', 'Custom'):
        if sum(k.startswith(kind + ':') for k in keys) > MAX_ATTACHED[kind]:
            raise ValueError(f'more than {MAX_ATTACHED[kind]} {kind} policies')
    user = new_user(account, emu.store, args['name'], at, args.get('display_name', ''), args.get('comments', ''))
    user.attached = {key: iso(at) for key in keys}
    made = {'user_name': user.name, 'user_id': user.user_id, 'arn': account.user_arn(user.name),
            'account_id': account.account_id}
    if _bool(args, 'access_key') is not False:
        key = new_access_key(emu.store, account, user, at)
        made.update(access_key_id=key['AccessKeyId'], access_key_secret=key['AccessKeySecret'])
    return made


def create_key(emu: Emulator, args: dict) -> dict:
    account = _account(emu, args)
    region = _region(emu, args)
    key = new_key(account, region, now(), args.get('description', ''))
    if args.get('alias'):
        add_alias(account, region, args['alias'], key.key_id)
    return {'key_id': key.key_id, 'arn': key.arn, 'key_metadata': key_metadata(key)}


def create_secret(emu: Emulator, args: dict) -> dict:
    account = _account(emu, args)
    secret = new_secret(account, _region(emu, args), now(), args['name'], args['data'], args.get('version_id', 'v1'),
                        encryption_key_id=args.get('encryption_key_id', ''))
    return {'name': secret.name, 'arn': secret.arn}


def add_account(emu: Emulator, args: dict) -> dict:
    account, key_id, secret = emu.store.add_account(args.get('account_id'), args.get('access_key_id'),
                                                    args.get('access_key_secret'))
    return {'account_id': account.account_id, 'access_key_id': key_id, 'access_key_secret': secret}


def seed(emu: Emulator, data: dict) -> dict:
    """Apply a seed document: accounts, roles, users, instances (a list of seed_instances bodies), kms_keys, secrets."""
    made: dict[str, list] = {}
    for kind, apply in (('accounts', add_account), ('roles', seed_role), ('users', seed_user), ('instances', seed_instances),
                        ('kms_keys', create_key), ('secrets', create_secret)):
        made[kind] = [apply(emu, spec) for spec in data.get(kind, [])]
    return made


# ------------------------------------------------------------------------------------ routes
def _reset(emu: Emulator, args: dict) -> dict:
    emu.reset(reseed=bool(_bool(args, 'reseed')))
    return {'ok': True}


def _accounts(emu: Emulator, _args: dict) -> dict:
    return {'accounts': [{'account_id': a.account_id, 'access_key_ids': list(a.access_keys)}
                         for a in emu.store.accounts.values()]}


def _list_instances(emu: Emulator, args: dict) -> dict:
    at = now()
    role = (args.get('ram_role_name') or '').lower()
    ids = args.get('instance_ids')
    wanted = set(ids.split(',') if isinstance(ids, str) else ids) if ids else None
    found = []
    for inst in emu.store.instances.values():
        if (args.get('account_id') and inst.account_id != args['account_id']) \
                or (args.get('region_id') and inst.region_id != args['region_id']) \
                or (role and inst.ram_role.lower() != role) or (wanted is not None and inst.instance_id not in wanted):
            continue
        inst.current_status(at)
        found.append(asdict(inst))
    return {'instances': found}


def _calls(emu: Emulator, args: dict) -> dict:
    calls = emu.calllog.query(_int(args, 'since', 0), args.get('product'), args.get('action'), _bool(args, 'write'))
    return {'calls': calls, 'cursor': emu.calllog.seq}


def _clear_calls(emu: Emulator, _args: dict) -> dict:
    emu.calllog.clear()
    return {'cursor': emu.calllog.seq}


def _add_fault(emu: Emulator, args: dict) -> dict:
    fault = emu.faults.add(args['kind'], args.get('action', '*'), args.get('product'), _int(args, 'count'),
                           args.get('code'), _int(args, 'status'), args.get('message'), _int(args, 'retry_after'),
                           _int(args, 'delay_ms', 0))
    return asdict(fault)


def _clear_faults(emu: Emulator, _args: dict) -> dict:
    emu.faults.clear()
    return {'faults': []}


_SETTINGS_TYPES = {'latency_ms': int, 'consistency_delay': float, 'propagation_delay': float,
                   'credential_lifetime': int,
                   'instance_boot_seconds': float, 'default_region': str, 'action_latency_ms': dict,
                   'describe_ram_role_max_ids': int, 'attach_errors': str, 'throttle_status': int,
                   'delete_conflict_seconds': float, 'client_token_processing_calls': int,
                   'regions': lambda value: [str(r) for r in (value.split(',') if isinstance(value, str) else value)]}
_SETTINGS_CHOICES = {'describe_ram_role_max_ids': (50, 100), 'attach_errors': ('call', 'rows'),
                     'throttle_status': (400, 429)}


def _settings(emu: Emulator, args: dict) -> dict:
    settings = emu.store.settings
    for key, value in args.items():
        if key not in _SETTINGS_TYPES:
            raise ValueError(f'unknown setting {key}')
        value = _SETTINGS_TYPES[key](value)
        if key == 'credential_lifetime' and value < 60:
            raise ValueError('credential_lifetime must be at least 60 seconds')
        if key in _SETTINGS_CHOICES and value not in _SETTINGS_CHOICES[key]:
            raise ValueError(f'{key} must be one of {", ".join(map(str, _SETTINGS_CHOICES[key]))}')
        if key == 'action_latency_ms':
            value = {str(k): int(v) for k, v in value.items()}
        setattr(settings, key, value)
    return asdict(settings)


def _latency(emu: Emulator, args: dict) -> dict:
    ms = _int(args, 'ms', 0)
    if args.get('action'):
        emu.store.settings.action_latency_ms[args['action']] = ms
    else:
        emu.store.settings.latency_ms = ms
    return asdict(emu.store.settings)


def _consistency(emu: Emulator, args: dict) -> dict:
    return _settings(emu, {'consistency_delay': args.get('seconds', 0)})


def _expire(emu: Emulator, args: dict) -> dict:
    return {'expired': emu.store.expire_credentials(args.get('access_key_id'), args.get('instance_id'),
                                                    args.get('role_name'), float(args.get('in_seconds') or 0))}


def _credentials(emu: Emulator, _args: dict) -> dict:
    return {'credentials': emu.store.to_dict(redact=True)['credentials']}


def _state(emu: Emulator, _args: dict) -> dict:
    return {**emu.store.to_dict(redact=True), 'faults': emu.faults.describe(), 'cursor': emu.calllog.seq}


def _save(emu: Emulator, _args: dict) -> dict:
    if not emu.state_file:
        raise ValueError('the emulator was started without --state-file')
    emu.save()
    return {'saved': emu.state_file}


def _instance(emu: Emulator, args: dict):
    inst = emu.store.instances.get(args.get('instance_id', ''))
    if inst is None:
        raise ValueError(f'unknown instance {args.get("instance_id")}')
    return inst


async def _metadata_proxy(emu: Emulator, args: dict) -> dict:
    inst = _instance(emu, args)
    port = await emu.metadata_port(inst.instance_id)
    hostport = emu.url.partition('://')[2]
    return {'proxy': f'http://{emu.host}:{port}', 'url': f'{emu.url}/_imds/{inst.instance_id}',
            'proxy_user_url': f'http://{inst.instance_id}@{hostport}'}


def _metadata_options(emu: Emulator, args: dict) -> dict:
    inst = _instance(emu, args)
    fields = _instance_fields({k: v for k, v in args.items() if k in ('http_tokens', 'http_endpoint')})
    inst.http_tokens = fields['http_tokens'] or inst.http_tokens
    inst.http_endpoint = fields['http_endpoint'] or inst.http_endpoint
    return {'instance_id': inst.instance_id, 'http_tokens': inst.http_tokens, 'http_endpoint': inst.http_endpoint}


Route = Callable[['Emulator', dict], dict | Awaitable[dict]]
ROUTES: dict[tuple[str, str], Route] = {
    ('GET', 'health'): lambda emu, args: {'ok': True, 'url': emu.url},
    ('POST', 'reset'): _reset,
    ('GET', 'accounts'): _accounts,
    ('POST', 'accounts'): add_account,
    ('POST', 'instances'): seed_instances,
    ('GET', 'instances'): _list_instances,
    ('POST', 'roles'): seed_role,
    ('POST', 'users'): seed_user,
    ('POST', 'seed'): seed,
    ('GET', 'calls'): _calls,
    ('POST', 'calls/clear'): _clear_calls,
    ('DELETE', 'calls'): _clear_calls,
    ('GET', 'counters'): lambda emu, args: {'counters': dict(emu.calllog.counters)},
    ('GET', 'faults'): lambda emu, args: {'faults': emu.faults.describe()},
    ('POST', 'faults'): _add_fault,
    ('POST', 'faults/clear'): _clear_faults,
    ('DELETE', 'faults'): _clear_faults,
    ('GET', 'settings'): lambda emu, args: asdict(emu.store.settings),
    ('POST', 'settings'): _settings,
    ('POST', 'latency'): _latency,
    ('POST', 'consistency'): _consistency,
    ('POST', 'credentials/expire'): _expire,
    ('GET', 'credentials'): _credentials,
    ('GET', 'state'): _state,
    ('POST', 'save'): _save,
    ('GET', 'metadata-proxy'): _metadata_proxy,
    ('POST', 'metadata-options'): _metadata_options,
    ('POST', 'kms/keys'): create_key,
    ('POST', 'kms/secrets'): create_secret,
}


async def handle_control(emu: Emulator, req: RawRequest, remote: str | None) -> Reply:
    if remote not in LOOPBACK:
        return Reply(403, {'error': 'the control plane answers loopback clients only'}, {})
    name = req.path[len('/_emulator/'):].strip('/')
    route = ROUTES.get((req.method, name))
    if route is None:
        return Reply(404, {'error': f'no control route {req.method} /_emulator/{name}',
                           'routes': sorted(f'{m} /_emulator/{n}' for m, n in ROUTES)}, {})
    try:
        args = dict(parse_pairs(req.raw_query))
        if req.body:
            body = json.loads(req.body)
            if not isinstance(body, dict):
                raise ValueError('the body must be a JSON object')
            args.update(body)
        result = route(emu, args)
        if inspect.isawaitable(result):
            result = await result
        return Reply(200, result, {})
    except ApiError as exc:
        return Reply(400, {'error': f'{exc.code}: {exc.message}'}, {})
    except (ValueError, TypeError, KeyError) as exc:
        return Reply(400, {'error': f'{type(exc).__name__}: {exc}'}, {})
