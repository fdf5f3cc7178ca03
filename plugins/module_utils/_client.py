# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""Credentials, endpoints and API clients: the only place that touches an Alibaba Cloud SDK.

* Credentials come from `alibabacloud-credentials` providers, chosen by a documented precedence
  (see `resolve_credential_source`) and never leaving a background thread behind.
* A product's SDK is imported only when a module first asks for that product's client, so a module
  pays the import cost of what it uses and nothing else. Within an SDK, the `models` package (about
  1150 files for ECS, imported eagerly by the SDK itself) is replaced by a lazy one that imports a
  model's file on first use (`lazy_models`).
* Every API call goes through `ApiClient.call`: a dict of wire-level parameters in, the response
  body as a dict out, with the collection's retry policy and error translation around it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import json
import logging
import os
import re
import sys
import threading
import traceback
import types
from urllib.parse import urlsplit
from urllib.request import proxy_bypass_environment

from ._errors import (CREDENTIALS_ERROR, AlicloudApiError, AlicloudError, AlicloudParameterError, from_exception, is_api_exception,
                      redact, redact_error, secret_forms)
from ._lazy_imports import defer_unused_sdk_parts
from ._retry import RetryPolicy

COLLECTION_VERSION = '0.1.0'
# the error of a call signed with temporary credentials the service no longer accepts
EXPIRED_TOKEN_CODE = 'InvalidSecurityToken.Expired'
USER_AGENT = f'AnsibleCollection/alicloud.instance_ram-{COLLECTION_VERSION}'
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
    'sts': _Product('alibabacloud_sts20150401', 'alibabacloud-sts20150401', 'sts_endpoint', 'sts.{region}.aliyuncs.com'),
}

# Environment variables, in order of preference: the names of the Alibaba Cloud SDKs and CLI first,
# then the older names of the alibaba.alicloud collection.
ENV = {
    'access_key_id': ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALICLOUD_ACCESS_KEY', 'ALICLOUD_ACCESS_KEY_ID'),
    'access_key_secret': ('ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALICLOUD_SECRET_KEY', 'ALICLOUD_SECRET_ACCESS_KEY',
                          'ALICLOUD_ACCESS_KEY_SECRET'),
    'security_token': ('ALIBABA_CLOUD_SECURITY_TOKEN', 'ALICLOUD_SECURITY_TOKEN'),
    'profile': ('ALIBABA_CLOUD_PROFILE', 'ALICLOUD_PROFILE'),
    'ecs_role_name': ('ALIBABA_CLOUD_ECS_METADATA', 'ALICLOUD_ECS_ROLE_NAME'),
    'region_id': ('ALIBABA_CLOUD_REGION_ID', 'ALICLOUD_REGION_ID', 'ALICLOUD_REGION'),
    'profile_file': ('ALIBABA_CLOUD_CONFIG_FILE', 'ALICLOUD_SHARED_CREDENTIALS_FILE'),
    'assume_role_arn': ('ALIBABA_CLOUD_ROLE_ARN', 'ALICLOUD_ASSUME_ROLE_ARN'),
    'assume_role_session_name': ('ALIBABA_CLOUD_ROLE_SESSION_NAME', 'ALICLOUD_ASSUME_ROLE_SESSION_NAME'),
    'assume_role_duration': ('ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION', 'ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION'),
    'ram_endpoint': ('ALIBABA_CLOUD_RAM_ENDPOINT',),
    'ecs_endpoint': ('ALIBABA_CLOUD_ECS_ENDPOINT',),
    'sts_endpoint': ('ALIBABA_CLOUD_STS_ENDPOINT',),
    'kms_endpoint': ('ALIBABA_CLOUD_KMS_ENDPOINT',),
    'metadata_proxy': ('ALIBABA_CLOUD_METADATA_PROXY',),
}

# Options whose environment fallback is resolved by `resolve_credential_source` (not by Ansible),
# so that an explicit option of any kind beats any environment variable.
_CREDENTIAL_OPTIONS = ('access_key_id', 'access_key_secret', 'security_token', 'profile', 'ecs_role_name')


def _env_fallback(option):
    # imported here so that this file stays importable without Ansible (the lookup plugin and the
    # unit tests use the pure functions below)
    from ansible.module_utils.basic import env_fallback  # pylint: disable=import-outside-toplevel
    return (env_fallback, list(ENV[option]))


