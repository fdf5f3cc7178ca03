# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""The API clients: products and their endpoints, the record of writes, `ApiClient` and `ClientFactory`.

Every API call goes through `ApiClient.call`: a dict of wire-level parameters in, the response body as a dict
out, with the collection's retry policy and error translation around it. `ClientFactory` builds the credentials
once (`_credentials`) and one ApiClient per product, importing each SDK on first use (`_sdk`).
"""

from __future__ import annotations

import json
import threading
from urllib.parse import urlsplit

from ._credentials import build_credentials_provider, profile_secrets, quiet_credentials_library, resolve_credential_source
from ._errors import CREDENTIALS_ERROR, AlicloudApiError, AlicloudError, AlicloudParameterError, from_exception, is_api_exception
from ._network import USER_AGENT, bypasses_proxy, parse_endpoint, proxy_environment
from ._retry import RetryPolicy
from ._sdk import _import, _snake, lazy_models

# the error of a call signed with temporary credentials the service no longer accepts
EXPIRED_TOKEN_CODE = 'InvalidSecurityToken.Expired'
# Writes that take effect again when sent again (a second CreatePolicyVersion makes a second version). After a
# timeout or a dropped connection the first attempt may have been carried out, so these are not retried then.
NOT_SAFE_TO_REPEAT = frozenset(('CreatePolicyVersion',))
# Actions that change nothing, besides Describe*, List* and Get*: a failure after them has no partial state to report.
READ_ACTIONS = frozenset(('Encrypt', 'Decrypt', 'GenerateDataKey'))
# The parameters that say what a write was about, in the `done` list of a failed run.
_WRITE_KEYS = ('RoleName', 'PolicyName', 'PolicyType', 'VersionId', 'RamRoleName', 'InstanceId', 'InstanceIds')


class _Product:
    def __init__(self, package, distribution, endpoint_option, default_host):
        self.package = package
        self.distribution = distribution
        self.endpoint_option = endpoint_option
        self.default_host = default_host


PRODUCTS = {
    'ram': _Product('alibabacloud_ram20150501', 'alibabacloud-ram20150501', 'ram_endpoint', 'ram.aliyuncs.com'),
    'ecs': _Product('alibabacloud_ecs20140526', 'alibabacloud-ecs20140526', 'ecs_endpoint', 'ecs.{region}.aliyuncs.com'),
    'kms': _Product('alibabacloud_kms20160120', 'alibabacloud-kms20160120', 'kms_endpoint', 'kms.{region}.aliyuncs.com'),
}


def is_write(action):
    return not action.startswith(('Describe', 'List', 'Get')) and action not in READ_ACTIONS


def _took_effect(body):
    """False for a batch answer whose every row says `Success: false` (AttachInstanceRamRole...), else True."""
    rows = [row for value in body.values() if isinstance(value, dict) for rows in value.values() if isinstance(rows, list)
            for row in rows if isinstance(row, dict) and 'Success' in row]
    return not rows or any(row.get('Success') in (True, 'true', 'True') for row in rows)


def write_record(product, action, params, body):
    """What a successful write did, for the report of a run that fails later: action, its subject, new instance ids."""
    record = {'product': product, 'action': action}
    record.update({key: params[key] for key in _WRITE_KEYS if params.get(key) not in (None, '', [])})
    created = (body.get('InstanceIdSets') or {}).get('InstanceIdSet') if isinstance(body.get('InstanceIdSets'), dict) else None
    if created:
        record['CreatedInstanceIds'] = list(created)
    return record


MESSAGE_WRITES = 5   # writes named in a failure message (all of them are in the result's `done`)
MESSAGE_IDS = 3      # instance ids named per write in a failure message


def _message_value(value):
    """A write's subject for one line of a message: a list of ids (or its JSON text) as a count and the first few."""
    if isinstance(value, str) and value.startswith('['):
        try:
            value = json.loads(value)
        except ValueError:
            return repr(value)
    if isinstance(value, list):
        shown = ', '.join(map(str, value[:MESSAGE_IDS]))
        return f"{len(value)}: {shown}" + (', ...' if len(value) > MESSAGE_IDS else '')
    return repr(value)


