# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: instance_role_credentials_info
short_description: Read the RAM role of an ECS instance and its temporary credentials from the metadata service
version_added: 0.1.0
description:
  - B(Runs on the ECS instance itself) (a host of the inventory, not the controller). It asks the instance metadata
    service C(100.100.100.200) for the name of the RAM role bound to the instance and for the role's temporary STS
    credentials, the way the Alibaba Cloud SDKs do. It proves that the instance can act as its role with no AccessKey
    stored anywhere, and how long the current credentials remain valid.
  - Hardened mode is the default. A metadata token is requested first (C(PUT /latest/api/token)) and sent with every
    read. Tokenless (normal mode) access is used only when O(allow_tokenless=true) and no token could be obtained.
  - Returns the role name, the AccessKey ID, the expiration, the last update and the seconds left. The AccessKey
    secret and the security token are returned only when O(return_secrets=true); see the notes for how they are
    kept out of every output.
  - Failures say which of these happened, with a code in RV(error.code) (failure results only) and a message -
    C(Metadata.NoRoleBound) (no RAM role bound to this instance, or not the one named by O(role_name)),
    C(Metadata.Unreachable) (no answer within the timeouts, which the message names; not an ECS instance?),
    C(Metadata.TokenRefused) (hardened mode required but the service issued no token),
    C(Metadata.TokenlessRefused) (tokenless access allowed, but the instance enforces hardened mode, C(HttpTokens=required)).
  - Requests go to the metadata service directly (plain HTTP, port 80), or through O(metadata_proxy).
    Metadata requests use O(connect_timeout) and O(read_timeout), each capped at 5 seconds.
options:
  role_name:
    description:
      - Name of the RAM role expected on the instance. Default the role the metadata service reports
        (falling back to O(ecs_role_name) when that is set).
      - When set and the instance holds another role (or none), the module fails with C(Metadata.NoRoleBound).
    type: str
  return_secrets:
    description:
      - Also return the AccessKey secret and the security token in RV(credentials).
      - The whole task result is then censored in every output of Ansible (see the notes); C(register) still receives it.
    type: bool
    default: false
  allow_tokenless:
    description:
      - Allow normal (tokenless) metadata access when the metadata service does not issue a token.
      - With the default V(false) only hardened mode is used, and a refused token is a failure (C(Metadata.TokenRefused)).
      - An instance that enforces hardened mode (C(HttpTokens=required)) refuses tokenless access anyway (C(Metadata.TokenlessRefused)).
    type: bool
    default: false
  metadata_token_ttl:
    description:
      - Lifetime in seconds requested for the metadata token, 1 to 21600.
    type: int
    default: 21600
  wait_timeout:
    description:
      - Seconds to keep asking while the metadata service says that no RAM role (or not O(role_name)) is bound
        (C(Metadata.NoRoleBound)). Right after AttachInstanceRamRole the service may take a few seconds to serve the
        role (reference I(0b.15)). Pauses of 1, 2, 3, then 5 seconds between attempts.
      - V(0) (the default) asks once. The role role C(alicloud.instance_ram.kms_access) sets it (C(kms_access_verify_wait_timeout), default 60).
    type: int
    default: 0
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.info
notes:
  - Only O(metadata_proxy), O(connect_timeout), O(read_timeout) and O(ecs_role_name) of the shared options matter
    here; the others are accepted so that C(module_defaults) for C(group/alicloud.instance_ram.alicloud) apply.
  - "How the secrets are kept out of the output, precisely: with O(return_secrets=true) the action plugin of this module
    (it runs on the controller) marks the task result C(no_log). Every callback then receives only
    C({changed, censored: ...}): the screen at any verbosity including C(-vvvv), C(log_path) files and other callbacks.
    C(register) still receives the full result. The non-secret fields of that task are hidden too: run the module without
    O(return_secrets) to see them."
  - "Why the whole result: ansible-core 2.19 has no way to censor only some values of a task result. A module cannot
    set C(_ansible_no_log) in its result (the controller strips it with a warning), and values a module adds to its own
    C(no_log_values) are replaced by C(********) before the result leaves the host, so they could not be registered
    and used. Later tasks that show a registered secret (C(debug), an option without C(no_log)) need C(no_log: true)."
  - The metadata token itself is never returned. The secret and the token are never part of an error message.
  - C(async) is refused for this module, because an C(async_status) task would show the result uncensored.
seealso:
  - module: alicloud.instance_ram.kms_access_check
  - plugin: alicloud.instance_ram.kms_secret
    plugin_type: lookup
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Check that the instance holds its RAM role and that the credentials are fresh
  alicloud.instance_ram.instance_role_credentials_info:
  register: instance_role

