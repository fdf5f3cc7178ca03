# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RAM fake: an in-memory RAM (and ECS role bindings) behind the ApiClient.call interface.

It behaves like the service where the modules depend on it: error codes of missing or duplicate
entities (all from the emulator's contract, see errors.py), role names looked up without regard to case
(reference 0b.11; the name keeps the case it was created with), UpdateRole resetting an absent NewMaxSessionDuration to 3600, documents returned
re-formatted, the 5-version limit, DescribeInstanceRamRole answering InvalidRamRole.NotFound for a
role ECS does not know (`ecs_unknown`: RAM roles ECS does not see yet). With `policy` (a RetryPolicy)
every call is retried as the real ApiClient does, so the `retry_codes` a module passes take effect. `run_module` runs a module's main() against it and returns
the exit code, the JSON result and the calls made.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping

from ansible_collections.alicloud.instance_ram.plugins.module_utils._client import ClientFactory, is_write, write_record
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import ECS_TRUST_POLICY
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support import module
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.errors import api_error, contract
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.errors import is_write as contract_write
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.module import AUTH

KMS_DOC = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:*', 'Resource': '*'}]}
DATE = '2026-11-27T10:00:00Z'
LATER = '2026-11-27T11:00:00Z'
SYSTEM_POLICIES = ('AliyunKMSFullAccess', 'AliyunKMSCryptoUserAccess', 'AliyunKMSSecretUserAccess', 'AliyunECSReadOnlyAccess')


def service_text(document):
    """The service returns documents re-formatted (here: sorted keys, indented), never as sent."""
    return json.dumps(json.loads(document) if isinstance(document, str) else document, indent=2, sort_keys=True)


class RoleNames(MutableMapping):
    """A dict keyed by role name without regard to case, as RAM looks names up; keys keep their first spelling."""

    def __init__(self):
        self._items = {}  # lower-case name -> (name as created, value)

    def __getitem__(self, name):
        return self._items[name.lower()][1]

    def __setitem__(self, name, value):
        self._items[name.lower()] = (self._items.get(name.lower(), (name,))[0], value)

    def __delitem__(self, name):
        del self._items[name.lower()]

    def __iter__(self):
        return iter([spelled for spelled, dummy in self._items.values()])

    def __len__(self):
        return len(self._items)

    def __repr__(self):
        return repr(dict(self.items()))


class FakeCloud:
    def __init__(self):
        self.roles = RoleNames()     # name -> GetRole body
        self.attached = RoleNames()  # role name -> [(type, name)]
        self.policies = {}     # (type, name) -> {'Policy': {...}, 'versions': {id: text}}
        self.bindings = {}     # instance id -> role name (ECS)
        self.users = {}        # policy (type, name) -> [user names]
        self.calls = []        # (product, action, params, retry_codes, retry_timeout)
        self.faults = {}       # action -> [error codes raised by its next calls]
        self.ecs_unknown = set()  # RAM roles that ECS does not see (yet): DescribeInstanceRamRole answers InvalidRamRole.NotFound
        self.policy = None     # a RetryPolicy to retry calls with, as ApiClient does (None: every call once)
        self.done = []         # the writes that succeeded, as ApiClient.writes records them
        self.seq = 0
        for name in SYSTEM_POLICIES:
            self.add_policy(name, KMS_DOC, kind='System')

    # ------------------------------------------------------------ seeding
    def add_role(self, name, document=None, description='', duration=3600, policies=()):
        self.seq += 1
        self.roles[name] = {'RoleName': name, 'RoleId': f'3{self.seq:017d}', 'Arn': f'acs:ram::1234567890123456:role/{name}',
                            'Description': description, 'AssumeRolePolicyDocument': service_text(document or ECS_TRUST_POLICY),
                            'MaxSessionDuration': duration, 'CreateDate': DATE, 'UpdateDate': DATE}
        self.attached[name] = [tuple(p.split('/')) for p in policies]
        return self.roles[name]

    def add_policy(self, name, document, kind='Custom', description='', versions=1):
        texts = {f'v{i}': service_text(document) for i in range(1, versions + 1)}
        self.policies[(kind, name)] = {'Policy': {'PolicyName': name, 'PolicyType': kind, 'Description': description,
                                                  'DefaultVersion': f'v{versions}', 'CreateDate': DATE, 'UpdateDate': DATE},
                                       'versions': texts, 'next': versions + 1}

    def fail(self, action, *codes):
        self.faults.setdefault(action, []).extend(codes)

    # ------------------------------------------------------------ observation
    def actions(self, product='ram'):
        return [c[1] for c in self.calls if c[0] == product]

    def writes(self):
        return [call[1] for call in self.calls if contract_write(call[1])]

    def call_of(self, action):
        return next(c for c in self.calls if c[1] == action)

    # ------------------------------------------------------------ the ApiClient.call interface
    def client(self, product):
        cloud = self

        class Client:
            def call(self, action, params=None, *, retry_codes=(), retry_timeout=None):
                clean = {k: v for k, v in (params or {}).items() if v is not None}

                def once():
                    cloud.calls.append((product, action, clean, tuple(retry_codes), retry_timeout))
                    pending = cloud.faults.get(action)
                    if pending:
                        code = pending.pop(0)
                        raise AlicloudApiError(code, f'injected {code}', status=409, request_id='R-fault', product=product, action=action)
                    body = getattr(cloud, action)(clean)
                    if is_write(action):  # what ApiClient records for the report of a later failure
                        cloud.done.append(write_record(product, action, clean, body or {}))
                    return body
                if cloud.policy is None:
                    return once()
                return cloud.policy.run(once, extra_codes=retry_codes, extra_timeout=retry_timeout, product=product, action=action)

        return Client()

    @staticmethod
    def error(code, status=404):
        """An error of a test's own making (a race, a fault); the fake's own answers come from the contract."""
        if isinstance(code, contract.Error):
            return api_error(code, product='ram')
        return AlicloudApiError(code, code.replace('.', ' '), status=status, request_id='R-1', product='ram')

    def _role(self, params):
        if params['RoleName'] not in self.roles:
            raise self.error(contract.ROLE_NOT_FOUND)
        return self.roles[params['RoleName']]

    def _policy(self, kind, name):
        if (kind, name) not in self.policies:
            raise self.error(contract.POLICY_NOT_FOUND)
        return self.policies[(kind, name)]

    def _policy_key(self, params):
        if params['PolicyType'] not in ('System', 'Custom'):
            raise self.error(contract.POLICY_TYPE_INVALID)
        return (params['PolicyType'], params['PolicyName'])

    # RAM roles
    def GetRole(self, params):
        return {'Role': dict(self._role(params))}

    def CreateRole(self, params):
        name = params['RoleName']
        if name in self.roles:
            raise self.error(contract.ROLE_EXISTS)
        role = self.add_role(name, params['AssumeRolePolicyDocument'], params.get('Description', ''), params.get('MaxSessionDuration', 3600))
        view = dict(role)
        del view['UpdateDate']
        return {'Role': view}

    def UpdateRole(self, params):
        role = self._role(params)
        if 'NewAssumeRolePolicyDocument' in params:
            role['AssumeRolePolicyDocument'] = service_text(params['NewAssumeRolePolicyDocument'])
        if 'NewDescription' in params:
            role['Description'] = params['NewDescription']
        role['MaxSessionDuration'] = params.get('NewMaxSessionDuration', 3600)  # as the real API: absent resets
        role['UpdateDate'] = LATER
        return {'Role': dict(role)}

    def DeleteRole(self, params):
        self._role(params)
        if self.attached[params['RoleName']]:
            raise self.error(contract.ROLE_HAS_POLICIES)
        del self.roles[params['RoleName']]
        return {}

    def ListRoles(self, params):
        names = sorted(self.roles)
        start = int(params.get('Marker', 0))
        page = names[start:start + params['MaxItems']]
        body = {'Roles': {'Role': [{k: v for k, v in self.roles[n].items() if k != 'AssumeRolePolicyDocument'} for n in page]},
                'IsTruncated': start + params['MaxItems'] < len(names)}
        if body['IsTruncated']:
            body['Marker'] = str(start + params['MaxItems'])
        return body

    # RAM attachments
    def ListPoliciesForRole(self, params):
        self._role(params)
        return {'Policies': {'Policy': [{'PolicyName': n, 'PolicyType': t, 'AttachDate': DATE}
                                        for t, n in self.attached[params['RoleName']]]}}

    def AttachPolicyToRole(self, params):
        key = self._policy_key(params)
        self._role(params)
        self._policy(*key)
        if key in self.attached[params['RoleName']]:
            raise self.error(contract.ROLE_POLICY_ATTACHED)
        self.attached[params['RoleName']].append(key)
        return {}

    def DetachPolicyFromRole(self, params):
        key = self._policy_key(params)
        self._role(params)
        if key not in self.attached[params['RoleName']]:
            raise self.error(contract.ROLE_POLICY_NOT_ATTACHED)
        self.attached[params['RoleName']].remove(key)
        return {}

    def DetachPolicyFromUser(self, params):
        users = self.users.get((params['PolicyType'], params['PolicyName']), [])
        if params['UserName'] not in users:
            raise self.error(contract.USER_POLICY_NOT_ATTACHED)
        users.remove(params['UserName'])
        return {}

    # RAM policies
    def _count(self, key, kinds=('roles', 'users')):
        roles = sum(key in keys for keys in self.attached.values()) if 'roles' in kinds else 0
        return roles + (len(self.users.get(key, [])) if 'users' in kinds else 0)

    def GetPolicy(self, params):
        key = (params['PolicyType'], params['PolicyName'])
        entry = self._policy(*key)
        policy = entry['Policy']
        text = entry['versions'][policy['DefaultVersion']]
        return {'Policy': {**policy, 'AttachmentCount': self._count(key), 'PolicyDocument': text},
                'DefaultPolicyVersion': {'VersionId': policy['DefaultVersion'], 'IsDefaultVersion': True, 'PolicyDocument': text}}

    def ListPolicies(self, params):
        found = [e['Policy'] for k, e in sorted(self.policies.items()) if params.get('PolicyType') in (None, k[0])]
        return {'Policies': {'Policy': [{**p, 'AttachmentCount': self._count((p['PolicyType'], p['PolicyName']))} for p in found]},
                'IsTruncated': False}

    def CreatePolicy(self, params):
        if ('Custom', params['PolicyName']) in self.policies:
            raise self.error(contract.POLICY_EXISTS)
        self.add_policy(params['PolicyName'], params['PolicyDocument'], description=params.get('Description', ''))
        return {'Policy': dict(self.policies[('Custom', params['PolicyName'])]['Policy'])}

    def CreatePolicyVersion(self, params):
        entry = self._policy('Custom', params['PolicyName'])
        if len(entry['versions']) >= 5:
            if params.get('RotateStrategy') != 'DeleteOldestNonDefaultVersionWhenLimitExceeded':
                raise self.error(contract.VERSION_LIMIT)
            oldest = next(v for v in entry['versions'] if v != entry['Policy']['DefaultVersion'])
            del entry['versions'][oldest]
        version = f"v{entry['next']}"
        entry['next'] += 1
        entry['versions'][version] = service_text(params['PolicyDocument'])
        if params.get('SetAsDefault'):
            entry['Policy']['DefaultVersion'] = version
        entry['Policy']['UpdateDate'] = LATER
        return {'PolicyVersion': {'VersionId': version, 'IsDefaultVersion': bool(params.get('SetAsDefault'))}}

    def UpdatePolicyDescription(self, params):
        entry = self._policy('Custom', params['PolicyName'])
        entry['Policy']['Description'] = params['NewDescription']
        entry['Policy']['UpdateDate'] = LATER
        return {'Policy': dict(entry['Policy'])}

    def ListEntitiesForPolicy(self, params):
        key = (params['PolicyType'], params['PolicyName'])
        self._policy(*key)
        roles = [{'RoleName': r} for r, keys in sorted(self.attached.items()) if key in keys]
        return {'Roles': {'Role': roles}, 'Users': {'User': [{'UserName': u} for u in self.users.get(key, [])]}, 'Groups': {'Group': []}}

    def DeletePolicy(self, params):
        key = ('Custom', params['PolicyName'])
        entry = self._policy(*key)
        if self._count(key, ('users',)):
            raise self.error(contract.POLICY_ATTACHED_TO_USER)
        if self._count(key, ('roles',)):
            raise self.error(contract.POLICY_ATTACHED_TO_ROLE)
        if len(entry['versions']) > 1 and not params.get('CascadingDelete'):
            raise self.error(contract.POLICY_HAS_VERSIONS)
        del self.policies[key]
        return {}

    # ECS
    def DescribeInstanceRamRole(self, params):
        if params['RamRoleName'] not in self.roles or params['RamRoleName'] in self.ecs_unknown:
            raise api_error(contract.RAM_ROLE_NOT_FOUND, product='ecs')
        sets = [{'InstanceId': i, 'RamRoleName': r} for i, r in sorted(self.bindings.items()) if r.lower() == params['RamRoleName'].lower()]
        return {'InstanceRamRoleSets': {'InstanceRamRoleSet': sets}, 'TotalCount': len(sets)}


def install(monkeypatch):
    """A FakeCloud that every client of the modules under test talks to (use in a fixture)."""
    fake = FakeCloud()
    monkeypatch.setattr(ClientFactory, 'client', lambda self, product: fake.client(product))
    monkeypatch.setattr(ClientFactory, 'writes', lambda self: list(fake.done))
    return fake


def run_module(main, capsys, check_mode=False, diff=False, **args):
    """module.run_module with the unit-test keys (check and diff mode off unless asked, as in module.run_module)."""
    return module.run_module(main, capsys, check_mode=check_mode, diff=diff, **{**AUTH, **args})
