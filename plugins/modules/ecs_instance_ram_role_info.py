# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_instance_ram_role_info
short_description: Which RAM role each ECS instance holds, or which instances hold a RAM role
version_added: 0.1.0
description:
  - With O(instance_ids), returns the instance RAM role of each given instance, any number of them,
    in batches (DescribeInstanceRamRole, 50 ids a call, the documented limit, one page each, so ceil(N/50) calls).
  - With O(role_name) only, returns every instance of O(region_id) that holds that role (paged, 50 a call, read while
    a page is full). A role that ECS does not know (C(InvalidRamRole.NotFound)) is held by no instance, so the list is empty.
  - With both, returns the given instances that hold O(role_name) (and those that could not be read).
  - Role names are compared without regard to case, as ECS may report C(ecsramroletest) for C(EcsRamRoleTest).
  - An instance that cannot be read (not found, classic network) is returned with the API's code and
    message instead of a role; the module does not fail for it.
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
options:
  instance_ids:
    description:
      - IDs of the ECS instances. Duplicates are ignored; results keep the given order.
    type: list
    elements: str
  role_name:
    description:
      - Name of a RAM role. Alone, every instance holding it is returned; with O(instance_ids), only those holding it.
    type: str
    aliases: [ram_role_name]
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.concurrency
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.info
notes:
  - O(region_id) is required (option or environment variable).
seealso:
  - module: alicloud.instance_ram.ecs_instance_ram_role
  - module: alicloud.instance_ram.ecs_instance_info
"""

EXAMPLES = r"""
- name: The role of three instances
  alicloud.instance_ram.ecs_instance_ram_role_info:
    region_id: cn-hangzhou
    instance_ids: [i-bp1aaaa, i-bp1bbbb, i-bp1cccc]
  register: roles

- name: Every instance of the region that holds the KMS role
  alicloud.instance_ram.ecs_instance_ram_role_info:
    region_id: cn-hangzhou
    role_name: EcsRamRoleTest
  register: holders

- name: Their IDs
  ansible.builtin.debug:
    msg: "{{ holders.instance_ram_roles | map(attribute='instance_id') | list }}"
"""

RETURN = r"""
instance_ram_roles:
  description: One entry per instance.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: ID of the instance.
      type: str
      sample: i-bp67acfmxazb4p****
    role_name:
      description: The RAM role the instance holds; V(null) when it holds none or could not be read.
      type: str
      sample: EcsRamRoleTest
    code:
      description: When the instance could not be read, the API's error code; else V(null).
      type: str
      sample: InvalidInstanceId.NotFound
    message:
      description: When the instance could not be read, the API's message; else V(null).
      type: str
      sample: The specified instanceId does not exist
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs import MAX_CONCURRENCY_SPEC, max_concurrency, require_region, unique_ids
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs_binding import instance_role, instances_with_role, read_roles, same_role
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule


def run(module):
    params = module.params
    region_id = require_region(params)
    gate = max_concurrency(params)
    ecs = module.client('ecs')
    role_name = params['role_name']
    if params['instance_ids'] is None:
        found = [instance_role(iid, role_name) for iid in instances_with_role(ecs, region_id, role_name)]
    else:
        instance_ids = unique_ids(params['instance_ids'])
        roles, errors = read_roles(ecs, region_id, instance_ids, gate)
        found = [instance_role(iid, roles.get(iid), errors.get(iid)) for iid in instance_ids]
        if role_name is not None:
            found = [f for f in found if f['code'] or same_role(f['role_name'], role_name)]
    module.exit_json(changed=False, instance_ram_roles=found)


def main():
    AlicloudModule(
        argument_spec={
            'instance_ids': {'type': 'list', 'elements': 'str'},
            'role_name': {'type': 'str', 'aliases': ['ram_role_name']},
            'max_concurrency': MAX_CONCURRENCY_SPEC,
        },
        required_one_of=[('instance_ids', 'role_name')],
        supports_check_mode=True,
    ).run(run)


if __name__ == '__main__':
    main()