def auth_argument_spec():
    """The argument spec every module shares (documented by the alicloud.instance_ram.auth fragment)."""
    spec = {
        'access_key_id': {'type': 'str', 'aliases': ['alicloud_access_key', 'access_key']},
        'access_key_secret': {'type': 'str', 'no_log': True, 'aliases': ['alicloud_secret_key', 'secret_key', 'secret_access_key']},
        'security_token': {'type': 'str', 'no_log': True, 'aliases': ['alicloud_security_token']},
        'profile': {'type': 'str', 'aliases': ['alicloud_profile']},
        'profile_file': {'type': 'path', 'aliases': ['shared_credentials_file']},
        'ecs_role_name': {'type': 'str', 'aliases': ['alicloud_ecs_role_name']},
        'assume_role_arn': {'type': 'str', 'aliases': ['alicloud_assume_role_arn']},
        'assume_role_session_name': {'type': 'str', 'aliases': ['alicloud_assume_role_session_name']},
        'assume_role_duration': {'type': 'int', 'aliases': ['alicloud_assume_role_session_expiration', 'assume_role_session_expiration']},
        'region_id': {'type': 'str', 'aliases': ['alicloud_region', 'region']},
        'ram_endpoint': {'type': 'str'},
        'ecs_endpoint': {'type': 'str'},
        'sts_endpoint': {'type': 'str'},
        'kms_endpoint': {'type': 'str'},
        'metadata_proxy': {'type': 'str'},
        'connect_timeout': {'type': 'float', 'default': 5.0},
        'read_timeout': {'type': 'float', 'default': 10.0},
    }
    for option, entry in spec.items():
        if option in ENV and option not in _CREDENTIAL_OPTIONS:
            entry['fallback'] = _env_fallback(option)
    return spec


# Option names of alibaba.alicloud (plugins/doc_fragments/alicloud.py) that this collection does not take, and what to use instead.
REFUSED_PEER_OPTIONS = {
    'alicloud_assume_role': 'assume_role_arn, assume_role_session_name and assume_role_duration (a session policy is not supported)',
    'assume_role': 'assume_role_arn, assume_role_session_name and assume_role_duration (a session policy is not supported)',
    'alicloud_protocol': 'the endpoint options (ram_endpoint, ecs_endpoint, sts_endpoint, kms_endpoint): HTTPS always, '
                         'plain http only as http://127.0.0.1:port',
    'protocol': 'the endpoint options (ram_endpoint, ecs_endpoint, sts_endpoint, kms_endpoint): HTTPS always, '
                'plain http only as http://127.0.0.1:port',
    # alibaba.alicloud's alias of ecs_role_name; where a module manages a role, role_name is that role instead
    'role_name': 'ecs_role_name for the RAM role of the ECS instance the controller runs on (in a module that manages a '
                 'role, role_name is that role)',
}


def refused_peer_options(args, spec):
    """Messages for the alibaba.alicloud option names in `args` that are not options (nor aliases) of `spec`."""
    known = set(spec) | {alias for entry in spec.values() for alias in entry.get('aliases', ())}
    return [f'option {name!r} of alibaba.alicloud is not supported by this collection: use {REFUSED_PEER_OPTIONS[name]}'
            for name in sorted(REFUSED_PEER_OPTIONS) if name in (args or {}) and name not in known]


def _first_env(option, environ):
    for name in ENV[option]:
        value = environ.get(name)
        if value:
            return name, value
    return None, None


