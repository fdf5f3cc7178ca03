# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""`AlicloudModule`: AnsibleModule plus the shared auth options, clients, masking and error handling.

Composition, not inheritance: a module talks to this wrapper, never to the AnsibleModule inside it.
"""

from __future__ import annotations

import traceback

from ._client import PRODUCTS, ClientFactory, describe_writes
from ._credentials import auth_argument_spec
from ._errors import AlicloudApiError, AlicloudError, AlicloudParameterError, redact, redact_error, secret_forms
from ._sdk import defer_unused_sdk_parts

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


class AlicloudModule:
    """AnsibleModule plus the shared auth options, clients and error handling (composition, not inheritance)."""

    def __init__(self, argument_spec=None, **kwargs):
        # pylint: disable=import-outside-toplevel
        from ansible.module_utils.basic import AnsibleModule, _load_params
        spec = auth_argument_spec()
        spec.update(argument_spec or {})
        kwargs.setdefault('supports_check_mode', True)
        args = _load_params()
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

    def mask(self, *values):
        """Mask each of `values` (as given) in everything the module returns or logs."""
        self.module.no_log_values.update(values)

    def _mask(self):
        for secret in self._factory.secrets():
            if len(secret) >= 4:
                self.mask(*secret_forms(secret))

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
