# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""ECS operations: batched reads and writes of instance RAM role bindings, instance create and normaliser."""

from __future__ import annotations

DESCRIBE_ROLE_PAGE_SIZE = 50  # DescribeInstanceRamRole PageSize maximum


def instances_with_role(ecs, region_id, role_name):
    """Ids of every instance in `region_id` that holds `role_name` (DescribeInstanceRamRole by role, paged)."""
    found = []
    page = 1
    while True:
        body = ecs.call('DescribeInstanceRamRole', {'RegionId': region_id, 'RamRoleName': role_name,
                                                    'PageSize': DESCRIBE_ROLE_PAGE_SIZE, 'PageNumber': page})
        sets = (body.get('InstanceRamRoleSets') or {}).get('InstanceRamRoleSet') or []
        found.extend(s['InstanceId'] for s in sets if s.get('RamRoleName') == role_name)
        total = int(body.get('TotalCount') or 0)
        if not sets or page * DESCRIBE_ROLE_PAGE_SIZE >= total:
            return found
        page += 1