def resolve_credential_source(params, environ=None):
    """Decide where credentials come from. Pure: no I/O beyond reading `environ`.

    Precedence, first match wins:
      1. options: access_key_id + access_key_secret (+ security_token)
      2. option: profile (a profile of the Alibaba Cloud CLI file, else of the credentials INI file)
      3. option: ecs_role_name (the controller runs on ECS: its metadata service, hardened mode)
      4. environment: ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (/ _SECURITY_TOKEN), then the ALICLOUD_* names
      5. environment: ALIBABA_CLOUD_PROFILE / ALICLOUD_PROFILE
      6. environment: ALIBABA_CLOUD_ECS_METADATA / ALICLOUD_ECS_ROLE_NAME
      7. the default chain: the CLI's current profile, the INI file's default profile, then the
         ECS metadata service with the role name it reports (unless ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)
    `assume_role_arn`, when set, is applied on top of whichever source was chosen.
    """
    environ = os.environ if environ is None else environ
    if params.get('access_key_id') or params.get('access_key_secret'):
        if not (params.get('access_key_id') and params.get('access_key_secret')):
            raise AlicloudParameterError('access_key_id', 'access_key_id and access_key_secret must be given together')
        kind = 'sts_token' if params.get('security_token') else 'access_key'
        return {'kind': kind, 'origin': 'option', 'access_key_id': params['access_key_id'],
                'access_key_secret': params['access_key_secret'], 'security_token': params.get('security_token')}
    if params.get('profile'):
        return {'kind': 'profile', 'origin': 'option', 'profile': params['profile']}
    if params.get('ecs_role_name'):
        return {'kind': 'ecs_ram_role', 'origin': 'option', 'role_name': params['ecs_role_name']}

    id_var, key_id = _first_env('access_key_id', environ)
    secret_var, secret = _first_env('access_key_secret', environ)
    if key_id or secret:
        if not (key_id and secret):
            present = id_var or secret_var
            raise AlicloudParameterError('access_key_id', f'environment variable {present} is set but its access key '
                                         'id/secret partner is not')
        _token_var, token = _first_env('security_token', environ)
        return {'kind': 'sts_token' if token else 'access_key', 'origin': 'environment', 'variable': id_var,
                'access_key_id': key_id, 'access_key_secret': secret, 'security_token': token}
    var, profile = _first_env('profile', environ)
    if profile:
        return {'kind': 'profile', 'origin': 'environment', 'variable': var, 'profile': profile}
    var, role = _first_env('ecs_role_name', environ)
    if role:
        return {'kind': 'ecs_ram_role', 'origin': 'environment', 'variable': var, 'role_name': role}
    return {'kind': 'default_chain', 'origin': 'default'}


def parse_endpoint(value, option):
    """`host[:port]`, `https://host[:port]` or, for a loopback address only, `http://host:port`.

    Returns (host_with_port, protocol). Plain HTTP to anything but loopback is refused: the
    security token travels in a header and must not cross a network in clear text.
    """
    if not value:
        return None, 'https'
    if '://' not in value:
        parts = urlsplit('https://' + value)
        protocol = 'https'
    else:
        parts = urlsplit(value)
        protocol = parts.scheme.lower()
    if parts.username is not None or parts.password is not None:
        # the value is shown without its password (AlicloudParameterError scrubs userinfo)
        raise AlicloudParameterError(option, 'must not carry a user name or password: Alibaba Cloud APIs sign each request '
                                     'and take no basic authentication', value)
    if protocol not in ('http', 'https') or not parts.hostname or parts.path not in ('', '/') or parts.query:
        raise AlicloudParameterError(option, 'must be host[:port], https://host[:port] or http://127.0.0.1:port', value)
    if protocol == 'http' and not _is_loopback(parts.hostname):
        raise AlicloudParameterError(option, 'plain http is only allowed for a loopback endpoint (127.0.0.1, ::1, localhost)', value)
    return parts.netloc, protocol


def _is_loopback(host):
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Tea (the HTTP layer of the SDKs and of the credentials library) reads these itself and ignores NO_PROXY
_PROXY_VARIABLES = ('HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy')
_hidden_proxies = {}
_proxy_lock = threading.Lock()  # the environment is the process's: calls of the binding engine's threads share it
_direct_calls = {'active': 0, 'taken': {}}


@contextlib.contextmanager
def proxy_environment(direct):
    """Within: the environment's proxy variables hidden from Tea (`direct` true) or as the user set them (false).

    Tea sends through HTTP(S)_PROXY whatever the host, so a direct connection (the metadata service, an endpoint
    listed in NO_PROXY) needs them out of its sight during the request. Nested uses restore what an outer one hid.
    """
    if direct:
        with _proxy_lock:
            # concurrent direct calls (threads of one binding): the first hides, the last one out restores
            taken = {name: os.environ.pop(name) for name in _PROXY_VARIABLES if name in os.environ}
            _hidden_proxies.update(taken)
            _direct_calls['taken'].update(taken)
            _direct_calls['active'] += 1
        try:
            yield
        finally:
            with _proxy_lock:
                _direct_calls['active'] -= 1
                if not _direct_calls['active']:
                    restored, _direct_calls['taken'] = _direct_calls['taken'], {}
                    for name in restored:
                        _hidden_proxies.pop(name, None)
                    os.environ.update(restored)
    else:
        with _proxy_lock:
            shown = dict(_hidden_proxies)
            os.environ.update(shown)
        try:
            yield
        finally:
            with _proxy_lock:
                for name in shown:
                    os.environ.pop(name, None)


