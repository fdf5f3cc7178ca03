# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's whole state: accounts, RAM, ECS fleet, KMS, temporary credentials, settings.

Every mutation is a plain synchronous method call, so a handler that does not await while it
mutates is atomic on the single asyncio loop.
"""
from __future__ import annotations

import ipaddress
import json
from collections import deque
from dataclasses import asdict, dataclass, field
from functools import cached_property

from . import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from .clock import iso, now, parse_iso, random_alnum, random_digits

NONCE_WINDOW_SECONDS = 1800
REGIONS = ('cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'cn-hongkong', 'ap-southeast-1', 'us-west-1',
           'eu-central-1')
# private addresses: one /18 of 10.0.0.0/8 per vSwitch (16382 instances each, 1024 vSwitches), never reused
PRIVATE_BASE = int(ipaddress.IPv4Address('10.0.0.0'))
VSWITCH_BLOCK = 1 << 14
VSWITCH_BLOCKS = 1 << 10
# public addresses and EIPs: two separate pools, one address each, never reused
PUBLIC_POOLS = {'public': int(ipaddress.IPv4Address('47.96.0.0')), 'eip': int(ipaddress.IPv4Address('39.96.0.0'))}


@dataclass
class Settings:
    latency_ms: int = 0
    action_latency_ms: dict[str, int] = field(default_factory=dict)
    consistency_delay: float = 0.0
    # seconds after AttachInstanceRamRole before the metadata service serves the role, and after AttachPolicyToRole
    # before the policy counts in the authorization of the role's sessions (reference §0b.15)
    propagation_delay: float = 0.0
    credential_lifetime: int = 21600
    instance_boot_seconds: float = 1.0
    default_region: str = DEFAULT_REGION
    # the documented answers by default; each alternative is a plausible answer the collection must also cope with
    describe_ram_role_max_ids: int = 50          # DescribeInstanceRamRole ids per call: 50 (zh docs, SDK) or 100 (en docs)
    attach_errors: str = 'call'                  # missing/classic instance in Attach/Detach: 'call' (404/403) or 'rows'
    throttle_status: int = 400                   # HTTP status of an injected Throttling* fault without one: 400 or 429
    delete_conflict_seconds: float = 0.0         # DeleteRole answers DeleteConflict.Role.Policy this long after a detach
    client_token_processing_calls: int = 0       # RunInstances answers LastTokenProcessing to the next N same-token calls
    # what DescribeRegions answers (plus any region where the account has an instance)
    regions: list[str] = field(default_factory=lambda: list(REGIONS))


@dataclass
class PolicyVersion:
    version_id: str
    document: str
    create_date: str

    @cached_property
    def parsed(self) -> dict:
        return json.loads(self.document)


@dataclass
class Policy:
    name: str
    type: str
    description: str
    create_date: str
    update_date: str
    default_version: str = 'v1'
    versions: dict[str, PolicyVersion] = field(default_factory=dict)
    next_version: int = 2
    tags: list[dict] = field(default_factory=list)

    @property
    def document(self) -> dict:
        return self.versions[self.default_version].parsed


@dataclass
class Role:
    role_id: str
    name: str
    description: str
    trust_document: str
    max_session_duration: int
    allow_console_login: bool
    create_date: str
    update_date: str
    created_at: float
    seq: int
    tags: list[dict] = field(default_factory=list)
    attached: dict[str, str] = field(default_factory=dict)  # "System:Name" -> attach date

    @cached_property
    def trust(self) -> dict:
        return json.loads(self.trust_document)

    def set_trust(self, document: str) -> None:
        self.trust_document = document
        self.__dict__.pop('trust', None)


@dataclass
class Instance:
    instance_id: str
    account_id: str
    region_id: str
    zone_id: str
    name: str
    status: str = 'Running'
    network_type: str = 'vpc'
    vpc_id: str = ''
    vswitch_id: str = ''
    private_ip: str = ''
    instance_type: str = 'ecs.g7.large'
    image_id: str = 'aliyun_3_x64_20G_alibase_20240819.vhd'
    hostname: str = ''
    description: str = ''
    security_group_ids: list[str] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)  # [{"TagKey": .., "TagValue": ..}]
    http_tokens: str = 'optional'
    http_endpoint: str = 'enabled'
    hop_limit: int = 1
    metadata_tags: str = 'disabled'
    ram_role: str = ''
    ram_role_policy: str | None = None
    public_ip: str = ''
    eip: str = ''
    creation_time: float = 0.0
    running_at: float | None = None
    imds_credential: str | None = None
    user_data: str = ''  # base64, as RunInstances and ModifyInstanceAttribute take it
    bound_at: float = 0.0  # when AttachInstanceRamRole bound ram_role (0: seeded or created with it)

    def current_status(self, at: float) -> str:
        if self.status == 'Pending' and self.running_at is not None and at >= self.running_at:
            self.status = 'Running'
        return self.status


@dataclass
class KmsKey:
    key_id: str
    account_id: str
    region_id: str
    description: str
    key_spec: str
    key_usage: str
    origin: str
    protection_level: str
    creation_date: str
    primary_version: str
    material: str  # base64 of the 32-byte key material
    state: str = 'Enabled'
    tags: list[dict] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f'acs:kms:{self.region_id}:{self.account_id}:key/{self.key_id}'


@dataclass
class Alias:
    name: str
    key_id: str
    region_id: str


@dataclass
class Secret:
    name: str
    region_id: str
    account_id: str
    description: str
    secret_type: str
    data_type: str
    encryption_key_id: str
    create_time: str
    versions: dict[str, dict] = field(default_factory=dict)  # version id -> {data, stages, create_time}
    extended_config: str = ''
    tags: list[dict] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f'acs:kms:{self.region_id}:{self.account_id}:secret/{self.name}'


@dataclass
class User:
    user_id: str
    name: str
    display_name: str
    comments: str
    email: str
    mobile_phone: str
    create_date: str
    update_date: str
    seq: int
    attached: dict[str, str] = field(default_factory=dict)  # "System:Name" -> attach date
    access_keys: dict[str, dict] = field(default_factory=dict)  # id -> {secret, status, create_date}


@dataclass
class Account:
    account_id: str
    access_keys: dict[str, str] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)  # lower-cased name -> role
    policies: dict[str, Policy] = field(default_factory=dict)  # custom policies by name
    keys: dict[str, KmsKey] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)  # "region:alias/name" -> alias
    secrets: dict[str, Secret] = field(default_factory=dict)  # "region:name" -> secret
    client_tokens: dict[str, dict] = field(default_factory=dict)
    role_seq: int = 0
    users: dict[str, User] = field(default_factory=dict)  # lower-cased name -> user
    user_seq: int = 0

    @property
    def root_arn(self) -> str:
        return f'acs:ram::{self.account_id}:root'

    def role_arn(self, name: str) -> str:
        return f'acs:ram::{self.account_id}:role/{name}'

    def user_arn(self, name: str) -> str:
        return f'acs:ram::{self.account_id}:user/{name}'


@dataclass
class TempCredential:
    access_key_id: str
    secret: str
    token: str
    account_id: str
    role_name: str
    role_id: str
    session_name: str
    expiration: float
    issued_at: float
    source: str  # AssumeRole | InstanceMetadata
    policy: str | None = None
    instance_id: str | None = None

    @cached_property
    def session_policy(self) -> dict | None:
        return json.loads(self.policy) if self.policy else None


class Store:
    def __init__(self):
        self.reset()

    # ---------------------------------------------------------------- lifecycle
    def reset(self) -> None:
        from .system_policies import build_system_policies  # pylint: disable=import-outside-toplevel
        self.settings = Settings()
        self.accounts: dict[str, Account] = {}
        self.key_owner: dict[str, str] = {}
        self.user_keys: dict[str, tuple[str, str]] = {}  # access key id -> (account id, lower-cased user name)
        self.detached_at: dict[tuple[str, str], float] = {}  # (account id, lower role name) -> last policy detach
        self.instances: dict[str, Instance] = {}
        self.role_index: dict[tuple[str, str, str], dict[str, None]] = {}
        self.credentials: dict[str, TempCredential] = {}
        self.imds_tokens: dict[str, tuple[str, float]] = {}
        self.nonces: dict[tuple[str, str], float] = {}
        self._nonce_order: deque[tuple[float, tuple[str, str]]] = deque()
        self.system_policies = build_system_policies()
        self.vswitch_blocks: dict[str, int] = {}  # network key -> index of its /18
        self.vswitch_hosts: dict[str, int] = {}   # network key -> last host number given
        self.public_used: dict[str, int] = dict.fromkeys(PUBLIC_POOLS, 0)
        self.add_account(DEFAULT_ACCOUNT_ID, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)

    # ---------------------------------------------------------------- accounts and keys
    def add_account(self, account_id: str | None = None, access_key_id: str | None = None,
                    access_key_secret: str | None = None) -> tuple[Account, str, str]:
        account_id = account_id or random_digits(16)
        account = self.accounts.setdefault(account_id, Account(account_id))
        access_key_id = access_key_id or 'LTAI5t' + random_alnum(18)
        access_key_secret = access_key_secret or random_alnum(30)
        account.access_keys[access_key_id] = access_key_secret
        self.key_owner[access_key_id] = account_id
        return account, access_key_id, access_key_secret

    def account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    def use_nonce(self, access_key_id: str, nonce: str, at: float) -> bool:
        """Record a signature nonce; False when it was already used within the window."""
        while self._nonce_order and self._nonce_order[0][0] < at - NONCE_WINDOW_SECONDS:
            old = self._nonce_order.popleft()[1]
            self.nonces.pop(old, None)
        key = (access_key_id, nonce)
        if key in self.nonces:
            return False
        self.nonces[key] = at
        self._nonce_order.append((at, key))
        return True

    # ---------------------------------------------------------------- RAM
    @staticmethod
    def find_role(account: Account, name: str | None) -> Role | None:
        return account.roles.get(name.lower()) if name else None

    def find_policy(self, account: Account, policy_type: str, name: str) -> Policy | None:
        return (self.system_policies if policy_type == 'System' else account.policies).get(name)

    def role_documents(self, account: Account, role: Role | User) -> list[dict]:
        """The default-version documents of the policies attached to a role or a user."""
        docs = []
        delay = self.settings.propagation_delay
        for key, attach_date in role.attached.items():
            if delay and parse_iso(attach_date) + delay > now():
                continue  # attached too recently to be honoured yet (propagation_delay)
            policy_type, dummy, name = key.partition(':')
            policy = self.find_policy(account, policy_type, name)
            if policy is not None:
                docs.append(policy.document)
        return docs

    def role_visible_to_ecs(self, role: Role, at: float) -> bool:
        return at >= role.created_at + self.settings.consistency_delay

    @staticmethod
    def find_user(account: Account, name: str | None) -> User | None:
        return account.users.get(name.lower()) if name else None

    def add_user_key(self, account: Account, user: User, access_key_id: str, secret: str, created: str) -> None:
        user.access_keys[access_key_id] = {'secret': secret, 'status': 'Active', 'create_date': created}
        self.user_keys[access_key_id] = (account.account_id, user.name.lower())

    def remove_user_key(self, user: User, access_key_id: str) -> None:
        user.access_keys.pop(access_key_id, None)
        self.user_keys.pop(access_key_id, None)

    # ---------------------------------------------------------------- ECS
    def allocate_private_ip(self, network: str) -> str:
        """The next free address of the /18 of `network` (a vSwitch id, or the classic network of an account's region)."""
        block = self.vswitch_blocks.get(network)
        if block is None:
            if len(self.vswitch_blocks) >= VSWITCH_BLOCKS:
                raise ValueError('the emulator has no private range left for another vSwitch')
            block = self.vswitch_blocks[network] = len(self.vswitch_blocks)
        host = self.vswitch_hosts.get(network, 0) + 1
        if host > VSWITCH_BLOCK - 2:
            raise ValueError(f'the private range of {network} is exhausted')
        self.vswitch_hosts[network] = host
        return str(ipaddress.IPv4Address(PRIVATE_BASE + block * VSWITCH_BLOCK + host))

    def allocate_public_ip(self, pool: str) -> str:
        self.public_used[pool] += 1
        return str(ipaddress.IPv4Address(PUBLIC_POOLS[pool] + self.public_used[pool]))

    def _reserve(self, instance: Instance, network: str) -> None:
        """Keep the allocators past the addresses of a loaded instance."""
        offset = int(ipaddress.IPv4Address(instance.private_ip)) - PRIVATE_BASE
        if 0 <= offset < VSWITCH_BLOCK * VSWITCH_BLOCKS:
            self.vswitch_blocks.setdefault(network, offset // VSWITCH_BLOCK)
            self.vswitch_hosts[network] = max(self.vswitch_hosts.get(network, 0), offset % VSWITCH_BLOCK)
        for pool, address in (('public', instance.public_ip), ('eip', instance.eip)):
            if address:
                self.public_used[pool] = max(self.public_used[pool], int(ipaddress.IPv4Address(address)) - PUBLIC_POOLS[pool])

    def add_instance(self, instance: Instance) -> None:
        self.instances[instance.instance_id] = instance
        if instance.ram_role:
            self._index(instance).setdefault(instance.instance_id, None)

    def remove_instance(self, instance: Instance) -> None:
        self.unbind_role(instance)
        self.instances.pop(instance.instance_id, None)

    def _index(self, instance: Instance) -> dict[str, None]:
        return self.role_index.setdefault((instance.account_id, instance.region_id, instance.ram_role.lower()), {})

    def instances_with_role(self, account_id: str, region_id: str, role_name: str) -> dict[str, None]:
        return self.role_index.get((account_id, region_id, role_name.lower()), {})

    def bind_role(self, instance: Instance, role_name: str, policy: str | None, fresh: bool = False) -> None:
        instance.ram_role = role_name
        instance.bound_at = now() if fresh else 0.0  # fresh: by AttachInstanceRamRole (see propagation_delay)
        instance.ram_role_policy = policy
        instance.imds_credential = None
        self._index(instance)[instance.instance_id] = None

    def unbind_role(self, instance: Instance) -> None:
        if instance.ram_role:
            index = self._index(instance)
            index.pop(instance.instance_id, None)
            if not index:
                del self.role_index[(instance.account_id, instance.region_id, instance.ram_role.lower())]
        instance.ram_role = ''
        instance.ram_role_policy = None
        instance.imds_credential = None

    # ---------------------------------------------------------------- STS
    def mint_credential(self, account: Account, role: Role, session_name: str, duration: int, source: str,
                        policy: str | None = None, instance_id: str | None = None) -> TempCredential:
        issued = now()
        cred = TempCredential(
            access_key_id='STS.' + random_alnum(25), secret=random_alnum(44),
            token='CAIS' + random_alnum(300), account_id=account.account_id, role_name=role.name,
            role_id=role.role_id, session_name=session_name, expiration=float(int(issued + duration)),
            issued_at=issued, source=source, policy=policy, instance_id=instance_id)
        self.credentials[cred.access_key_id] = cred
        return cred

    def expire_credentials(self, access_key_id: str | None = None, instance_id: str | None = None,
                           role_name: str | None = None, in_seconds: float = 0) -> int:
        """Bring the expiry of matching temporary credentials forward to ``in_seconds`` from now (0: expire now)."""
        deadline = now() + in_seconds
        count = 0
        for cred in self.credentials.values():
            if access_key_id and cred.access_key_id != access_key_id:
                continue
            if instance_id and cred.instance_id != instance_id:
                continue
            if role_name and cred.role_name.lower() != role_name.lower():
                continue
            if cred.expiration > deadline:
                cred.expiration = deadline
                count += 1
        return count

    # ---------------------------------------------------------------- persistence
    def to_dict(self, redact: bool = False) -> dict:
        accounts = []
        for account in self.accounts.values():
            data = asdict(account)
            if redact:
                data['access_keys'] = {k: '***' for k in account.access_keys}
                for user in data['users'].values():
                    for key in user['access_keys'].values():
                        key['secret'] = '***'
                for key in data['keys'].values():
                    key['material'] = '***'
                for secret in data['secrets'].values():
                    for version in secret['versions'].values():
                        version['data'] = '***'
            accounts.append(data)
        credentials = [asdict(c) for c in self.credentials.values()]
        if redact:
            for cred in credentials:
                cred['secret'] = cred['token'] = '***'
        return {
            'settings': asdict(self.settings),
            'accounts': accounts,
            'instances': [asdict(i) for i in self.instances.values()],
            'credentials': credentials,
        }

    def load_dict(self, data: dict) -> None:
        self.reset()
        self.accounts.clear()
        self.key_owner.clear()
        self.settings = Settings(**data.get('settings', {}))
        for raw in data.get('accounts', []):
            account = Account(
                account_id=raw['account_id'], access_keys=raw['access_keys'],
                roles={k: Role(**v) for k, v in raw['roles'].items()},
                policies={k: _load_policy(v) for k, v in raw['policies'].items()},
                keys={k: KmsKey(**v) for k, v in raw['keys'].items()},
                aliases={k: Alias(**v) for k, v in raw['aliases'].items()},
                secrets={k: Secret(**v) for k, v in raw['secrets'].items()},
                client_tokens=raw['client_tokens'], role_seq=raw['role_seq'],
                users={k: User(**v) for k, v in raw.get('users', {}).items()}, user_seq=raw.get('user_seq', 0))
            self.accounts[account.account_id] = account
            for access_key_id in account.access_keys:
                self.key_owner[access_key_id] = account.account_id
            for user in account.users.values():
                for access_key_id in user.access_keys:
                    self.user_keys[access_key_id] = (account.account_id, user.name.lower())
        for raw in data.get('instances', []):
            instance = Instance(**raw)
            self._reserve(instance, network_key(instance.account_id, instance.region_id, instance.vswitch_id))
            self.add_instance(instance)
        for raw in data.get('credentials', []):
            self.credentials[raw['access_key_id']] = TempCredential(**raw)


def network_key(account_id: str, region_id: str, vswitch_id: str) -> str:
    """The address space an instance's private IP comes from: its vSwitch, or its account's classic network in its region."""
    return vswitch_id or f'classic:{account_id}:{region_id}'


def _load_policy(raw: dict) -> Policy:
    versions = {k: PolicyVersion(**v) for k, v in raw.pop('versions').items()}
    return Policy(versions=versions, **raw)


def new_policy(name: str, policy_type: str, document: str, description: str = '', created: str | None = None) -> Policy:
    created = created or iso(now())
    return Policy(name=name, type=policy_type, description=description, create_date=created, update_date=created,
                  versions={'v1': PolicyVersion('v1', document, created)})
