# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""The ECS instance metadata service, read for the RAM role of the instance this code runs on.

The credentials library's EcsRamRoleCredentialsProvider (used by the credential chain of `_credentials`)
hides what a user checking an instance needs to know: the role name it discovered, `LastUpdated`,
and *why* it failed. This small client asks the same questions with the HTTP library Tea sends with
(`requests`; the same proxy, timeouts and headers as Tea's `TeaCore.do_action`, but no TLS context, which Tea
builds for every new session, plain HTTP included: about 60 ms of CPU a module process), and tells the
failures apart:

* `Metadata.NoRoleBound`: the service answers 404, no RAM role is attached to the instance (or not the one named);
* `Metadata.Unreachable`: no answer within the timeouts (not an ECS instance, or a firewall), the timeouts named;
* `Metadata.TokenRefused`: hardened mode is required (`allow_tokenless` false) but the service issued no token;
* `Metadata.TokenlessRefused`: tokenless access was allowed, but the instance enforces hardened mode (HttpTokens=required);
* `Metadata.ServerError`: the service answered with a server error (HTTP 5xx): nothing wrong with the request, try again;
* `Metadata.InvalidResponse`: anything else (the body is never quoted: it may hold a secret).
"""

from __future__ import annotations

import calendar
import json
import time
from urllib.parse import urlsplit

from ._network import USER_AGENT, _metadata_http_options
from ._errors import AlicloudApiError

METADATA_HOST = '100.100.100.200'
TOKEN_PATH = '/latest/api/token'
CREDENTIALS_PATH = '/latest/meta-data/ram/security-credentials/'
TOKEN_TTL_HEADER = 'X-aliyun-ecs-metadata-token-ttl-seconds'
TOKEN_HEADER = 'X-aliyun-ecs-metadata-token'
MAX_TOKEN_TTL = 21600
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


class MetadataError(AlicloudApiError):
    """A metadata request that failed; `code` says how (see the module docstring)."""

    def __init__(self, code, message, *, status=None, action=None):
        super().__init__(code, message, status=status, product='metadata', action=action)


_SESSIONS = {}  # one keep-alive session per proxy (None: direct) for the token and credentials requests of a process


def http_send(method, path, headers, runtime):
    """One HTTP request to the metadata service -> (status, body text).

    As Tea sends it (`requests`, `runtime`'s timeouts in ms, through `httpProxy` when set), except that the environment's
    HTTP_PROXY / NO_PROXY / .netrc never apply (Tea ignores NO_PROXY: without metadata_proxy the link-local service is
    reached directly, see `_network.proxy_environment`) and a redirect is not followed (the service never redirects,
    and a redirect would carry the token header elsewhere).
    """
    import requests  # pylint: disable=import-outside-toplevel  # only when a request is really sent (tests pass their own)
    proxy = runtime.get('httpProxy') or None
    session = _SESSIONS.get(proxy)
    if session is None:
        session = _SESSIONS[proxy] = requests.Session()
        session.trust_env = False
    response = session.request(method, f'http://{METADATA_HOST}{path}', headers={'user-agent': USER_AGENT, **headers},
                               proxies={'http': proxy} if proxy else {},
                               timeout=(runtime['connectTimeout'] / 1000, runtime['readTimeout'] / 1000), allow_redirects=False)
    return response.status_code, (response.content or b'').decode('utf-8', 'replace')


def parse_time(text):
    """Epoch seconds of a metadata timestamp (`2026-01-02T03:04:05Z`), None when absent or malformed."""
    try:
        return calendar.timegm(time.strptime(text, TIME_FORMAT))
    except (TypeError, ValueError):
        return None


def _proxy_label(proxy):
    """The proxy as host:port, without any user name or password it carries."""
    if not proxy:
        return None
    parts = urlsplit(proxy if '://' in proxy else 'http://' + proxy)
    return f'{parts.hostname}:{parts.port}' if parts.port else parts.hostname


class MetadataClient:
    """Reads the instance's RAM role and its temporary credentials, hardened mode (a token) first.

    `send(method, path, headers, runtime)` is the transport, `http_send` by default; tests pass their own.
    """

    def __init__(self, params, *, token_ttl=MAX_TOKEN_TTL, allow_tokenless=False, send=None, clock=time.time):
        options = _metadata_http_options(params)
        self.runtime = {'connectTimeout': options.connect_timeout, 'readTimeout': options.read_timeout,
                        'httpProxy': options.proxy}
        self.proxy = options.proxy
        self.token_ttl = token_ttl
        self.allow_tokenless = allow_tokenless
        self._send = send or http_send
        self._clock = clock
        self.token = None
        self.token_asked = False
        self.mode = None  # 'token' or 'tokenless', once a request succeeded
        self.token_refusal = None  # why no token was used in tokenless mode

    # ------------------------------------------------------------------ transport
    def _timeouts(self):
        return f"connect timeout {self.runtime['connectTimeout'] / 1000:g} s, read timeout {self.runtime['readTimeout'] / 1000:g} s"

    def _request(self, method, path, headers, action):
        try:
            return self._send(method, path, headers, self.runtime)
        except Exception as exc:  # pylint: disable=broad-except  # requests raises OSError subclasses
            via = f' through the proxy {_proxy_label(self.proxy)}' if self.proxy else ''
            raise MetadataError('Metadata.Unreachable',
                                f'the instance metadata service {METADATA_HOST}{via} did not answer ({self._timeouts()}): '
                                f'{type(exc).__name__}. Is this an ECS instance?', action=action) from None

    @staticmethod
    def _server_error(status, action):
        return MetadataError('Metadata.ServerError', f'the instance metadata service {METADATA_HOST} answered HTTP {status}, a server '
                             'error (the request is fine; try again)', status=status, action=action)

    # ------------------------------------------------------------------ the three questions
    def fetch_token(self):
        """A metadata token (hardened mode), or None when tokenless access is allowed and no token was issued."""
        self.token_asked = True
        headers = {TOKEN_TTL_HEADER: str(self.token_ttl)}
        try:
            status, body = self._request('PUT', TOKEN_PATH, headers, 'PutToken')
        except MetadataError as err:
            if not self.allow_tokenless:
                raise
            self.token_refusal = err.message
            return None
        if status == 200 and body:
            self.token = body
            return body
        if status >= 500:
            raise self._server_error(status, 'PutToken')
        if not self.allow_tokenless:
            raise MetadataError('Metadata.TokenRefused', 'hardened mode is required (allow_tokenless is false) but the metadata '
                                'service refused a token; a token request must not carry X-Forwarded-For nor cross more hops '
                                'than the instance allows', status=status, action='PutToken')
        self.token_refusal = f'the metadata service refused a token, HTTP {status}'
        return None

    def _get(self, path, action, missing):
        headers = {TOKEN_HEADER: self.token} if self.token else {}
        status, body = self._request('GET', path, headers, action)
        if status == 200:
            self.mode = 'token' if self.token else 'tokenless'
            return body
        if status == 404:
            raise MetadataError('Metadata.NoRoleBound', missing, status=status, action=action)
        if status >= 500:
            raise self._server_error(status, action)
        if status in (401, 403) and not self.token:
            raise MetadataError('Metadata.TokenlessRefused',
                                'tokenless access was refused: the instance requires hardened mode (HttpTokens=required), '
                                f'and no token could be used ({self.token_refusal})', status=status, action=action)
        if status in (401, 403):
            raise MetadataError('Metadata.TokenRefused', 'the metadata service rejected the token', status=status, action=action)
        raise MetadataError('Metadata.InvalidResponse', 'unexpected answer', status=status, action=action)

    def role_name(self):
        """The name of the RAM role bound to this instance."""
        if not self.token_asked:
            self.fetch_token()
        name = self._get(CREDENTIALS_PATH, 'GetRoleName', 'no RAM role is bound to this instance').strip()
        if not name:
            raise MetadataError('Metadata.NoRoleBound', 'no RAM role is bound to this instance', status=200, action='GetRoleName')
        return name

    def credentials(self, role_name):
        """The role's temporary credentials, as a dict with snake_case keys (secret included: handle with care)."""
        if not self.token_asked:
            self.fetch_token()
        body = self._get(CREDENTIALS_PATH + role_name, 'GetCredentials', f'no RAM role named {role_name!r} is bound to this instance')
        try:
            raw = json.loads(body)
        except ValueError:
            raw = None
        if not isinstance(raw, dict) or raw.get('Code') != 'Success':
            code = raw.get('Code') if isinstance(raw, dict) else None
            # never quote the body: it may carry the secret
            raise MetadataError('Metadata.InvalidResponse', f'the credentials document is not a success (Code {code!r})',
                                status=200, action='GetCredentials')
        return self.normalize(raw)

    def normalize(self, raw):
        expiration = raw.get('Expiration')
        expires_at = parse_time(expiration)
        return {
            'access_key_id': raw.get('AccessKeyId'),
            'access_key_secret': raw.get('AccessKeySecret'),
            'security_token': raw.get('SecurityToken'),
            'expiration': expiration,
            'last_updated': raw.get('LastUpdated'),
            'seconds_left': None if expires_at is None else max(0, int(expires_at - self._clock())),
        }

    def fetch(self, role_name=None):
        """(role name, credentials): the role named, else the one the service reports."""
        name = role_name or self.role_name()
        return name, self.credentials(name)


class _Credentials:
    """Temporary credentials in the shape alibabacloud-credentials' clients read (its `Credentials` interface)."""

    def __init__(self, credentials):
        self._credentials = credentials

    def get_access_key_id(self):
        return self._credentials['access_key_id']

    def get_access_key_secret(self):
        return self._credentials['access_key_secret']

    def get_security_token(self):
        return self._credentials['security_token']

    @staticmethod
    def get_provider_name():
        return MetadataCredentialsProvider.NAME


class MetadataCredentialsProvider:
    """A credentials provider (the interface of alibabacloud-credentials) over a MetadataClient.

    It serves `credentials` (a dict of `MetadataClient.credentials`) when given, else asks `fetch()` once, so that
    one metadata read gives both the report of the instance role and the credentials the API clients sign with. A
    provider built again (ClientFactory.refresh_credentials, after InvalidSecurityToken.Expired) reads them again.
    """

    NAME = 'ecs_ram_role'  # the name of the library's own provider for the instance role

    def __init__(self, fetch, credentials=None):
        self._fetch = fetch
        self._credentials = credentials

    def get_credentials(self):
        if self._credentials is None:
            self._credentials = self._fetch()
        return _Credentials(self._credentials)

    async def get_credentials_async(self):
        return self.get_credentials()

    def get_provider_name(self):
        return self.NAME