def bypasses_proxy(host):
    """True when NO_PROXY (or no_proxy) lists `host` (host[:port]): API calls to it go direct."""
    return bool(host) and bool(proxy_bypass_environment(host))


def _metadata_http_options(params):
    from alibabacloud_credentials.http import HttpOptions  # pylint: disable=import-outside-toplevel
    return HttpOptions(proxy=params.get('metadata_proxy') or None,
                       connect_timeout=int(min(params.get('connect_timeout') or 1.0, 5.0) * 1000),
                       read_timeout=int(min(params.get('read_timeout') or 1.0, 5.0) * 1000))


class ObservedProvider:
    """A credentials provider that reports every credential it obtains the moment it obtains it (`seen`), and runs
    with the environment's proxies hidden when `direct` (the metadata service is never reached through them)."""

    def __init__(self, provider, seen=None, direct=False):
        self.provider = provider
        self._seen = seen
        self._direct = direct

    def get_credentials(self):
        with proxy_environment(self._direct):
            credentials = self.provider.get_credentials()
        if credentials is not None and self._seen is not None:
            self._seen(credentials)
        return credentials

    async def get_credentials_async(self):
        return self.get_credentials()

    def get_provider_name(self):
        return self.provider.get_provider_name()


def ecs_role_provider(params, role_name=None, seen=None):
    """Credentials of the instance's RAM role from the metadata service, hardened mode (token) only.

    Built with `async_update_enabled=False`: the library's default starts an APScheduler thread,
    which a short-lived module process must not leave behind. Without `metadata_proxy`, the metadata service is
    reached directly, never through HTTP_PROXY.
    """
    from alibabacloud_credentials.provider import EcsRamRoleCredentialsProvider  # pylint: disable=import-outside-toplevel
    return ObservedProvider(EcsRamRoleCredentialsProvider(role_name=role_name or None, disable_imds_v1=True,
                                                          http_options=_metadata_http_options(params), async_update_enabled=False),
                            seen, direct=not params.get('metadata_proxy'))


def _profile_provider(params, profile_name, seen=None):
    """A named profile: the Alibaba Cloud CLI file first, then the credentials INI file."""
    # pylint: disable=import-outside-toplevel
    from alibabacloud_credentials.provider import CLIProfileCredentialsProvider, ProfileCredentialsProvider
    cli_file = params.get('profile_file') or os.path.join(os.path.expanduser('~'), '.aliyun', 'config.json')
    profiles = []
    if os.path.isfile(cli_file):
        try:
            with open(cli_file, encoding='utf-8') as handle:
                profiles = json.load(handle).get('profiles', [])
        except (OSError, ValueError) as exc:
            raise AlicloudParameterError('profile_file', f'cannot read {cli_file}: {exc}') from None
    for profile in profiles:
        if profile.get('name') == profile_name:
            if profile.get('mode') == 'EcsRamRole':
                # the library would start a background thread for this mode; build it ourselves
                return ecs_role_provider(params, profile.get('ram_role_name'), seen)
            return CLIProfileCredentialsProvider(profile_name=profile_name, profile_file=cli_file)
    ini_file = os.environ.get('ALIBABA_CLOUD_CREDENTIALS_FILE') or os.path.join(os.path.expanduser('~'), '.alibabacloud', 'credentials.ini')
    if os.path.isfile(ini_file):
        return ProfileCredentialsProvider(profile_name=profile_name, profile_file=ini_file)
    raise AlicloudParameterError('profile', f'no profile named {profile_name!r} in {cli_file} or {ini_file}')


