# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""Where credentials come from: environment names, the shared options, the precedence, the providers and the chain.

* Credentials come from `alibabacloud-credentials` providers, chosen by a documented precedence
  (see `resolve_credential_source`) and never leaving a background thread behind.
* Every provider reports what it obtains (`ObservedProvider`), so that a module masks it.
* Imports no SDK at module level: a provider's class is imported when the provider is built.
"""

from __future__ import annotations

import json
import logging
import os

from ._errors import AlicloudApiError, AlicloudParameterError
from ._network import _metadata_http_options, bypasses_proxy, parse_endpoint, proxy_environment

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


_SECRET_PROFILE_KEYS = ('access_key_secret', 'sts_token', 'security_token', 'private_key', 'oidc_token')


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


def quiet_credentials_library():
    """Keep alibabacloud-credentials from writing its own log (full request URLs, tracebacks) to stderr: the collection's
    error says what failed, scrubbed."""
    logger = logging.getLogger('credentials')
    if not any(isinstance(f, _DropAll) for f in logger.filters):
        logger.addFilter(_DropAll())


class _DropAll(logging.Filter):
    def filter(self, record):
        return False
