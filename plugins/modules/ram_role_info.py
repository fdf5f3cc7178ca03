# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_role_info
short_description: Read Alibaba Cloud RAM roles, their attached policies and the ECS instances using them
version_added: 0.1.0
description:
  - Returns one role by exact name, the roles whose name starts with a prefix, or every role of the account
    (ListRoles, paged with C(Marker) 1000 roles at a time).
  - For each role, optionally its attached policies, its trust policy, and the ECS instances of O(region_id) that use it.
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
options:
  name:
    description:
      - Exact name of a role. No match returns an empty list.
    type: str
    aliases: [role_name]
  name_prefix:
    description:
      - Only roles whose name starts with this text (case-sensitive).
      - With neither O(name) nor O(name_prefix), every role is returned.
    type: str
  include_policies:
    description:
      - Return each role's attached policies (one ListPoliciesForRole call per role).
    type: bool
    default: true
  include_trust_policy:
    description:
      - Return each role's trust policy when listing by prefix or all (one GetRole call per role; ListRoles does not return it).
      - A role read by O(name) always includes it.
    type: bool
    default: false
  include_instances:
    description:
      - Return the IDs of the ECS instances in O(region_id) that use each role (DescribeInstanceRamRole, paged).
    type: bool
    default: false
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.info
seealso:
  - module: alicloud.instance_ram.ram_role
"""

EXAMPLES = r"""
- name: One role with its policies and the instances that use it
  alicloud.instance_ram.ram_role_info:
    name: EcsRamRoleTest
    include_instances: true
    region_id: cn-hangzhou
  register: found

- name: Every role of the application, without the per-role policy calls
  alicloud.instance_ram.ram_role_info:
    name_prefix: app-
    include_policies: false
"""

RETURN = r"""
roles:
  description: The matching roles, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    role_name:
      description: Name of the role.
      type: str
      sample: EcsRamRoleTest
    role_id:
      description: ID of the role.
      type: str
      sample: "901234567890123456"
    arn:
      description: ARN of the role.
      type: str
      sample: acs:ram::1234567890123456:role/EcsRamRoleTest
    description:
      description: Description of the role (empty when it has none).
      type: str
      sample: Lets the application on ECS read its secrets from KMS
    assume_role_policy_document:
      description: The trust policy as a dict; V(null) when listed without O(include_trust_policy).
      type: dict
      sample: {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}], "Version": "1"}
    max_session_duration:
      description: Maximum session duration in seconds.
      type: int
      sample: 3600
    create_date:
      description: Creation time (UTC).
      type: str
      sample: "2026-11-27T10:00:00Z"
    update_date:
      description: Time of the last update (UTC).
      type: str
      sample: "2026-11-27T10:00:00Z"
    policies:
      description: The attached policies, sorted by name then type, as C(name)/C(type) dicts.
      returned: when O(include_policies=true)
      type: list
      elements: dict
      sample: [{"name": "AliyunKMSCryptoUserAccess", "type": "System"}]
    instance_ids:
      description: IDs of the ECS instances in O(region_id) that use the role, sorted.
      returned: when O(include_instances=true)
      type: list
      elements: str
      sample: ["i-bp67acfmxazb4p0001"]
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs_binding import instances_with_role
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ram import (
    check_role_name,
    describe_role,
    get_role,
    list_roles,
)


def describe(module, ram, raw):
    """The normalised role with what was asked for; None when the role vanished meanwhile."""
    p = module.params
    role = describe_role(ram, raw, trust=p['include_trust_policy'], policies=p['include_policies'])
    if role is not None and p['include_instances']:
        role['instance_ids'] = sorted(instances_with_role(module.client('ecs'), p['region_id'], role['role_name']))
    return role


def run(module):
    p = module.params
    if p['include_instances'] and not p['region_id']:
        raise AlicloudParameterError('region_id', 'is required with include_instances=true')
    ram = module.client('ram')
    if p['name'] is not None:
        raw = get_role(ram, check_role_name(p['name']))
        raws = [raw] if raw else []
    else:
        raws = list_roles(ram, p['name_prefix'])
    roles = [role for role in (describe(module, ram, raw) for raw in raws) if role is not None]
    module.exit_json(changed=False, roles=sorted(roles, key=lambda r: r['role_name']))


def main():
    AlicloudModule(
        argument_spec={
            'name': {'type': 'str', 'aliases': ['role_name']},
            'name_prefix': {'type': 'str'},
            'include_policies': {'type': 'bool', 'default': True},
            'include_trust_policy': {'type': 'bool', 'default': False},
            'include_instances': {'type': 'bool', 'default': False},
        },
        mutually_exclusive=[('name', 'name_prefix')],
        supports_check_mode=True,
    ).run(run)


if __name__ == '__main__':
    main()