class _ChainProvider:
    """The default chain of alibabacloud-credentials, minus its background thread.

    Same order as the library's DefaultCredentialsProvider for the sources that remain after the
    environment was handled by `resolve_credential_source`: CLI profile, INI profile, ECS role.
    """

    def __init__(self, params, seen=None):
        self._params = params
        self._seen = seen
        self._chosen = None

    def _candidates(self):
        # pylint: disable=import-outside-toplevel
        from alibabacloud_credentials.provider import CLIProfileCredentialsProvider, ProfileCredentialsProvider
        yield CLIProfileCredentialsProvider(profile_file=self._params.get('profile_file') or None)
        yield ProfileCredentialsProvider()
        if os.environ.get('ALIBABA_CLOUD_ECS_METADATA_DISABLED', '').lower() != 'true':
            yield ecs_role_provider(self._params, seen=self._seen)

    def get_credentials(self):
        if self._chosen is not None:
            return self._chosen.get_credentials()
        errors = []
        for provider in self._candidates():
            try:
                credentials = provider.get_credentials()
            except Exception as exc:  # pylint: disable=broad-except
                errors.append(f'{type(provider).__name__}: {exc}')
                continue
            if credentials is not None:
                self._chosen = provider
                return credentials
        raise AlicloudApiError('InvalidCredentials', 'no credentials found: set access_key_id/access_key_secret, profile or '
                               'ecs_role_name, or the ALIBABA_CLOUD_* environment variables (' + '; '.join(errors) + ')')

    async def get_credentials_async(self):
        return self.get_credentials()

    @staticmethod
    def get_provider_name():
        return 'default'


def build_credentials_provider(params, source=None, seen=None):
    """The alibabacloud-credentials provider for `source` (see resolve_credential_source).

    `seen(credentials)` is called with every credential a provider obtains (the source's, then the assumed role's).
    """
    # pylint: disable=import-outside-toplevel
    from alibabacloud_credentials.http import HttpOptions
    from alibabacloud_credentials.provider import (RamRoleArnCredentialsProvider, StaticAKCredentialsProvider,
                                                   StaticSTSCredentialsProvider)
    source = source or resolve_credential_source(params)
    kind = source['kind']
    if kind == 'access_key':
        provider = StaticAKCredentialsProvider(access_key_id=source['access_key_id'], access_key_secret=source['access_key_secret'])
    elif kind == 'sts_token':
        provider = StaticSTSCredentialsProvider(access_key_id=source['access_key_id'], access_key_secret=source['access_key_secret'],
                                                security_token=source['security_token'])
    elif kind == 'profile':
        provider = _profile_provider(params, source['profile'], seen)
    elif kind == 'ecs_ram_role':
        provider = ecs_role_provider(params, source['role_name'], seen)
    else:
        provider = _ChainProvider(params, seen)
    if not isinstance(provider, ObservedProvider):
        provider = ObservedProvider(provider, seen)
    if params.get('assume_role_arn'):
        duration = params.get('assume_role_duration') or 3600
        if not 900 <= duration <= 43200:
            raise AlicloudParameterError('assume_role_duration', 'must be between 900 and 43200 seconds', duration)
        sts_host, sts_protocol = parse_endpoint(params.get('sts_endpoint'), 'sts_endpoint')
        sts_endpoint = f'{sts_protocol}://{sts_host}' if sts_host and sts_protocol == 'http' else sts_host
        provider = RamRoleArnCredentialsProvider(
            credentials_provider=provider, role_arn=params['assume_role_arn'],
            role_session_name=params.get('assume_role_session_name') or 'ansible-alicloud-instance-ram',
            duration_seconds=duration, sts_endpoint=sts_endpoint,
            sts_region_id=params.get('region_id') if not sts_endpoint else None,
            # the module's timeouts, not the library's (10 s to read), so that an unanswering STS fails like any call
            http_options=HttpOptions(connect_timeout=int((params.get('connect_timeout') or 5.0) * 1000),
                                     read_timeout=int((params.get('read_timeout') or 10.0) * 1000)))
        provider = ObservedProvider(provider, seen, direct=bypasses_proxy(sts_host or getattr(provider, '_sts_endpoint', None)))
    return provider


def _snake(action):
    return re.sub(r'(?<!^)(?=[A-Z])', '_', action).lower()


# `from ._describe_instance_ram_role_request import DescribeInstanceRamRoleRequest` (also `import (A, B)` forms)
_MODEL_IMPORT = re.compile(r'^from \.(\w+) import (?:\(([^)]*)\)|([\w ,]+))[ \t]*$', re.M)


def _import(name):
    """`importlib.import_module` through the import statement's machinery, so that `python -X importtime` reports it."""
    __import__(name)
    return sys.modules[name]


def model_index(init_source):
    """{class name: submodule} from the text of an SDK's models/__init__.py (its `from .<file> import <Name>` lines)."""
    index = {}
    for submodule, grouped, names in _MODEL_IMPORT.findall(init_source):
        for name in (grouped or names).replace('\n', ',').split(','):
            if name.strip():
                index[name.strip()] = submodule
    return index