def describe_writes(writes):
    """One line for the message of a failed run: `CreateRole (RoleName 'app'), AttachPolicyToRole (...)`.

    Bounded, so that it fits a screen: at most MESSAGE_WRITES writes, lists of ids as a count and their first few.
    """
    parts = []
    for record in writes[:MESSAGE_WRITES]:
        subject = ', '.join(f'{k} {_message_value(v)}' for k, v in record.items() if k not in ('product', 'action'))
        parts.append(f"{record['action']} ({subject})" if subject else record['action'])
    if len(writes) > MESSAGE_WRITES:
        parts.append(f'and {len(writes) - MESSAGE_WRITES} more (every write is in the result: done)')
    return ', '.join(parts)


class ApiClient:
    """One product's client. `call(action, params)` -> response body as a dict (CamelCase keys as on the wire).

    `writes` lists the writes that succeeded (see `write_record`), so that a run failing later reports what it did.
    `direct`: the endpoint is listed in NO_PROXY, so calls go without the environment's proxies.
    """

    def __init__(self, product, sdk_client, models_module, runtime, policy, refresh_credentials=None, direct=False):
        self.product = product
        self._sdk = sdk_client
        self._models = models_module
        self._runtime = runtime
        self._policy = policy
        self._refresh_credentials = refresh_credentials
        self._direct = direct
        self.writes = []

    def call(self, action, params=None, *, retry_codes=(), retry_timeout=None):
        """Run one API action with the retry policy; raise AlicloudApiError on failure.

        `params` uses the wire names (`RoleName`, `InstanceIds`, ...); None values are dropped.
        `retry_codes` are extra error codes retried for eventual consistency, within `retry_timeout` seconds.
        """
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        request = getattr(self._models, action + 'Request')().from_map(clean)
        method = getattr(self._sdk, _snake(action) + '_with_options')

        def once():
            with proxy_environment(self._direct):
                return method(request, self._runtime).body.to_map()

        options = {'extra_codes': retry_codes, 'extra_timeout': retry_timeout, 'product': self.product, 'action': action,
                   'idempotent': action not in NOT_SAFE_TO_REPEAT}
        try:
            body = self._policy.run(once, **options)
        except AlicloudApiError as err:
            if self._refresh_credentials is None or not err.matches(EXPIRED_TOKEN_CODE):
                raise
            # temporary credentials expired during the run (revoked or rotated before their Expiration):
            # fetch fresh ones from their source once, and try again
            self._refresh_credentials()
            body = self._policy.run(once, **options)
        if is_write(action) and isinstance(body, dict) and _took_effect(body):
            self.writes.append(write_record(self.product, action, clean, body))
        return body


URL_OPTIONS = ('ram_endpoint', 'ecs_endpoint', 'sts_endpoint', 'kms_endpoint', 'metadata_proxy')


def url_password(value):
    """The password in the userinfo of a URL option (`http://user:password@host:port`), or None."""
    if not isinstance(value, str) or '@' not in value:
        return None
    try:
        return urlsplit(value if '://' in value else 'http://' + value).password
    except ValueError:
        return None


class _FactoryCredential:
    """What the SDK clients sign with: the factory's current credential.

    A failure to obtain one surfaces as one InvalidCredentials error (the SDK wraps whatever this raises,
    and `from_exception` unwraps it), not as a transport error of the API call to be retried.
    """

    def __init__(self, factory):
        self._factory = factory

    def get_credential(self):
        # no retry of its own: the API call's retry policy retries a throttled or failing AssumeRole
        return self._factory.credential(retry=False)

    def get_type(self):
        return self._factory.credential_client.get_type()


