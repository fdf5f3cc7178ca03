# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every product module builds on: the product registry, the caller, and the call context.

A handler is a plain synchronous function ``handler(ctx) -> dict`` (the response body without
RequestId) that raises :class:`~.errors.ApiError`. It must not await, so that its reads and
writes of the store are atomic with respect to other requests.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .errors import ApiError
from .params import Params
from .policy import DENY, evaluate, is_allowed
from .store import Account, Store, TempCredential, User

Handler = Callable[['Context'], dict]
ResourceFn = Callable[['Context'], list[str]]


@dataclass
class ActionSpec:
    name: str
    handler: Handler
    resources: ResourceFn | None  # None: no RAM authorization for this action


@dataclass
class Product:
    name: str  # RAM, ECS, KMS, STS
    version: str
    prefix: str  # the service part of RAM actions: ram, ecs, kms, sts
    denied_code: str
    denied_message: str
    host: str  # HostId in error bodies; "{region}" is substituted
    actions: dict[str, ActionSpec] = field(default_factory=dict)

    def action(self, name: str, resources: ResourceFn | None = None):
        """Register ``handler`` for ``name``; ``resources(ctx)`` gives the ARNs a role session must be allowed on."""
        def register(handler: Handler) -> Handler:
            self.actions[name] = ActionSpec(name, handler, resources)
            return handler
        return register

    def host_id(self, region: str) -> str:
        return self.host.format(region=region)


@dataclass
class Caller:
    account: Account
    access_key_id: str
    credential: TempCredential | None = None  # a role session (AssumeRole or instance metadata)
    user: User | None = None  # a RAM user's own access key

    @property
    def is_root(self) -> bool:
        """Signed with the account's own (root) access key: allowed everything, but may not assume roles."""
        return self.credential is None and self.user is None

    @property
    def arn(self) -> str:
        if self.user is not None:
            return self.account.user_arn(self.user.name)
        if self.credential is None:
            return self.account.root_arn
        return f'acs:ram::{self.account.account_id}:assumed-role/{self.credential.role_name}/{self.credential.session_name}'

    @property
    def trust_identities(self) -> list[str]:
        """Names a trust policy's ``Principal.RAM`` may use for this caller (the account's root names all its users)."""
        names = [self.account.root_arn, self.account.account_id]
        if self.credential is not None:
            names.append(self.account.role_arn(self.credential.role_name))
        if self.user is not None:
            names.append(self.account.user_arn(self.user.name))
        return names


@dataclass
class Context:
    store: Store
    product: Product
    action: str
    caller: Caller
    params: Params
    request_id: str
    now: float

    @property
    def account(self) -> Account:
        return self.caller.account

    @property
    def settings(self):
        return self.store.settings

    def region(self, required: bool = False) -> str:
        return self.params.str('RegionId', required=required) or self.store.settings.default_region

    def _policies(self) -> tuple[list[dict], list[dict], dict]:
        """The caller's identity policies, its session policies and the AccessDeniedDetail principal fields."""
        account_id = self.account.account_id
        if self.user is not None:
            return (self.store.role_documents(self.account, self.user), [],
                    {'AuthPrincipalType': 'SubUser', 'AuthPrincipalOwnerId': account_id,
                     'AuthPrincipalDisplayName': self.user.name})
        cred = self.caller.credential
        role = self.store.find_role(self.account, cred.role_name)
        documents = self.store.role_documents(self.account, role) if role else []
        sessions = [cred.session_policy] if cred.session_policy else []
        return documents, sessions, {'AuthPrincipalType': 'AssumedRoleUser', 'AuthPrincipalOwnerId': account_id,
                                     'AuthPrincipalDisplayName': f'{cred.role_name}:{cred.session_name}'}

    @property
    def user(self) -> User | None:
        return self.caller.user

    def allowed(self, action: str, resource: str) -> bool:
        """Whether the caller may do ``action`` on ``resource`` (root keys may do everything)."""
        if self.caller.is_root:
            return True
        documents, sessions, dummy = self._policies()
        return is_allowed(documents, sessions, action, resource)

    def authorize(self, action: str, resources: list[str], code: str | None = None, message: str | None = None,
                  status: int = 403) -> None:
        """Refuse a RAM user or role session whose policies do not allow ``action`` on every resource (root keys pass)."""
        if self.caller.is_root:
            return
        documents, sessions, principal = self._policies()
        for resource in resources:
            if not is_allowed(documents, sessions, action, resource):
                explicit = evaluate(documents + sessions, action, resource) == DENY
                detail = {'AuthAction': action, 'AuthResource': resource, **principal,
                          'NoPermissionType': 'ExplicitDeny' if explicit else 'ImplicitDeny',
                          'PolicyType': 'AccountLevelIdentityBasedPolicy'}
                raise ApiError(code or self.product.denied_code, message or self.product.denied_message, status,
                               access_denied_detail=detail)
