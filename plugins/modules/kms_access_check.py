# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: kms_access_check
short_description: Prove that the current credentials can use KMS - list keys, encrypt and decrypt, read a secret
version_added: 0.1.0
description:
  - Runs the KMS checks chosen in O(checks) with the credentials of the shared options and reports, per check, whether
    it passed and, when it did not, the KMS error code (for example C(Forbidden.NoPermission) for a denial).
  - B(Where it runs and why.) On an ECS instance (a host of the inventory) it uses the instance's RAM role by
    default. With no key given, the credential chain ends with the role's temporary credentials from the metadata
    service (hardened mode). That proves the last step of the guide, an instance reaching KMS with no AccessKey
    stored anywhere. It also runs anywhere else (for example on the controller) with any credential source of the
    collection, to check a role assumed with O(assume_role_arn) or a RAM user's keys.
  - Nothing is changed in KMS; the module runs the same way in check mode.
  - Temporary credentials that the service declares expired during the run (C(InvalidSecurityToken.Expired)) are
    fetched again from their source once, and the call is retried.
  - With O(metadata_credentials=true) one run of this module verifies an instance end to end, as
    M(alicloud.instance_ram.instance_role_credentials_info) followed by this module would, in one module process (one
    Python start-up a host instead of two, and one metadata read instead of two). The role's temporary credentials
    are read from the metadata service of the instance (hardened mode), reported like
    M(alicloud.instance_ram.instance_role_credentials_info) reports them (RV(role_name), RV(metadata_mode),
    RV(credentials), never the secret nor the token), then the checks run with them. The role
    C(alicloud.instance_ram.kms_access) verifies each host this way.
