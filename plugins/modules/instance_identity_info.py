# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: instance_identity_info
short_description: Find which ECS instance a host is, from its own metadata service
version_added: 0.2.0
description:
  - B(Runs on the host itself) (a host of the inventory, not the controller). It asks the instance metadata service
    C(100.100.100.200) of the host for its instance id, region and zone, so that a play can bind or manage the
    instance behind an inventory host known only by its name or address.
  - Hardened mode is the default. A metadata token is requested first (C(PUT /latest/api/token)) and sent with every
    read. Tokenless (normal mode) access is used only when O(allow_tokenless=true) and no token could be obtained.
  - Needs only the Python standard library on the host (no Alibaba Cloud SDK).
  - Requests go to the metadata service directly, never through a proxy of the environment (C(HTTP_PROXY) is
    ignored, as a proxy would reach another host's metadata service, or add C(X-Forwarded-For), which the service refuses),
    or through O(metadata_proxy) when it is set.
  - Failures say which of these happened, with a code in RV(error.code) (failure results only) and a message -
    C(Metadata.Unreachable) (no answer within the timeouts, so not an ECS instance, or a firewall),
    C(Metadata.TokenRefused) (hardened mode required but the service issued no token, for example because the
    metadata service of the instance is disabled, C(HttpEndpoint=disabled), or a proxy added C(X-Forwarded-For)),
    C(Metadata.TokenlessRefused) (tokenless access allowed, but the instance enforces hardened mode),
    C(Metadata.Disabled) (the service answered 403 to a read, so the metadata service of the instance is disabled),
    C(Metadata.InvalidResponse) (anything else, for example an instance id that is not C(i-...)).
options:
  allow_tokenless:
    description:
      - Allow normal (tokenless) metadata access when the metadata service does not issue a token.
      - With the default V(false) only hardened mode is used, and a refused token is a failure (C(Metadata.TokenRefused)).
    type: bool
    default: false
  metadata_token_ttl:
    description: Lifetime in seconds requested for the metadata token, 1 to 21600.
    type: int
    default: 60
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.info
notes:
  - Only O(metadata_proxy), O(connect_timeout) and O(read_timeout) (each capped at 5 seconds) of the shared options
    matter here; the others are accepted so that C(module_defaults) for C(group/alicloud.instance_ram.alicloud) apply.
  - The metadata token is never returned.
  - The role role C(alicloud.instance_ram.kms_access) (option C(kms_access_discover)) uses this module to find the instance
    id and the region of play hosts that have no instance id variable.
seealso:
  - module: alicloud.instance_ram.instance_role_credentials_info
  - module: alicloud.instance_ram.ecs_instance_ram_role
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Which instance is this host?
  alicloud.instance_ram.instance_identity_info:
  register: identity

- name: Bind the role to the instances of every host, from the controller
  alicloud.instance_ram.ecs_instance_ram_role:
    region_id: "{{ identity.region_id }}"
    role_name: EcsRamRoleTest
    instance_ids: "{{ ansible_play_hosts | map('extract', hostvars, ['identity', 'instance_id']) | list }}"
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
instance_id:
  description: ID of the ECS instance the host is.
  returned: success
  type: str
  sample: i-bp67acfmxazb4p****
region_id:
  description: Region of the instance.
  returned: success
  type: str
  sample: cn-hangzhou
zone_id:
  description: Zone of the instance (V(null) when the service does not say).
  returned: success
  type: str
  sample: cn-hangzhou-h
metadata_mode:
  description: How the metadata service was read, V(token) (hardened mode) or V(tokenless) (normal mode).
  returned: success
  type: str
  sample: token
error:
  description: On failure, what went wrong.
  returned: failure
  type: dict
  contains:
    code:
      description: C(Metadata.Unreachable), C(Metadata.TokenRefused), C(Metadata.TokenlessRefused), C(Metadata.Disabled) or C(Metadata.InvalidResponse).
      type: str
    message:
      description: What happened.
      type: str
    http_status:
      description: HTTP status of the metadata service's answer, null when it did not answer.
      type: int
"""

import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError, AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule

METADATA_URL = 'http://100.100.100.200'
TOKEN_PATH = '/latest/api/token'
TTL_HEADER = 'X-aliyun-ecs-metadata-token-ttl-seconds'
TOKEN_HEADER = 'X-aliyun-ecs-metadata-token'
MAX_TOKEN_TTL = 21600
MAX_TIMEOUT = 5.0
ITEMS = {'instance_id': 'instance-id', 'region_id': 'region-id', 'zone_id': 'zone-id'}
INSTANCE_ID = re.compile(r'^i-[A-Za-z0-9-]+$')
REGION_ID = re.compile(r'^[a-z]{2,}(-[a-z0-9]+)+$')


def _error(code, message, status=None, action=None):
    return AlicloudApiError(code, message, status=status, product='metadata', action=action)


def _proxy_label(proxy):
    parts = urlsplit(proxy if '://' in proxy else 'http://' + proxy)
    return f'{parts.hostname}:{parts.port}' if parts.port else parts.hostname


def opener_for(proxy):
    """A urllib opener that goes through `proxy` only (never through a proxy of the environment)."""
    if proxy:
        proxy = proxy if '://' in proxy else 'http://' + proxy
        return urllib.request.build_opener(urllib.request.ProxyHandler({'http': proxy}))
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def urllib_send(opener, timeout):
    """The transport: (method, path, headers) -> (status, body text); raises OSError when nothing answered."""
    def send(method, path, headers):
        request = urllib.request.Request(METADATA_URL + path, method=method, headers=headers)
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode('utf-8', 'replace')
        except urllib.error.HTTPError as err:
            return err.code, ''
    return send


class IdentityReader:
    """Reads the instance id, region and zone; hardened mode (a token) first. `send` is the transport."""

    def __init__(self, send, *, token_ttl=60, allow_tokenless=False, where=''):
        self.send = send
        self.token_ttl = token_ttl
        self.allow_tokenless = allow_tokenless
        self.where = where
        self.token = None
        self.refusal = None

    def _request(self, method, path, headers, action):
        try:
            return self.send(method, path, headers)
        except OSError as exc:
            raise _error('Metadata.Unreachable', f'the instance metadata service 100.100.100.200{self.where} did not answer '
                         f'({type(exc).__name__}): is this host an ECS instance?', action=action) from None

    def fetch_token(self):
        try:
            status, body = self._request('PUT', TOKEN_PATH, {TTL_HEADER: str(self.token_ttl)}, 'PutToken')
        except AlicloudApiError as err:
            if not self.allow_tokenless:
                raise
            self.refusal = err.message
            return
        if status == 200 and body:
            self.token = body
            return
        if not self.allow_tokenless:
            raise _error('Metadata.TokenRefused', f'hardened mode is required (allow_tokenless is false) but the metadata service '
                         f'refused a token (HTTP {status}): its metadata service may be disabled (HttpEndpoint=disabled), or a '
                         'proxy in between added X-Forwarded-For', status=status, action='PutToken')
        self.refusal = f'the metadata service refused a token, HTTP {status}'

    def item(self, name):
        headers = {TOKEN_HEADER: self.token} if self.token else {}
        status, body = self._request('GET', '/latest/meta-data/' + name, headers, 'Get' + name)
        if status == 200 and body.strip():
            return body.strip()
        if status in (401, 403) and not self.token and self.refusal is not None:
            raise _error('Metadata.TokenlessRefused', 'tokenless access was refused: the instance requires hardened mode '
                         f'(HttpTokens=required), and no token could be used ({self.refusal})', status=status, action='Get' + name)
        if status == 403:
            raise _error('Metadata.Disabled', 'the metadata service of this instance refused to answer: it is disabled '
                         '(HttpEndpoint=disabled)', status=status, action='Get' + name)
        raise _error('Metadata.InvalidResponse', f'no {name} in the metadata service (HTTP {status})', status=status, action='Get' + name)

    def read(self):
        self.fetch_token()
        found = {key: self.item(name) for key, name in ITEMS.items() if key != 'zone_id'}
        try:
            found['zone_id'] = self.item(ITEMS['zone_id'])
        except AlicloudApiError:
            found['zone_id'] = None
        if not INSTANCE_ID.match(found['instance_id']) or not REGION_ID.match(found['region_id']):
            raise _error('Metadata.InvalidResponse', 'the metadata service did not give an ECS instance id (i-...) and region id',
                         status=200, action='GetIdentity')
        found['metadata_mode'] = 'token' if self.token else 'tokenless'
        return found


def run(module):
    params = module.params
    ttl = params['metadata_token_ttl']
    if not 1 <= ttl <= MAX_TOKEN_TTL:
        raise AlicloudParameterError('metadata_token_ttl', f'must be between 1 and {MAX_TOKEN_TTL} seconds', ttl)
    proxy = params['metadata_proxy']
    timeout = min(max(params['connect_timeout'] or 1.0, params['read_timeout'] or 1.0), MAX_TIMEOUT)
    reader = IdentityReader(urllib_send(opener_for(proxy), timeout), token_ttl=ttl, allow_tokenless=params['allow_tokenless'],
                            where=f' (through the proxy {_proxy_label(proxy)})' if proxy else '')
    found = reader.read()
    if reader.token:
        module.mask(reader.token)
    module.exit_json(changed=False, **found)


def main():
    AlicloudModule(argument_spec={
        'allow_tokenless': {'type': 'bool', 'default': False},
        'metadata_token_ttl': {'type': 'int', 'default': 60, 'no_log': False},
    }, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
