# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This plugin_utils file is private to the collection: its API may change at any time.
"""What every lookup and inventory plugin of the collection shares with the modules.

The options are those of the `alicloud.instance_ram.auth.plugins` doc fragment (the modules' options, with
`env:` entries); this file turns them into the params of module_utils' ClientFactory, maps its errors to a
plugin's error text, and keeps the credentials library quiet while a plugin runs. No SDK is imported here.
"""

from __future__ import annotations

import contextlib
import logging

from ansible_collections.alicloud.instance_ram.plugins.module_utils._client import ClientFactory
from ansible_collections.alicloud.instance_ram.plugins.module_utils._credentials import _CREDENTIAL_OPTIONS, auth_argument_spec
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudError, redact

# the options of the fragment, in the order of the modules' argument spec
AUTH_OPTIONS = tuple(auth_argument_spec())
SDK_PACKAGES = 'alibabacloud-credentials, alibabacloud-tea-openapi and {sdk}'


@contextlib.contextmanager
def quiet_credentials():
    """Keep alibabacloud-credentials from writing its own warnings to the controller's stderr (our error says what failed)."""
    logger = logging.getLogger('credentials')
    drop_all = logging.Filter('no record has this name')
    logger.addFilter(drop_all)
    try:
        yield
    finally:
        logger.removeFilter(drop_all)


def auth_params(plugin):
    """{option: value} of the shared options, from a plugin whose options are set.

    A credential option whose value came from an environment variable is left unset: resolve_credential_source
    reads those variables itself, after every credential option, so that an explicit profile beats an
    AccessKey of the environment exactly as in the modules.
    """
    params = {}
    for option in AUTH_OPTIONS:
        value, origin = plugin.get_option_and_origin(option)
        if option in _CREDENTIAL_OPTIONS and str(origin).startswith('env:'):
            value = None
        params[option] = value
    return params


def client_factory(plugin, policy=None, **overrides):
    """A ClientFactory for the plugin's options (`overrides` replace some of them, e.g. another region_id)."""
    return ClientFactory(dict(auth_params(plugin), **overrides), policy=policy)


def missing_sdk(plugin_name, sdk, exc):
    return f'{plugin_name} needs the Python packages {SDK_PACKAGES.format(sdk=sdk)} on the controller: {exc}'


def error_text(err, factory, what=None):
    """An AlicloudError as a plugin shows it: what failed, the API code, request id and status, no secret."""
    return redact(f'{what}: {err}' if what else str(err), factory.secrets() if factory is not None else [])


__all__ = ['AUTH_OPTIONS', 'AlicloudError', 'auth_params', 'client_factory', 'error_text', 'missing_sdk', 'quiet_credentials']
