# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: kms_secret
short_description: Read the value of a KMS secret with any credential source, the instance RAM role included
version_added: 0.1.0
description:
  - Returns the value (C(SecretData)) of each secret named in the terms, read with the KMS API GetSecretValue.
    A V(binary) secret is returned as KMS returns it, base64-encoded.
  - Like every lookup it runs where Ansible templates, on the controller. On a controller that runs on an ECS
    instance with a RAM role, no key is needed - with none of the credential options or variables set,
    the credential chain ends with the role's temporary credentials from the metadata service (hardened mode).
    The same chain serves application code (alibabacloud-credentials' default provider).
  - Credentials are resolved exactly as by the modules of this collection, first match wins - O(access_key_id) and
    O(access_key_secret) (and O(security_token)), O(profile), O(ecs_role_name), the environment keys
    E(ALIBABA_CLOUD_ACCESS_KEY_ID)/E(ALIBABA_CLOUD_ACCESS_KEY_SECRET)/E(ALIBABA_CLOUD_SECURITY_TOKEN) (then
    E(ALICLOUD_ACCESS_KEY)/E(ALICLOUD_SECRET_KEY)/E(ALICLOUD_SECURITY_TOKEN)), E(ALIBABA_CLOUD_PROFILE)
    (then E(ALICLOUD_PROFILE)), E(ALIBABA_CLOUD_ECS_METADATA) (then E(ALICLOUD_ECS_ROLE_NAME)), then the default chain
    (CLI profile, credentials INI file, instance role). O(assume_role_arn) applies on top of any of them.
  - The plugin never displays or logs a value, nor puts it in an error message. Ansible itself shows what a task
    shows - give C(no_log=true) to every task whose arguments or result contain the value (C(set_fact), C(debug),
    C(copy) with C(content), a module option not declared C(no_log)).
  - Temporary credentials that KMS declares expired (C(InvalidSecurityToken.Expired)) are fetched again once.
options:
  _terms:
    description: Names of the secrets.
    type: list
    elements: str
    required: true
  version_stage:
    description: Version stage to read; default the current version (C(ACSCurrent)).
    type: str
  version_id:
    description: Version id to read instead of a stage.
    type: str
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.auth.plugins
notes:
  - Needs the Python packages alibabacloud-credentials, alibabacloud-tea-openapi and alibabacloud-kms20160120 on the controller.
seealso:
  - module: alicloud.instance_ram.kms_access_check
  - module: alicloud.instance_ram.instance_role_credentials_info
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Render the application's configuration with the database password (the task's arguments hold it, hence no_log)
  ansible.builtin.template:
    src: app.conf.j2
    dest: /etc/app/app.conf
    mode: "0600"
  vars:
    db_password: "{{ lookup('alicloud.instance_ram.kms_secret', 'db-password', region_id='cn-hangzhou') }}"
  no_log: true

- name: Keep it in a fact for later tasks (no_log hides the fact in this task's output)
  ansible.builtin.set_fact:
    api_token: "{{ lookup('alicloud.instance_ram.kms_secret', 'api-token', region_id='cn-hangzhou', version_stage='ACSCurrent') }}"
  no_log: true

- name: Several secrets at once, a list of values in the same order
  ansible.builtin.set_fact:
    app_secrets: "{{ query('alicloud.instance_ram.kms_secret', 'db-password', 'api-token', region_id='cn-hangzhou') }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description: The value of each secret, in the order of the terms.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudError, redact
from ansible_collections.alicloud.instance_ram.plugins.module_utils._kms import get_secret_value
from ansible_collections.alicloud.instance_ram.plugins.plugin_utils._base import client_factory, quiet_credentials

display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        with quiet_credentials():
            return self._read(client_factory(self), terms)

    def _read(self, factory, terms):
        values = []
        for name in terms:
            try:
                body = get_secret_value(factory.client('kms'), name, self.get_option('version_stage'), self.get_option('version_id'))
            except ImportError as exc:
                raise AnsibleLookupError('kms_secret needs the Python packages alibabacloud-credentials, alibabacloud-tea-openapi '
                                         f'and alibabacloud-kms20160120 on the controller: {exc}') from None
            except AlicloudError as err:
                raise AnsibleLookupError(f'kms_secret: cannot read the secret {name!r}: {redact(str(err), factory.secrets())}') from None
            display.vvvv(f"kms_secret: read version {body.get('VersionId')} of the secret {name!r}")
            values.append(body.get('SecretData'))
        return values