class ClientFactory:
    """Builds credentials once and one ApiClient per product, importing each SDK on first use."""

    def __init__(self, params, policy=None):
        self.params = params
        self.policy = policy or RetryPolicy()
        self._credential_client = None
        self._credential_lock = threading.RLock()
        self._clients = {}
        self._build_provider = None  # set by use_provider: the credentials come from it, not from the options
        self.obtained = set()  # every secret a provider obtained (access key secrets, security tokens, STS access key ids)
        quiet_credentials_library()

    def _seen(self, credentials):
        for getter in ('get_access_key_secret', 'get_security_token', 'get_access_key_id'):
            value = getattr(credentials, getter, lambda: None)()
            if value and (getter != 'get_access_key_id' or value.startswith('STS.')):
                self.obtained.add(value)

    def _provider(self):
        if self._build_provider is not None:
            return self._build_provider()
        return build_credentials_provider(self.params, seen=self._seen)

    def use_provider(self, build):
        """Sign with the credentials of the provider `build()` returns, whatever the credential options say.

        `build` is called again when the credentials are refreshed (an expired token); the provider it builds reports
        the secrets it obtains itself (they are not added to `obtained`).
        """
        with self._credential_lock:
            self._build_provider = build
            self._credential_client = None

    @property
    def credential_client(self):
        if self._credential_client is None:
            from alibabacloud_credentials.client import Client as CredentialClient  # pylint: disable=import-outside-toplevel
            self._credential_client = CredentialClient(provider=self._provider())
        return self._credential_client

    def credential(self, retry=True):
        """The credential the clients sign with (a CredentialModel: access_key_id, provider_name, ...), fetched now if needed.

        Raises AlicloudApiError when no credential can be obtained, whatever the source says. An AssumeRole that STS
        answers with throttling or a server error is retried (with `retry`) by the collection's policy.
        """
        if retry:
            return self.policy.run(self._credential_once, product='sts', action='AssumeRole')
        return self._credential_once()

    def _credential_once(self):
        # one thread at a time: the credential client is built on first use and the provider chain picks its source
        # on first use, without locks of their own (alibabacloud-credentials); a cached credential is returned at once
        with self._credential_lock:
            return self._credential_locked()

    def _credential_locked(self):
        try:
            return self.credential_client.get_credential()
        except AlicloudError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            if not is_api_exception(exc):
                raise
            err = from_exception(exc)
            if err.code != CREDENTIALS_ERROR and not (err.product == 'sts' and RetryPolicy.is_transient(err)):
                err = AlicloudApiError(CREDENTIALS_ERROR, f'could not obtain credentials: {err.message}')
            raise err from None

    def for_region(self, region_id):
        """A factory for another region that signs with this factory's credentials (one provider, one STS session).

        Builds the shared credential client now, so that factories used from several threads never race to build it.
        """
        other = ClientFactory(dict(self.params, region_id=region_id), policy=self.policy)
        other._credential_client = self.credential_client  # pylint: disable=protected-access
        return other

    def refresh_credentials(self):
        """Replace the provider behind every client of this factory by a freshly built one.

        Drops cached temporary credentials (instance role, assumed role), so the next call fetches new ones.
        """
        with self._credential_lock:
            if self._credential_client is not None:
                self._credential_client.cloud_credential.provider = self._provider()

    def secrets(self):
        """Secret values in use (explicit, from the environment, from a profile, or obtained by a provider), for masking.

        Never asks a provider for anything: after a failure, that would be one more AssumeRole or metadata request.
        """
        found = [self.params.get('access_key_secret'), self.params.get('security_token'), *self.obtained]
        try:
            source = resolve_credential_source(self.params)
            found += [source.get('access_key_secret'), source.get('security_token')]
            if source['kind'] == 'profile':
                found += profile_secrets(self.params, source['profile'])
        except AlicloudError:
            pass
        found += [url_password(self.params.get(option)) for option in URL_OPTIONS]
        return [s for s in found if s]

    def writes(self):
        """The writes every client of this factory carried out, in order of product then time."""
        return [record for client in self._clients.values() for record in client.writes]

    def client(self, product):
        if product in self._clients:
            return self._clients[product]
        spec = PRODUCTS[product]
        models = lazy_models(spec.package)
        sdk = _import(spec.package + '.client')
        # pylint: disable=import-outside-toplevel
        from alibabacloud_tea_openapi.utils_models import Config
        from darabonba.runtime import RuntimeOptions
        host, protocol = parse_endpoint(self.params.get(spec.endpoint_option), spec.endpoint_option)
        region = self.params.get('region_id')
        if host is None and '{region}' in spec.default_host:
            if not region:
                raise AlicloudParameterError('region_id', f'is required to reach {product.upper()} '
                                             f'(or set {spec.endpoint_option})')
        connect_ms = int(self.params.get('connect_timeout', 5.0) * 1000)
        read_ms = int(self.params.get('read_timeout', 10.0) * 1000)
        config = Config(credential=_FactoryCredential(self), region_id=region or 'cn-hangzhou', endpoint=host,
                        protocol=protocol, connect_timeout=connect_ms, read_timeout=read_ms, user_agent=USER_AGENT)
        runtime = RuntimeOptions(connect_timeout=connect_ms, read_timeout=read_ms)
        direct = bypasses_proxy(host or spec.default_host.format(region=region))
        self._clients[product] = ApiClient(product, sdk.Client(config), models, runtime, self.policy,
                                           refresh_credentials=self.refresh_credentials, direct=direct)
        return self._clients[product]
