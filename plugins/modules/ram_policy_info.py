# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_policy_info
short_description: Read Alibaba Cloud RAM policies, system and custom
version_added: 0.1.0
description:
  - Returns the policies of one name, the policies whose name starts with a prefix, or every policy
    (ListPolicies, paged with C(Marker) 1000 policies at a time), of one type or both.
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
options:
  name:
    description:
      - Exact name of a policy. Both types are looked up unless O(policy_type) is set (a system and a custom
        policy may share a name). No match returns an empty list.
    type: str
    aliases: [policy_name]
  name_prefix:
    description:
      - Only policies whose name starts with this text (case-sensitive).
      - With neither O(name) nor O(name_prefix), every policy of O(policy_type) is returned.
    type: str
  policy_type:
    description:
      - Only policies of this type. Not set means both.
    type: str
    choices: [System, Custom]
  include_document:
    description:
      - Return each policy's default document when listing by prefix or all (one GetPolicy call per policy;
        ListPolicies does not return it). A policy read by O(name) always includes it.
    type: bool
    default: false
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.info
seealso:
  - module: alicloud.instance_ram.ram_policy
"""

EXAMPLES = r"""
- name: One custom policy with its document
  alicloud.instance_ram.ram_policy_info:
    name: app-db-secret-read
    policy_type: Custom
  register: found

- name: The KMS system policies
  alicloud.instance_ram.ram_policy_info:
    name_prefix: AliyunKMS
    policy_type: System
"""

RETURN = r"""
policies:
  description: The matching policies, system before custom, each sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    policy_name:
      description: Name of the policy.
      type: str
      sample: AliyunKMSCryptoUserAccess
    policy_type:
      description: C(System) or C(Custom).
      type: str
      sample: System
    description:
      description: Description of the policy (empty when it has none).
      type: str
      sample: Provides permissions to use KMS keys for cryptographic operations.
    default_version:
      description: ID of the default version.
      type: str
      sample: v1
    policy_document:
      description: The document of the default version as a dict; V(null) when listed without O(include_document).
      type: dict
      sample: {"Statement": [{"Action": ["kms:Encrypt", "kms:Decrypt"], "Effect": "Allow", "Resource": ["*"]}], "Version": "1"}
    attachment_count:
      description: Number of roles, users and groups the policy is attached to.
      type: int
      sample: 2
    create_date:
      description: Creation time (UTC).
      type: str
      sample: "2026-11-27T10:00:00Z"
    update_date:
      description: Time of the last update (UTC).
      type: str
      sample: "2026-11-27T10:00:00Z"
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ram import (
    POLICY_TYPES,
    check_policy_name,
    list_policies,
    normalize_ram_policy,
    read_policy,
)


def run(module):
    p = module.params
    ram = module.client('ram')
    types = [p['policy_type']] if p['policy_type'] else list(POLICY_TYPES)
    if p['name'] is not None:
        name = check_policy_name(p['name'])
        found = [read_policy(ram, t, name) for t in types]
    else:
        found = [normalize_ram_policy(e) for e in list_policies(ram, p['policy_type'], p['name_prefix'])]
        if p['include_document']:
            found = [read_policy(ram, e['policy_type'], e['policy_name']) for e in found]
    policies = sorted((x for x in found if x is not None), key=lambda x: (POLICY_TYPES.index(x['policy_type']), x['policy_name']))
    module.exit_json(changed=False, policies=policies)


def main():
    AlicloudModule(
        argument_spec={
            'name': {'type': 'str', 'aliases': ['policy_name']},
            'name_prefix': {'type': 'str'},
            'policy_type': {'type': 'str', 'choices': list(POLICY_TYPES)},
            'include_document': {'type': 'bool', 'default': False},
        },
        mutually_exclusive=[('name', 'name_prefix')],
        supports_check_mode=True,
    ).run(run)


if __name__ == '__main__':
    main()