- name: Require at least 30 minutes of validity
  ansible.builtin.assert:
    that:
      - instance_role.role_name == 'EcsRamRoleTest'
      - instance_role.credentials.seconds_left > 1800
      - instance_role.metadata_mode == 'token'

- name: Hand the temporary credentials to a tool (this task's result is censored in every output)
  alicloud.instance_ram.instance_role_credentials_info:
    return_secrets: true
  register: instance_role_secrets

- name: Write them for a tool that cannot read the metadata service itself
  ansible.builtin.copy:
    dest: /run/app/alibabacloud.env
    mode: "0600"
    content: |
      ALIBABA_CLOUD_ACCESS_KEY_ID={{ instance_role_secrets.credentials.access_key_id }}
      ALIBABA_CLOUD_ACCESS_KEY_SECRET={{ instance_role_secrets.credentials.access_key_secret }}
      ALIBABA_CLOUD_SECURITY_TOKEN={{ instance_role_secrets.credentials.security_token }}
  no_log: true
"""

RETURN = r"""
role_name:
  description: Name of the RAM role bound to the instance.
  returned: success
  type: str
  sample: EcsRamRoleTest
attempts:
  description: How many times the metadata service was asked (more than 1 when O(wait_timeout) waited for the role).
  returned: success
  type: int
  sample: 1
metadata_mode:
  description: How the metadata service was read, V(token) (hardened mode) or V(tokenless) (normal mode).
  returned: success
  type: str
  sample: token
credentials:
  description: The role's current temporary STS credentials.
  returned: success
  type: dict
  contains:
    access_key_id:
      description: Temporary AccessKey ID (starts with C(STS.)).
      type: str
      sample: STS.NUgYrLnoC37mZZCNnAbez2EZS
    access_key_secret:
      description: Temporary AccessKey secret.
      returned: when O(return_secrets=true)
      type: str
    security_token:
      description: Security token that goes with the temporary AccessKey.
      returned: when O(return_secrets=true)
      type: str
    expiration:
      description: When the credentials expire (UTC). The service offers new ones before that.
      type: str
      sample: '2026-11-28T04:17:19Z'
    last_updated:
      description: When the metadata service last renewed the credentials (UTC); null when it does not say.
      type: str
      sample: '2026-11-27T22:17:18Z'
    seconds_left:
      description: Seconds until RV(credentials.expiration), 0 once expired.
      type: int
      sample: 21540
error:
  description: On failure, what went wrong.
  returned: failure
  type: dict
  contains:
    code:
      description: C(Metadata.NoRoleBound), C(Metadata.Unreachable), C(Metadata.TokenRefused), C(Metadata.TokenlessRefused) or C(Metadata.InvalidResponse).
      type: str
    message:
      description: What happened, without any secret.
      type: str
    http_status:
      description: HTTP status of the metadata service's answer, null when it did not answer.
      type: int
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._imds import MAX_TOKEN_TTL, MetadataClient, MetadataError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._propagation import NO_ROLE_YET, still_after, until_propagated

SECRET_KEYS = ('access_key_secret', 'security_token')


def run(module):
    params = module.params
    ttl = params['metadata_token_ttl']
    if not 1 <= ttl <= MAX_TOKEN_TTL:
        raise AlicloudParameterError('metadata_token_ttl', f'must be between 1 and {MAX_TOKEN_TTL} seconds', ttl)
    if params['wait_timeout'] < 0:
        raise AlicloudParameterError('wait_timeout', 'must be 0 or more seconds', params['wait_timeout'])
    client = MetadataClient(params, token_ttl=ttl, allow_tokenless=params['allow_tokenless'])

    def attempt():
        try:
            return client.fetch(params['role_name'] or params['ecs_role_name']), None
        except MetadataError as err:
            if err.code != NO_ROLE_YET:
                raise
            return None, err

    try:
        (found, error), attempts = until_propagated(attempt, lambda outcome: outcome[1] is not None, params['wait_timeout'])
    finally:
        if client.token:
            module.mask(client.token)
    if error is not None:
        error.message += still_after(attempts, params['wait_timeout'])
        raise error
    role_name, credentials = found
    if not params['return_secrets']:
        for key in SECRET_KEYS:
            value = credentials.pop(key)
            if value:
                module.mask(value)
    module.exit_json(changed=False, role_name=role_name, metadata_mode=client.mode, credentials=credentials, attempts=attempts)


def main():
    AlicloudModule(argument_spec={
        'role_name': {'type': 'str'},
        'return_secrets': {'type': 'bool', 'default': False, 'no_log': False},
        'allow_tokenless': {'type': 'bool', 'default': False},
        'metadata_token_ttl': {'type': 'int', 'default': MAX_TOKEN_TTL, 'no_log': False},
        'wait_timeout': {'type': 'int', 'default': 0},
    }, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
