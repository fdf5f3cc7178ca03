# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""Where a request goes and how: the collection's user agent, endpoint options, NO_PROXY and the proxies Tea sees.

Shared by the API clients (`_client`), the credentials providers (`_credentials`) and the metadata service
client (`_imds`); imports no SDK at module level.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import threading
from urllib.parse import urlsplit
from urllib.request import proxy_bypass_environment

from ._errors import AlicloudParameterError

COLLECTION_VERSION = '0.1.0'
USER_AGENT = f'AnsibleCollection/alicloud.instance_ram-{COLLECTION_VERSION}'


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