options:
  checks:
    description:
      - The checks to run, in this order.
      - V(list_keys) calls ListKeys.
      - V(encrypt_decrypt) encrypts a random sample with O(key_id), decrypts it and compares (Encrypt, Decrypt).
      - V(get_secret) reads the current value of O(secret_name) (GetSecretValue). The value is never returned.
    type: list
    elements: str
    choices: [list_keys, encrypt_decrypt, get_secret]
    default: [list_keys]
  key_id:
    description:
      - Key for V(encrypt_decrypt), as a key id, an alias (C(alias/...)) or an ARN. Required by that check.
    type: str
  secret_name:
    description:
      - Secret for V(get_secret). Required by that check.
    type: str
  fail_on_failure:
    description:
      - Fail the task when any check fails (after running every check), naming each failed check and its code.
      - With V(false) the results are only reported, and RV(passed) says whether all checks passed.
    type: bool
    default: true
  metadata_credentials:
    description:
      - Take the credentials from the metadata service of the instance this module runs on, with the collection's own
        metadata client (hardened mode, a token first), and also return what
        M(alicloud.instance_ram.instance_role_credentials_info) returns without
        O(alicloud.instance_ram.instance_role_credentials_info#module:return_secrets) - RV(role_name), RV(metadata_mode),
        RV(credentials).
      - The role read is O(ecs_role_name) when set, else the one the metadata service reports. Only O(metadata_proxy),
        O(connect_timeout) and O(read_timeout) (each capped at 5 seconds for the metadata requests) of the shared
        options reach the metadata service, and no key of the environment or of a profile can stand in for the
        instance role. Setting O(access_key_id), O(access_key_secret), O(security_token), O(profile) or
        O(assume_role_arn) as well is an error (an empty string is not set).
      - A failure of the metadata service fails the task before any KMS call, whatever O(fail_on_failure) says, with
        the code and message of M(alicloud.instance_ram.instance_role_credentials_info) in RV(error) (for example
        C(Metadata.NoRoleBound), C(Metadata.Unreachable), C(Metadata.TokenRefused)).
      - With V(false) (the default) the credentials come from the shared options, the environment or the default
        chain, as for every module of the collection.
    type: bool
    default: false
    version_added: 0.2.0
  wait_timeout:
    description:
      - Seconds to keep trying while the answers are those of a change that has not propagated yet (reference
        I(0b.15)) - the metadata service says no RAM role is bound (C(Metadata.NoRoleBound), right after
        AttachInstanceRamRole), or a check is denied (C(Forbidden.NoPermission), right after a policy was attached
        to the role). Pauses of 1, 2, 3, then 5 seconds between attempts; the last answer is reported when the time runs out.
      - V(0) (the default) tries once. The role role C(alicloud.instance_ram.kms_access) sets it (C(kms_access_verify_wait_timeout), default 60).
      - With O(metadata_credentials=true) the time covers both waits, the role not served yet and then the denials; the
        metadata service is asked again only while it serves no role. A role still not served when the time runs out
        fails the task, its message naming the attempts.
    type: int
    default: 0
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.info
notes:
  - Needs O(region_id) (or O(kms_endpoint)). Inside a VPC without internet access use the VPC endpoint,
    O(kms_endpoint=kms-vpc.<region>.aliyuncs.com).
  - When no credentials can be obtained at all the module fails before any check. If the source was the instance
    role, the message says why the metadata service gave none (no role bound, unreachable, token refused).
seealso:
  - module: alicloud.instance_ram.instance_role_credentials_info
  - plugin: alicloud.instance_ram.kms_secret
    plugin_type: lookup
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: On every instance of the fleet, prove the RAM role reaches KMS (no key given - the instance role is used)
  alicloud.instance_ram.kms_access_check:
    region_id: cn-hangzhou
    checks: [list_keys, encrypt_decrypt, get_secret]
    key_id: alias/app-key
    secret_name: db-password

- name: Report without failing, then decide
  alicloud.instance_ram.kms_access_check:
    region_id: cn-hangzhou
    checks: [encrypt_decrypt, get_secret]
    key_id: alias/app-key
    secret_name: db-password
    fail_on_failure: false
  register: kms_access

- name: One module run per instance - the role's temporary credentials from its metadata service, then KMS with them
  alicloud.instance_ram.kms_access_check:
    metadata_credentials: true
    ecs_role_name: EcsRamRoleTest
    region_id: cn-hangzhou
    checks: [encrypt_decrypt]
    key_id: alias/app-key
    fail_on_failure: false
  register: instance_check

- name: The role, hardened mode, credentials valid for at least 30 minutes, and KMS reached with them
  ansible.builtin.assert:
    that:
      - instance_check.passed
      - instance_check.role_name == 'EcsRamRoleTest' and instance_check.metadata_mode == 'token'
      - instance_check.credentials.seconds_left > 1800

- name: A crypto-only role must not read secrets
  ansible.builtin.assert:
    that:
      - kms_access.checks.encrypt_decrypt.passed
      - kms_access.checks.get_secret.code == 'Forbidden.NoPermission'
"""

RETURN = r"""
passed:
  description: Whether every check passed.
  returned: success, and on failure of a check
  type: bool
  sample: false
attempts:
  description: How many times the checks ran (more than 1 when O(wait_timeout) waited out propagation).
  returned: success
  type: int
  sample: 1
failed_checks:
  description: Names of the checks that did not pass.
  returned: success, and on failure of a check
  type: list
  elements: str
  sample: [get_secret]
credential_provider:
  description:
    - The provider the credentials came from, for example V(ecs_ram_role) (the instance role), V(static_ak), V(ram_role_arn).
  returned: success, and on failure of a check
  type: str
  sample: ecs_ram_role
role_name:
  description: With O(metadata_credentials=true), the RAM role of the instance whose credentials the checks used.
  returned: success, and on failure of a check, with O(metadata_credentials=true)
  type: str
  sample: EcsRamRoleTest
  version_added: 0.2.0
metadata_mode:
  description: With O(metadata_credentials=true), how the metadata service was read, V(token) (hardened mode).
  returned: success, and on failure of a check, with O(metadata_credentials=true)
  type: str
  sample: token
  version_added: 0.2.0
credentials:
  description:
    - With O(metadata_credentials=true), the role's temporary credentials the checks used (the last ones read, when
      an expired token made the module read them again), as M(alicloud.instance_ram.instance_role_credentials_info)
      returns them without O(alicloud.instance_ram.instance_role_credentials_info#module:return_secrets).
    - The AccessKey secret and the security token are never returned, and are masked in every output.
  returned: success, and on failure of a check, with O(metadata_credentials=true)
  type: dict
  version_added: 0.2.0
  contains:
    access_key_id:
      description: Temporary AccessKey ID (starts with C(STS.)).
      type: str
      sample: STS.NUgYrLnoC37mZZCNnAbez2EZS
    expiration:
      description: When the credentials expire (UTC).
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
  description:
    - With O(metadata_credentials=true), when the metadata service gave no credentials, what went wrong, as
      M(alicloud.instance_ram.instance_role_credentials_info) reports it.
  returned: failure
  type: dict
  version_added: 0.2.0
  contains:
    code:
      description: C(Metadata.NoRoleBound), C(Metadata.Unreachable), C(Metadata.TokenRefused), C(Metadata.ServerError) or C(Metadata.InvalidResponse).
      type: str
    message:
      description: What happened, without any secret.
      type: str
    http_status:
      description: HTTP status of the metadata service's answer, null when it did not answer.
      type: int
checks:
  description: One entry per check run, by check name.
  returned: success, and on failure of a check
  type: dict
  contains:
    passed:
      description: Whether the check passed.
      type: bool
    code:
      description: The KMS error code of a failed check, for example C(Forbidden.NoPermission) or C(Forbidden.KeyNotFound); null when it passed.
      type: str
    message:
      description: The service's message of a failed check; null when it passed.
      type: str
    http_status:
      description: HTTP status of a failed check; null when it passed or the service was not reached.
      type: int
    request_id:
      description: Request id of the failed call, for Alibaba Cloud support.
      type: str
    action:
      description: The KMS action that failed (C(ListKeys), C(Encrypt), C(Decrypt), C(GetSecretValue)).
      type: str
    key_count:
      description: V(list_keys) - number of keys visible.
      type: int
      returned: when V(list_keys) passed
    key_id:
      description: V(encrypt_decrypt) - id of the key that encrypted.
      type: str
      returned: when V(encrypt_decrypt) passed
    key_version_id:
      description: V(encrypt_decrypt) - key version that encrypted.
      type: str
      returned: when V(encrypt_decrypt) passed
    secret_name:
      description: V(get_secret) - name of the secret read.
      type: str
      returned: when V(get_secret) passed
    version_id:
      description: V(get_secret) - version read.
      type: str
      returned: when V(get_secret) passed
    version_stages:
      description: V(get_secret) - stages of that version, for example C(ACSCurrent).
      type: list
      elements: str
      returned: when V(get_secret) passed
    secret_data_type:
      description: V(get_secret) - V(text) or V(binary).
      type: str
      returned: when V(get_secret) passed
    has_value:
      description: V(get_secret) - whether the secret has a non-empty value (the value itself is never returned).
      type: bool
      returned: when V(get_secret) passed
  sample:
    list_keys: {passed: true, code: null, message: null, http_status: null, request_id: null, action: null, key_count: 2}
    get_secret:
      passed: false
      code: Forbidden.NoPermission
      message: This operation is forbidden by permission system.
      http_status: 403
      request_id: 5D2A4B0C-0E0A-4C11-8F1F-4E6C5C7A2B11
      action: GetSecretValue
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._credentials import resolve_credential_source
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import (
    AlicloudApiError, AlicloudError, AlicloudParameterError, secret_forms)
from ansible_collections.alicloud.instance_ram.plugins.module_utils._imds import MetadataClient, MetadataCredentialsProvider, MetadataError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._kms import CHECKS, run_checks
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._propagation import DENIED_YET, NO_ROLE_YET, still_after, until_propagated

REQUIRED_INPUT = {'encrypt_decrypt': 'key_id', 'get_secret': 'secret_name'}
# the options of another credential source than the instance role: refused with metadata_credentials
OTHER_SOURCES = ('access_key_id', 'access_key_secret', 'security_token', 'profile', 'assume_role_arn')
SECRET_KEYS = ('access_key_secret', 'security_token')


def validate(params):
    """The checks to run, without repeats; raises when a check lacks its input."""
    checks = list(dict.fromkeys(params['checks']))
    if not checks:
        raise AlicloudParameterError('checks', 'name at least one check')
    for check in checks:
        option = REQUIRED_INPUT.get(check)
        if option and not params[option]:
            raise AlicloudParameterError(option, f'is required by the {check} check')
    return checks


def explain_missing_credentials(params, err):
    """When the instance role was (or, at the end of the default chain, may have been) the source, ask the metadata service why it gave nothing."""
    source = resolve_credential_source(params)
    if source['kind'] not in ('ecs_ram_role', 'default_chain'):
        return err
    try:
        MetadataClient(params).fetch(source.get('role_name'))
    except AlicloudApiError as reason:
        return AlicloudApiError(reason.code, f'no credentials for KMS - the instance metadata service says: {reason.message}; {err.message}',
                                status=reason.status, product='metadata', action=reason.action)
    return err


def _still_propagating(outcome):
    """True for the answers of a binding or policy attachment that may not have propagated yet (reference 0b.15)."""
    credential, results, error = outcome
    if error is not None:
        return error.code == NO_ROLE_YET
    return any(r['code'] in DENIED_YET for r in results.values())


def _report(module, checks, outcome, attempts, **extra):
    """Exit with the result of the checks (fail, naming each failed check, when asked to)."""
    credential, results = outcome[:2]
    failed = [name for name, check in results.items() if not check['passed']]
    result = {'changed': False, 'passed': not failed, 'failed_checks': failed, 'checks': results,
              'credential_provider': credential.provider_name, 'attempts': attempts, **extra}
    if failed and module.params['fail_on_failure']:
        detail = ', '.join(f"{name} ({results[name]['code']})" for name in failed)
        module.fail_json(msg=f'KMS access check failed: {detail}', **result)
    module.exit_json(**result)


class InstanceRole:
    """The instance role's credentials from the metadata service, read once for the report and for signing.

    Every secret read (the AccessKey secret, the security token, the metadata token) is masked in the module's output
    the moment it is read.
    """

    def __init__(self, module):
        self.module = module
        self.client = MetadataClient(module.params)
        self.name = module.params['ecs_role_name'] or None
        self.credentials = None

    def _mask(self, value):
        if value:
            self.module.mask(*secret_forms(value))

    def fetch(self):
        """Read the role's credentials (again); raises MetadataError."""
        try:
            self.name, self.credentials = self.client.fetch(self.name)
        finally:
            self._mask(self.client.token)
        for key in SECRET_KEYS:
            self._mask(self.credentials[key])
        return self.credentials

    def sign_with_it(self):
        """Make the module's API clients sign with these credentials (and read them again when they expire)."""
        first = [self.credentials]
        self.module.use_credentials_provider(lambda: MetadataCredentialsProvider(self.fetch, first.pop() if first else None))

    def report(self):
        public = {key: value for key, value in self.credentials.items() if key not in SECRET_KEYS}
        return {'role_name': self.name, 'metadata_mode': self.client.mode, 'credentials': public}


def run_with_metadata(module, checks):
    """metadata_credentials: the role's credentials from the metadata service (as instance_role_credentials_info), then the checks."""
    params = module.params
    given = [option for option in OTHER_SOURCES if params.get(option)]
    if given:
        raise AlicloudParameterError('metadata_credentials', 'takes the credentials from the metadata service of the instance; '
                                     f"do not set {', '.join(given)} with it")
    role = InstanceRole(module)

    def attempt():
        if role.credentials is None:
            try:
                role.fetch()
            except MetadataError as err:
                if err.code != NO_ROLE_YET:
                    raise
                return None, None, err
            role.sign_with_it()
        return module.credential(), run_checks(module.client('kms'), checks, key_id=params['key_id'], secret_name=params['secret_name']), None

    try:
        outcome, attempts = until_propagated(attempt, _still_propagating, params['wait_timeout'])
    except AlicloudError as err:
        if role.credentials is None:
            raise
        module.fail_error(err, **role.report())
    error = outcome[2]
    if error is not None:
        error.message += still_after(attempts, params['wait_timeout'])
        raise error
    _report(module, checks, outcome, attempts, **role.report())


def run(module):
    params = module.params
    checks = validate(params)
    if params['wait_timeout'] < 0:
        raise AlicloudParameterError('wait_timeout', 'must be 0 or more seconds', params['wait_timeout'])
    if params['metadata_credentials']:
        run_with_metadata(module, checks)
        return

    def attempt():
        try:
            credential = module.credential()
        except AlicloudApiError as err:
            return None, None, explain_missing_credentials(params, err)
        return credential, run_checks(module.client('kms'), checks, key_id=params['key_id'], secret_name=params['secret_name']), None

    outcome, attempts = until_propagated(attempt, _still_propagating, params['wait_timeout'])
    if outcome[2] is not None:
        raise outcome[2]
    _report(module, checks, outcome, attempts)


def main():
    AlicloudModule(argument_spec={
        'checks': {'type': 'list', 'elements': 'str', 'choices': list(CHECKS), 'default': ['list_keys']},
        'key_id': {'type': 'str', 'no_log': False},
        'secret_name': {'type': 'str'},
        'fail_on_failure': {'type': 'bool', 'default': True},
        'metadata_credentials': {'type': 'bool', 'default': False},
        'wait_timeout': {'type': 'int', 'default': 0},
    }, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
