# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""10,000 seeded instances: batched calls stay correct (the server-side durations are printed, not asserted)."""
from __future__ import annotations

import json

from alibabacloud_ecs20140526 import models as ecs_models

REGION = 'cn-hangzhou'
FLEET = 10_000


def test_batched_calls_over_ten_thousand_instances(ecs, control):
    control.create_role('Fleet')
    control.create_role('Other')
    ids = control.seed_instances(count=FLEET, prefix='node-')
    held = control.seed_instances(count=50, ram_role_name='Other')
    assert len(ids) == FLEET and len(control.instances(ram_role_name='Other')) == 50

    for start in range(0, 1000, 100):
        body = ecs.attach_instance_ram_role(ecs_models.AttachInstanceRamRoleRequest(
            region_id=REGION, ram_role_name='Fleet', instance_ids=json.dumps(ids[start:start + 100]))).body
        assert (body.total_count, body.fail_count) == (100, 0)
    mixed = ids[990:1040] + held
    body = ecs.attach_instance_ram_role(ecs_models.AttachInstanceRamRoleRequest(
        region_id=REGION, ram_role_name='Fleet', instance_ids=json.dumps(mixed))).body
    assert (body.total_count, body.fail_count) == (100, 60)
    assert {r.instance_id for r in body.attach_instance_ram_role_results.attach_instance_ram_role_result if r.success} \
        == set(ids[1000:1040])

    batch = ids[940:1040]
    described = []
    for start in (0, 50):  # at most 50 ids a call (reference 0b.4)
        got = ecs.describe_instance_ram_role(ecs_models.DescribeInstanceRamRoleRequest(
            region_id=REGION, instance_ids=json.dumps(batch[start:start + 50]), page_size=50)).body
        assert got.total_count == 50
        described += got.instance_ram_role_sets.instance_ram_role_set
    assert [(r.instance_id, r.ram_role_name) for r in described] == [(i, 'Fleet') for i in batch]

    by_role, page = [], 1
    while True:
        got = ecs.describe_instance_ram_role(ecs_models.DescribeInstanceRamRoleRequest(
            region_id=REGION, ram_role_name='Fleet', page_size=50, page_number=page)).body
        by_role += [r.instance_id for r in got.instance_ram_role_sets.instance_ram_role_set]
        if page * 50 >= got.total_count:
            break
        page += 1
    assert got.total_count == 1040 and sorted(by_role) == sorted(ids[:1040])

    instances = ecs.describe_instances(ecs_models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps(ids[-100:]), max_results=100)).body
    assert [i.instance_id for i in instances.instances.instance] == ids[-100:] and instances.next_token == ''
    first_page = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, max_results=100)).body
    assert first_page.total_count == FLEET + 50 and len(first_page.instances.instance) == 100 and first_page.next_token

    body = ecs.detach_instance_ram_role(ecs_models.DetachInstanceRamRoleRequest(
        region_id=REGION, ram_role_name='Fleet', instance_ids=json.dumps(ids[:100]))).body
    assert (body.total_count, body.fail_count) == (100, 0)

    timings = {}
    for call in control.calls(product='ECS'):
        timings.setdefault(call['action'], []).append(call['duration_ms'])
    print('\nserver-side handler durations (ms) with', FLEET + 50, 'instances:')
    for action, values in sorted(timings.items()):
        print(f'  {action}: calls={len(values)} max={max(values):.2f} mean={sum(values) / len(values):.2f}')
