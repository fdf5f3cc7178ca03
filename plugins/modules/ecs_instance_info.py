# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_instance_info
short_description: Find ECS instances by IDs, name, tags or VPC, with their RAM role
version_added: 0.1.0
description:
  - Returns the ECS instances of O(region_id) that match every given filter, to feed
    M(alicloud.instance_ram.ecs_instance_ram_role).
  - Paged (DescribeInstances, 100 a page, and 100 IDs a call for O(instance_ids)). The RAM role of the
    VPC instances found is read in batches too (DescribeInstanceRamRole, 50 a page); classic-network
    instances cannot hold a role and cost no read.
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
options:
  instance_ids:
    description:
      - IDs of instances, any number. IDs that do not exist are left out of the result.
    type: list
    elements: str
  name:
    description:
      - Instance name (InstanceName filter of DescribeInstances; Alibaba Cloud accepts C(*) as a wildcard).
    type: str
  tags:
    description:
      - Tags every returned instance must have.
    type: dict
  vpc_id:
    description:
      - VPC of the instances.
    type: str
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.concurrency
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.info
notes:
  - O(region_id) is required (option or environment variable).
  - Without any filter, every instance of the region is returned.
seealso:
  - module: alicloud.instance_ram.ecs_instance
  - module: alicloud.instance_ram.ecs_instance_ram_role
  - module: alicloud.instance_ram.ecs_instance_ram_role_info
"""

EXAMPLES = r"""
- name: The instances of the billing application in one VPC
  alicloud.instance_ram.ecs_instance_info:
    region_id: cn-hangzhou
    vpc_id: vpc-bp1opxu1zkhn00gzv****
    tags:
      app: billing
  register: billing

- name: Those that do not hold the KMS role yet
  ansible.builtin.debug:
    msg: "{{ billing.instances | rejectattr('ram_role', 'equalto', 'EcsRamRoleTest') | map(attribute='instance_id') | list }}"
"""

RETURN = r"""
instances:
  description: The matching instances.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: ID of the instance.
      type: str
      sample: i-bp67acfmxazb4p****
    name:
      description: Name of the instance.
      type: str
      sample: billing
    status:
      description: C(Pending), C(Running), C(Starting), C(Stopping) or C(Stopped).
      type: str
      sample: Running
    network_type:
      description: C(vpc) or C(classic). Only VPC instances can hold a RAM role.
      type: str
      sample: vpc
    region_id:
      description: Region of the instance.
      type: str
      sample: cn-hangzhou
    zone_id:
      description: Zone of the instance.
      type: str
      sample: cn-hangzhou-h
    vpc_id:
      description: VPC of the instance (V(null) for classic network).
      type: str
      sample: vpc-bp1opxu1zkhn00gzv****
    vswitch_id:
      description: VSwitch of the instance (V(null) for classic network).
      type: str
      sample: vsw-bp1s5fnvk4gn2tws0****
    private_ip_addresses:
      description: Private IP addresses.
      type: list
      elements: str
      sample: ["172.17.0.5"]
    public_ip_addresses:
      description: Public IP addresses.
      type: list
      elements: str
      sample: []
    instance_type:
      description: Instance type.
      type: str
      sample: ecs.g7.large
    image_id:
      description: Image of the instance.
      type: str
      sample: aliyun_3_x64_20G_alibase_20240819.vhd
    security_group_ids:
      description: Security groups of the instance.
      type: list
      elements: str
      sample: ["sg-bp15ed6xe1yxeycg****"]
    tags:
      description: Tags of the instance.
      type: dict
      sample: {"app": "billing"}
    creation_time:
      description: Creation time (UTC).
      type: str
      sample: "2026-11-27T10:00Z"
    metadata_http_tokens:
      description: C(required) when the metadata service of the instance is in hardened mode only, else C(optional) (or V(null) when not reported).
      type: str
      sample: required
    ram_role:
      description: The RAM role the instance holds (V(null) for none).
      type: str
      sample: EcsRamRoleTest
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs import (
    MAX_CONCURRENCY_SPEC,
    concurrency,
    describe_instances,
    max_concurrency,
    require_region,
    unique_ids,
)
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs_instances import with_roles
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule


def run(module):
    params = module.params
    region_id = require_region(params)
    gate = concurrency(max_concurrency(params))
    ecs = module.client('ecs')
    instance_ids = unique_ids(params['instance_ids']) if params['instance_ids'] is not None else None
    raw = describe_instances(ecs, region_id, instance_ids=instance_ids, name=params['name'], tags=params['tags'], vpc_id=params['vpc_id'],
                             gate=gate)
    module.exit_json(changed=False, instances=with_roles(ecs, region_id, raw, gate))


def main():
    AlicloudModule(
        argument_spec={
            'instance_ids': {'type': 'list', 'elements': 'str'},
            'name': {'type': 'str'},
            'tags': {'type': 'dict'},
            'vpc_id': {'type': 'str'},
            'max_concurrency': MAX_CONCURRENCY_SPEC,
        },
        supports_check_mode=True,
    ).run(run)


if __name__ == '__main__':
    main()