class _LazyModels(types.ModuleType):
    """An SDK's `models` package that imports a model's file on first use of its name.

    The SDKs' own models/__init__.py imports every model file (1152 for ECS: about a third of a
    module's start-up), while a module uses a handful. A name missing from the index (an SDK whose
    __init__ looks different) runs the original __init__ in this namespace: slower, never wrong.
    """

    def __init__(self, spec, index, init_source):
        super().__init__(spec.name)
        self.__spec__ = spec
        self.__file__ = spec.origin
        self.__path__ = list(spec.submodule_search_locations or [])
        self.__package__ = spec.name
        self._index = index
        self._init_source = init_source
        self._eager = False

    def __getattr__(self, name):
        if name.startswith('__') or name in ('_index', '_init_source', '_eager'):
            raise AttributeError(name)
        submodule = self._index.get(name)
        if submodule is not None:
            value = getattr(_import(f'{self.__name__}.{submodule}'), name)
        elif not self._eager:
            self._eager = True
            exec(compile(self._init_source, self.__file__, 'exec'), self.__dict__)  # pylint: disable=exec-used
            if name not in self.__dict__:
                raise AttributeError(f'module {self.__name__!r} has no attribute {name!r}')
            value = self.__dict__[name]
        else:
            raise AttributeError(f'module {self.__name__!r} has no attribute {name!r}')
        setattr(self, name, value)
        return value


def lazy_models(package):
    """Put a lazy `<package>.models` in place (unless that package is imported already) and return it."""
    name = package + '.models'
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin or not spec.submodule_search_locations:
        return _import(name)
    with open(spec.origin, encoding='utf-8') as handle:
        source = handle.read()
    index = model_index(source)
    if not index:
        return _import(name)
    module = _LazyModels(spec, index, source)
    sys.modules[name] = module
    setattr(sys.modules[package], 'models', module)
    return module


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

    def __init__(self, product, sdk_client, models_module, runtime, policy, on_call=None, refresh_credentials=None, direct=False):
        self.product = product
        self._sdk = sdk_client
        self._models = models_module
        self._runtime = runtime
        self._policy = policy
        self._on_call = on_call
        self._refresh_credentials = refresh_credentials
        self._direct = direct
        self.calls = []
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
            self.calls.append(action)
            if self._on_call is not None:
                self._on_call(self.product, action)
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
_SECRET_PROFILE_KEYS = ('access_key_secret', 'sts_token', 'security_token', 'private_key', 'oidc_token')


def url_password(value):
    """The password in the userinfo of a URL option (`http://user:password@host:port`), or None."""
    if not isinstance(value, str) or '@' not in value:
        return None
    try:
        return urlsplit(value if '://' in value else 'http://' + value).password
    except ValueError:
        return None


def profile_secrets(params, profile_name):
    """The secret fields of a CLI profile (and of the profile it takes its keys from), for masking. Never raises."""
    cli_file = params.get('profile_file') or os.path.join(os.path.expanduser('~'), '.aliyun', 'config.json')
    try:
        with open(cli_file, encoding='utf-8') as handle:
            profiles = {p.get('name'): p for p in json.load(handle).get('profiles', []) if isinstance(p, dict)}
    except (OSError, ValueError, AttributeError):
        return []
    found, name = [], profile_name
    for _hop in range(3):
        profile = profiles.get(name) or {}
        found += [str(profile[key]) for key in _SECRET_PROFILE_KEYS if profile.get(key)]
        name = profile.get('source_profile')
        if not name:
            break
    return found


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

    def __init__(self, params, policy=None, on_call=None):
        self.params = params
        self.policy = policy or RetryPolicy()
        self._on_call = on_call
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
            if err.code != CREDENTIALS_ERROR and not (err.product == 'sts' and RetryPolicy.is_throttling(err)):
                err = AlicloudApiError(CREDENTIALS_ERROR, f'could not obtain credentials: {err.message}')
            raise err from None

    def for_region(self, region_id):
        """A factory for another region that signs with this factory's credentials (one provider, one STS session).

        Builds the shared credential client now, so that factories used from several threads never race to build it.
        """
        other = ClientFactory(dict(self.params, region_id=region_id), policy=self.policy, on_call=self._on_call)
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
        self._clients[product] = ApiClient(product, sdk.Client(config), models, runtime, self.policy, self._on_call,
                                           refresh_credentials=self.refresh_credentials, direct=direct)
        return self._clients[product]


def quiet_credentials_library():
    """Keep alibabacloud-credentials from writing its own log (full request URLs, tracebacks) to stderr: the collection's
    error says what failed, scrubbed."""
    logger = logging.getLogger('credentials')
    if not any(isinstance(f, _DropAll) for f in logger.filters):
        logger.addFilter(_DropAll())


class _DropAll(logging.Filter):
    def filter(self, record):
        return False


class AlicloudModule:
    """AnsibleModule plus the shared auth options, clients and error handling (composition, not inheritance)."""

    def __init__(self, argument_spec=None, *, auth=True, **kwargs):
        # pylint: disable=import-outside-toplevel
        from ansible.module_utils.basic import AnsibleModule, _load_params
        spec = auth_argument_spec() if auth else {}
        spec.update(argument_spec or {})
        kwargs.setdefault('supports_check_mode', True)
        args = _load_params() if auth else {}
        refused = refused_peer_options(args, spec)
        # taken as options only to be refused: Ansible's own message ("Unsupported parameters") would not name the replacement
        self.module = AnsibleModule(argument_spec={**spec, **{name: {'type': 'raw'} for name in REFUSED_PEER_OPTIONS
                                                              if name in args and name not in spec}} if refused else spec, **kwargs)
        if refused:
            self.module.fail_json(msg='; '.join(refused))
        # a module process: the SDK core's async stack, scheduler... load on first real use only (after the arguments are
        # parsed, before any SDK import: ansible-test's import check, which stops at AnsibleModule(), sees no finder)
        defer_unused_sdk_parts()
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.diff_mode = self.module._diff  # pylint: disable=protected-access
        self.warnings = []
        self._factory = ClientFactory(self.params)
        # a password in a URL option (metadata_proxy, an endpoint) is masked in module_args and everywhere else
        self._mask()

    def client(self, product):
        try:
            return self._factory.client(product)
        except ImportError:
            from ansible.module_utils.basic import missing_required_lib  # pylint: disable=import-outside-toplevel
            self.fail_json(msg=missing_required_lib(PRODUCTS[product].distribution + ' and alibabacloud-credentials'),
                           exception=traceback.format_exc())
        return None  # not reached

    def credential(self):
        """The credential every client of this module signs with (see ClientFactory.credential)."""
        try:
            return self._factory.credential()
        except ImportError:
            from ansible.module_utils.basic import missing_required_lib  # pylint: disable=import-outside-toplevel
            self.fail_json(msg=missing_required_lib('alibabacloud-credentials'), exception=traceback.format_exc())
        return None  # not reached

    def use_credentials_provider(self, build):
        """Sign every call of this module with the credentials of `build()` (see ClientFactory.use_provider)."""
        self._factory.use_provider(build)

    def warn(self, message):
        self.module.warn(message)

    def _mask(self):
        for secret in self._factory.secrets():
            if len(secret) >= 4:
                self.module.no_log_values.update(secret_forms(secret))

    def exit_json(self, **result):
        self._mask()
        self.module.exit_json(**result)

    def fail_json(self, msg, **result):
        """Fail, scrubbed of every credential; after a write, with `changed: true` and what was done (RV(done))."""
        self._mask()
        secrets = self._factory.secrets()
        done = self._factory.writes()
        if done:
            result['changed'] = True
            result['done'] = done
            msg = f'{msg} -- before this failure, the run did: {describe_writes(done)}; a rerun reads the state and finishes the job'
        if isinstance(result.get('error'), dict):
            result['error'] = redact_error(result['error'], secrets)
        self.module.fail_json(msg=redact(msg, secrets), **result)

    def fail_error(self, err, msg=None, **result):
        """Fail with an AlicloudError: the message names the option or the API code, request id and status."""
        text = f'{msg}: {err}' if msg else str(err)
        if isinstance(err, AlicloudApiError):
            result['error'] = err.to_dict()
        elif isinstance(err, AlicloudParameterError):
            result['error'] = {'option': err.option, 'rule': err.rule}
        self.fail_json(msg=text, **result)

    def run(self, func):
        """Run `func(self)`, turning any collection error into a clean failure."""
        try:
            func(self)
        except AlicloudError as err:
            self.fail_error(err)
