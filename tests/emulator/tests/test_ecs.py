# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS 2014-05-26 through the official SDK."""
from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from alicloud_emulator.testing import ControlError
from helpers import api_error, assert_all_set, signed_v3

REGION = 'cn-hangzhou'
INSTANCE_FIELDS = ('instance_id', 'instance_name', 'region_id', 'zone_id', 'status', 'instance_network_type',
                   'instance_type', 'image_id', 'host_name', 'creation_time', 'vpc_attributes', 'inner_ip_address',
                   'public_ip_address', 'security_group_ids', 'tags', 'metadata_options', 'eip_address', 'cpu', 'memory')


@pytest.fixture
def fleet(control):
    control.create_role('EcsKmsRole', policies=['AliyunKMSFullAccess'])
    control.create_role('OtherRole')
    vpc = control.seed_instances(count=3, prefix='web-', tags={'app': 'web'}, zone_id='cn-hangzhou-h')
    classic = control.seed_instances(count=1, prefix='old-', network_type='classic')
    held = control.seed_instances(count=1, prefix='held-', ram_role_name='OtherRole')
    return {'vpc': vpc, 'classic': classic, 'held': held}


def _attach(ecs, ids, role='EcsKmsRole', policy=None):
    return ecs.attach_instance_ram_role(ecs_models.AttachInstanceRamRoleRequest(
        region_id=REGION, ram_role_name=role, instance_ids=json.dumps(ids), policy=policy))


def _describe_roles(ecs, ids=None, role=None, **extra):
    return ecs.describe_instance_ram_role(ecs_models.DescribeInstanceRamRoleRequest(
        region_id=REGION, instance_ids=json.dumps(ids) if ids is not None else None, ram_role_name=role, **extra)).body


def test_describe_instances_fields_filters_and_missing_ids(ecs, fleet):
    ids = fleet['vpc'] + fleet['classic'] + ['i-doesnotexist00000000']
    body = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps(ids),
                                                                      page_size=100)).body
    assert body.total_count == 4, 'ids that do not exist are silently omitted'
    web = body.instances.instance[0]
    for name in INSTANCE_FIELDS:
        assert getattr(web, name) is not None, name
    assert_all_set(web.vpc_attributes)
    assert_all_set(web.metadata_options)
    assert web.instance_network_type == 'vpc' and web.vpc_attributes.vpc_id.startswith('vpc-')
    assert web.vpc_attributes.private_ip_address.ip_address and web.zone_id == 'cn-hangzhou-h'
    assert [(t.tag_key, t.tag_value) for t in web.tags.tag] == [('app', 'web')]
    assert web.metadata_options.http_tokens == 'optional' and web.status == 'Running'
    old = body.instances.instance[3]
    assert old.instance_network_type == 'classic' and old.inner_ip_address.ip_address and not old.vpc_attributes.vpc_id

    def names(**filters):
        found = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, page_size=100, **filters))
        return sorted(i.instance_name for i in found.body.instances.instance)
    assert names(instance_name='web-2') == ['web-2']
    assert names(tag=[ecs_models.DescribeInstancesRequestTag(key='app', value='web')]) == ['web-1', 'web-2', 'web-3']
    assert names(tag=[ecs_models.DescribeInstancesRequestTag(key='app', value='db')]) == []
    assert names(instance_network_type='classic') == ['old-1']
    assert names(zone_id='cn-hangzhou-h') == ['web-1', 'web-2', 'web-3']
    assert names(vpc_id=web.vpc_attributes.vpc_id, v_switch_id=web.vpc_attributes.v_switch_id) == ['web-1', 'web-2', 'web-3']
    assert names(status='Stopped') == []
    assert ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id='cn-beijing')).body.total_count == 0
    api_error('InvalidInstanceIds.Malformed', 400, ecs.describe_instances,
              ecs_models.DescribeInstancesRequest(region_id=REGION, instance_ids='i-1,i-2'))
    api_error('MissingParameter', 400, ecs.describe_instances, ecs_models.DescribeInstancesRequest())


def test_describe_instances_paging(ecs, control):
    ids = control.seed_instances(count=25)
    by_page = []
    for number in (1, 2, 3):
        page = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, page_number=number,
                                                                          page_size=10)).body
        assert page.total_count == 25 and page.page_number == number and page.page_size == 10
        by_page += [i.instance_id for i in page.instances.instance]
    assert by_page == ids
    by_token, token = [], None
    while True:
        page = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, max_results=7,
                                                                          next_token=token)).body
        by_token += [i.instance_id for i in page.instances.instance]
        token = page.next_token
        if not token:
            break
    assert by_token == ids
    api_error('InvalidParameter', 400, ecs.describe_instances,
              ecs_models.DescribeInstancesRequest(region_id=REGION, next_token='garbage!'))
    clamped = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, max_results=101)).body
    assert len(clamped.instances.instance) == 25, 'MaxResults above 100 is clamped, not refused (reference 0b.12)'
    small = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, max_results=1)).body
    assert len(small.instances.instance) == 10 and small.next_token, 'MaxResults under 10 is clamped to 10'


def test_attach_fails_the_whole_call_for_a_missing_or_classic_instance(ecs, fleet, control):
    """Reference 0b.5: the default; nothing of the call is bound."""
    vpc = fleet['vpc'][:2]
    api_error('InvalidInstanceId.NotFound', 404, _attach, ecs, vpc + ['i-missing000000000000'])
    api_error('InvalidNetworkType.MismatchRamRole', 403, _attach, ecs, vpc + fleet['classic'])
    assert not any(control.instance(i)['ram_role'] for i in vpc), 'a whole-call error binds nothing'
    detach = ecs.detach_instance_ram_role
    api_error('InvalidInstanceId.NotFound', 404, detach, ecs_models.DetachInstanceRamRoleRequest(
        region_id=REGION, instance_ids=json.dumps(fleet['held'] + ['i-missing000000000000'])))
    api_error('InvalidNetworkType.MismatchRamRole', 403, detach, ecs_models.DetachInstanceRamRoleRequest(
        region_id=REGION, instance_ids=json.dumps(fleet['held'] + fleet['classic'])))
    assert control.instance(fleet['held'][0])['ram_role'] == 'OtherRole'


def test_attach_reports_per_instance_results(ecs, fleet, control):
    control.settings(attach_errors='rows')
    ids = fleet['vpc'][:2] + fleet['classic'] + fleet['held'] + ['i-missing000000000000']
    body = _attach(ecs, ids).body
    assert_all_set(body)
    assert (body.total_count, body.fail_count, body.ram_role_name) == (5, 3, 'EcsKmsRole')
    rows = {r.instance_id: r for r in body.attach_instance_ram_role_results.attach_instance_ram_role_result}
    assert [(rows[i].success, rows[i].code, rows[i].message) for i in fleet['vpc'][:2]] == [(True, '200', 'success')] * 2
    assert rows[fleet['classic'][0]].code == 'InvalidNetworkType.MismatchRamRole'
    assert rows[fleet['held'][0]].code == 'InvalidInstance.RamRoleAlreadyAttached'
    assert rows['i-missing000000000000'].code == 'InvalidInstanceId.NotFound'
    twice = _attach(ecs, [fleet['vpc'][2], fleet['vpc'][2]]).body
    assert (twice.total_count, twice.fail_count) == (1, 0), 'a repeated id counts once'
    again = _attach(ecs, fleet['vpc'][:1]).body
    assert again.fail_count == 1, 'the same role twice is a per-instance failure too'
    assert control.instance(fleet['vpc'][0])['ram_role'] == 'EcsKmsRole'
    assert control.instance(fleet['held'][0])['ram_role'] == 'OtherRole'
    with pytest.raises(ControlError):
        control.settings(attach_errors='sometimes')


def test_attach_whole_call_errors(ecs, fleet, control, ram):
    from alibabacloud_ram20150501 import models as ram_models  # pylint: disable=import-outside-toplevel
    vpc = fleet['vpc']
    for bad in ('i-1', '[]', json.dumps([f'i-{n}' for n in range(101)]), '[1, 2]'):
        api_error('InvalidInstanceIds.Malformed', 400, ecs.attach_instance_ram_role, ecs_models.AttachInstanceRamRoleRequest(
            region_id=REGION, ram_role_name='EcsKmsRole', instance_ids=bad))
    api_error('InvalidRamRole.NotFound', 404, _attach, ecs, vpc, 'NoSuchRole')
    control.create_role('UserRole', trust={'Version': '1', 'Statement': [
        {'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'RAM': ['acs:ram::1234567890123456:root']}}]})
    api_error('InvalidRamRole.NotEcsRole', 404, _attach, ecs, vpc, 'UserRole')
    api_error('InvalidParameter', 400, _attach, ecs, vpc, 'EcsKmsRole', policy='{"not": "a policy"}')
    api_error('MissingParameter', 400, ecs.attach_instance_ram_role, ecs_models.AttachInstanceRamRoleRequest(
        region_id=REGION, instance_ids=json.dumps(vpc)))

    control.set_consistency_delay(30)
    ram.create_role(ram_models.CreateRoleRequest(role_name='FreshRole', assume_role_policy_document=json.dumps(
        {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow',
                                        'Principal': {'Service': ['ecs.aliyuncs.com']}}]})))
    api_error('InvalidRamRole.NotFound', 404, _attach, ecs, vpc, 'FreshRole')
    assert ram.get_role(ram_models.GetRoleRequest(role_name='FreshRole')).body.role.role_name == 'FreshRole'
    control.set_consistency_delay(0)
    assert _attach(ecs, vpc, 'FreshRole').body.fail_count == 0


def test_detach_and_describe_instance_ram_role(ecs, fleet):
    vpc = fleet['vpc']
    _attach(ecs, vpc[:2])
    described = _describe_roles(ecs, vpc)
    assert_all_set(described)
    assert described.total_count == 3
    assert [(r.instance_id, r.ram_role_name) for r in described.instance_ram_role_sets.instance_ram_role_set] == [
        (vpc[0], 'EcsKmsRole'), (vpc[1], 'EcsKmsRole'), (vpc[2], '')]
    by_role = _describe_roles(ecs, role='EcsKmsRole')
    assert by_role.total_count == 2 and {r.instance_id for r in by_role.instance_ram_role_sets.instance_ram_role_set} == set(vpc[:2])
    assert _describe_roles(ecs, vpc, role='EcsKmsRole').total_count == 2
    api_error('InvalidParameter.AllEmpty', 403, _describe_roles, ecs)
    api_error('InvalidInstanceId.NotFound', 404, _describe_roles, ecs, vpc + ['i-missing000000000000'])
    api_error('InvalidNetworkType.MismatchRamRole', 403, _describe_roles, ecs, fleet['classic'])
    api_error('InvalidParameter', 400, _describe_roles, ecs, role='EcsKmsRole', page_size=51)
    api_error('InvalidRamRole.NotFound', 404, _describe_roles, ecs, role='NoSuchRole')  # reference 0b.4

    detached = ecs.detach_instance_ram_role(ecs_models.DetachInstanceRamRoleRequest(
        region_id=REGION, instance_ids=json.dumps(vpc + fleet['held']), ram_role_name='EcsKmsRole')).body
    assert (detached.total_count, detached.fail_count) == (4, 2)
    rows = {r.instance_id: r for r in detached.detach_instance_ram_role_results.detach_instance_ram_role_result}
    assert rows[vpc[0]].success and rows[vpc[0]].code == '200' and rows[vpc[0]].message == 'Success'
    assert [(s.instance_id, s.ram_role_name) for s in rows[vpc[0]].instance_ram_role_sets.instance_ram_role_set] == [
        (vpc[0], 'EcsKmsRole')]
    assert rows[vpc[2]].code == 'InvalidInstance.RamRoleNotAttached'
    assert rows[fleet['held'][0]].code == 'InvalidInstance.RamRoleMismatch'
    assert _describe_roles(ecs, role='EcsKmsRole').total_count == 0


def test_describe_instance_ram_role_pages_by_role(ecs, control):
    control.create_role('Fleet')
    ids = control.seed_instances(count=120, ram_role_name='Fleet')
    seen = []
    for number in (1, 2, 3):
        page = _describe_roles(ecs, role='Fleet', page_size=50, page_number=number)
        assert page.total_count == 120
        seen += [r.instance_id for r in page.instance_ram_role_sets.instance_ram_role_set]
    assert seen == ids


def test_run_instances(ecs, control):
    control.create_role('EcsKmsRole')
    control.set_instance_boot_seconds(3600)

    def run(token=None, **extra):
        request = ecs_models.RunInstancesRequest(region_id=REGION, image_id='aliyun_3_x64', instance_type='ecs.g7.large',
                                                 v_switch_id='vsw-test', client_token=token, **extra)
        return ecs.run_instances(request).body

    body = run(amount=3, instance_name='app', ram_role_name='EcsKmsRole',
               tag=[ecs_models.RunInstancesRequestTag(key='env', value='test')], security_group_id='sg-1')
    assert_all_set(body)
    ids = body.instance_id_sets.instance_id_set
    assert len(ids) == 3
    described = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps(ids)))
    instances = described.body.instances.instance
    assert {i.status for i in instances} == {'Pending'} and {i.instance_name for i in instances} == {'app'}
    assert instances[0].security_group_ids.security_group_id == ['sg-1']
    assert instances[0].vpc_attributes.v_switch_id == 'vsw-test'
    assert _describe_roles(ecs, ids).instance_ram_role_sets.instance_ram_role_set[0].ram_role_name == 'EcsKmsRole'

    first = run('token-1').instance_id_sets.instance_id_set
    assert run('token-1').instance_id_sets.instance_id_set == first, 'same ClientToken, same instances'
    assert len(control.instances()) == 4
    api_error('IdempotentParameterMismatch', 400, run, 'token-1', amount=2)

    control.set_instance_boot_seconds(0)
    booted = run().instance_id_sets.instance_id_set
    assert control.instance(booted[0])['status'] == 'Running'

    api_error('MissingParameter', 400, ecs.run_instances, ecs_models.RunInstancesRequest(
        region_id=REGION, image_id='img', instance_type='ecs.g7.large'))
    api_error('InvalidRamRole.NotFound', 404, run, ram_role_name='Nope')
    control.create_role('UserRole', trust={'Version': '1', 'Statement': [
        {'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'RAM': ['1234567890123456']}}]})
    api_error('InvalidRamRole.NotEcsRole', 401, run, ram_role_name='UserRole')
    api_error('InvalidHttpTokens.NotSupported', 400, run, http_tokens='Required')


def test_user_data_and_instance_attributes(ecs, control):
    """What the alibaba.alicloud collection (footmark) calls for every instance it manages: DescribeUserData, DescribeDisks,
    ModifyInstanceAttribute."""
    control.set_instance_boot_seconds(0)
    run = ecs_models.RunInstancesRequest(region_id=REGION, image_id='aliyun_3_x64', instance_type='ecs.g7.large', v_switch_id='vsw-test',
                                         instance_name='app', user_data='ZWNobyBoaQ==')
    instance_id = ecs.run_instances(run).body.instance_id_sets.instance_id_set[0]
    described = ecs.describe_user_data(ecs_models.DescribeUserDataRequest(region_id=REGION, instance_id=instance_id)).body
    assert (described.instance_id, described.region_id, described.user_data) == (instance_id, REGION, 'ZWNobyBoaQ==')
    ecs.modify_instance_attribute(ecs_models.ModifyInstanceAttributeRequest(instance_id=instance_id, instance_name='renamed',
                                                                            description='d', host_name='h1'))
    row = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([instance_id]))).body
    instance = row.instances.instance[0]
    assert (instance.instance_name, instance.description, instance.host_name) == ('renamed', 'd', 'h1')
    # user data changes only on a stopped instance
    api_error('IncorrectInstanceStatus', 403, ecs.modify_instance_attribute,
              ecs_models.ModifyInstanceAttributeRequest(instance_id=instance_id, user_data='eA=='))
    api_error('InvalidInstanceId.NotFound', 404, ecs.describe_user_data,
              ecs_models.DescribeUserDataRequest(region_id=REGION, instance_id='i-missing000000000000'))
    api_error('InvalidInstanceId.NotFound', 404, ecs.modify_instance_attribute,
              ecs_models.ModifyInstanceAttributeRequest(instance_id='i-missing000000000000', instance_name='x'))
    api_error('MissingParameter', 400, ecs.describe_user_data, ecs_models.DescribeUserDataRequest(region_id=REGION))
    # one system disk per instance, found by instance or by disk id
    disks = ecs.describe_disks(ecs_models.DescribeDisksRequest(region_id=REGION, instance_id=instance_id)).body
    assert disks.total_count == 1 and disks.disks.disk[0].type == 'system' and disks.disks.disk[0].instance_id == instance_id
    disk_id = disks.disks.disk[0].disk_id
    by_id = ecs.describe_disks(ecs_models.DescribeDisksRequest(region_id=REGION, disk_ids=json.dumps([disk_id]))).body
    assert [d.instance_id for d in by_id.disks.disk] == [instance_id]
    assert ecs.describe_disks(ecs_models.DescribeDisksRequest(region_id='cn-beijing', instance_id=instance_id)).body.total_count == 0
    api_error('InvalidParameter', 400, ecs.describe_disks, ecs_models.DescribeDisksRequest(region_id=REGION, disk_ids='not json'))


def test_delete_instances_and_metadata_options(ecs, control):
    control.create_role('EcsKmsRole')
    running = control.seed_instances(count=2, ram_role_name='EcsKmsRole')
    stopped = control.seed_instances(count=2, status='Stopped')
    starting = control.seed_instances(instances=[{'status': 'Pending'}, {'status': 'Starting'}])
    api_error('IncorrectInstanceStatus', 403, ecs.delete_instance, ecs_models.DeleteInstanceRequest(instance_id=running[0]))
    for inst in starting:  # reference 0b.2: even with Force
        api_error('IncorrectInstanceStatus.Initializing', 403, ecs.delete_instance,
                  ecs_models.DeleteInstanceRequest(instance_id=inst, force=True))
        api_error('IncorrectInstanceStatus.Initializing', 403, ecs.delete_instances,
                  ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=[running[1], inst], force=True))
    assert len(control.instances()) == 6, 'a refused DeleteInstances deletes none of its ids'
    ecs.delete_instance(ecs_models.DeleteInstanceRequest(instance_id=running[0], force=True))
    ecs.delete_instance(ecs_models.DeleteInstanceRequest(instance_id=stopped[0]))
    api_error('InvalidInstanceId.NotFound', 404, ecs.delete_instance, ecs_models.DeleteInstanceRequest(instance_id=running[0]))
    api_error('InvalidInstanceIds.NotFound', 404, ecs.delete_instances,
              ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=[running[0], stopped[1]], force=True))
    ecs.delete_instances(ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=[running[1], stopped[1]], force=True))
    assert {i['instance_id'] for i in control.instances()} == set(starting)
    assert _describe_roles(ecs, role='EcsKmsRole').total_count == 0

    inst = control.seed_instances(count=1)[0]
    ecs.modify_instance_metadata_options(ecs_models.ModifyInstanceMetadataOptionsRequest(
        region_id=REGION, instance_id=inst, http_tokens='required'))
    found = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([inst])))
    assert found.body.instances.instance[0].metadata_options.http_tokens == 'required'
    api_error('InvalidHttpTokens.NotSupported', 400, ecs.modify_instance_metadata_options,
              ecs_models.ModifyInstanceMetadataOptionsRequest(region_id=REGION, instance_id=inst, http_tokens='sometimes'))
    api_error('InvalidInstanceId.NotFound', 404, ecs.modify_instance_metadata_options,
              ecs_models.ModifyInstanceMetadataOptionsRequest(region_id=REGION, instance_id='i-nope', http_tokens='required'))


def test_describe_instance_ram_role_takes_50_ids_or_100_by_setting(ecs, control):
    ids = control.seed_instances(count=100)
    assert _describe_roles(ecs, ids[:50], page_size=50).total_count == 50
    api_error('InvalidInstanceIds.Malformed', 400, _describe_roles, ecs, ids[:51], page_size=50)
    control.settings(describe_ram_role_max_ids=100)
    assert _describe_roles(ecs, ids, page_size=50).total_count == 100
    api_error('InvalidInstanceIds.Malformed', 400, _describe_roles, ecs, ids + ['i-one-more'], page_size=50)
    with pytest.raises(ControlError):
        control.settings(describe_ram_role_max_ids=70)


def test_describe_instances_documented_semantics(ecs, emu, control):
    """Reference 0b.12: "[]" is no filter, "*" is a wildcard in InstanceName, bad Status/InstanceNetworkType are
    NotFound (404), EipAddress comes before PublicIpAddress in the answer."""
    control.seed_instances(instances=[{'name': 'web-1'}, {'name': 'web-22'}, {'name': 'db-1'}])

    def names(**filters):
        found = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=REGION, page_size=100, **filters))
        return sorted(i.instance_name for i in found.body.instances.instance)
    assert names(instance_ids='[]') == ['db-1', 'web-1', 'web-22']
    assert names(instance_name='web-*') == ['web-1', 'web-22']
    assert names(instance_name='*-1') == ['db-1', 'web-1']
    assert names(instance_name='web') == []
    api_error('InvalidStatus.NotFound', 404, lambda: names(status='Sleeping'))
    api_error('InvalidNetworkType.NotFound', 404, names, instance_network_type='hybrid')
    status, body, dummy = signed_v3(emu, 'DescribeInstances', '2014-05-26', query={'RegionId': REGION})
    keys = list(body['Instances']['Instance'][0])
    assert status == 200 and keys.index('EipAddress') < keys.index('PublicIpAddress')


# ------------------------------------------------------------------------------------ regions and addresses
def test_describe_regions_lists_the_settings_and_every_region_with_an_instance(ecs, control):
    control.seed_instances(count=1, region_id='me-east-1')
    body = ecs.describe_regions(ecs_models.DescribeRegionsRequest()).body
    ids = [r.region_id for r in body.regions.region]
    assert ids[:3] == ['cn-hangzhou', 'cn-shanghai', 'cn-beijing'] and ids[-1] == 'me-east-1'
    assert len(ids) == len(set(ids)) == 9
    assert body.regions.region[0].region_endpoint == 'ecs.cn-hangzhou.aliyuncs.com'
    assert {r.status for r in body.regions.region} == {'available'}
    control.settings(regions=['cn-shanghai'])
    body = ecs.describe_regions(ecs_models.DescribeRegionsRequest()).body
    assert [r.region_id for r in body.regions.region] == ['cn-shanghai', 'me-east-1']
    control.reset()
    assert len(ecs.describe_regions(ecs_models.DescribeRegionsRequest()).body.regions.region) == 8


def _all_instances(ecs, region=REGION):
    found, token = [], None
    while True:
        body = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=region, max_results=100,
                                                                          next_token=token)).body
        found += body.instances.instance
        token = body.next_token
        if not token:
            return found


def test_private_ips_are_unique_and_in_the_range_of_their_vswitch(ecs, control):
    import ipaddress  # pylint: disable=import-outside-toplevel
    control.seed_instances(count=600, prefix='a-', vswitch_id='vsw-one')
    control.seed_instances(count=300, prefix='b-', vswitch_id='vsw-two')
    control.seed_instances(count=100, prefix='c-', network_type='classic')
    instances = _all_instances(ecs)
    assert len(instances) == 1000
    ips = [(i.vpc_attributes.private_ip_address.ip_address or i.inner_ip_address.ip_address)[0] for i in instances]
    assert len(set(ips)) == 1000, 'every instance has an address of its own'
    ranges = {}
    for inst, ip in zip(instances, ips):
        ranges.setdefault(inst.vpc_attributes.v_switch_id or 'classic', set()).add(ipaddress.ip_network(f'{ip}/18', strict=False))
    assert all(len(r) == 1 for r in ranges.values()), 'one /18 per vSwitch'
    assert len({next(iter(r)) for r in ranges.values()}) == 3, 'no two vSwitches share a range'


def test_public_ip_and_eip_where_seeded(ecs, control):
    plain, public, eip, given = (control.seed_instances(count=1, **extra)[0] for extra in (
        {}, {'public_ip': True}, {'eip': True}, {'public_ip': '203.0.113.7', 'eip': '203.0.113.8'}))
    again = control.seed_instances(count=1, public_ip=True)[0]
    body = ecs.describe_instances(ecs_models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps([plain, public, eip, given, again]), max_results=100)).body
    view = {i.instance_id: i for i in body.instances.instance}
    assert view[plain].public_ip_address.ip_address == [] and view[plain].eip_address.ip_address == ''
    assert view[public].public_ip_address.ip_address[0].startswith('47.') and view[public].eip_address.ip_address == ''
    assert view[eip].eip_address.ip_address.startswith('39.') and view[eip].eip_address.allocation_id.startswith('eip-')
    assert view[given].public_ip_address.ip_address == ['203.0.113.7'] and view[given].eip_address.ip_address == '203.0.113.8'
    assert view[again].public_ip_address.ip_address != view[public].public_ip_address.ip_address


def test_addresses_survive_a_saved_state(emu, control):
    from alicloud_emulator.store import Store  # pylint: disable=import-outside-toplevel
    control.seed_instances(count=5, vswitch_id='vsw-one', public_ip=True)
    state = Store()
    state.load_dict(control.state())
    fresh = state.allocate_private_ip('vsw-one')
    taken = {i.private_ip for i in state.instances.values()}
    assert fresh not in taken and fresh.rsplit('.', 1)[0] == next(iter(taken)).rsplit('.', 1)[0]
    assert state.allocate_public_ip('public') not in {i.public_ip for i in state.instances.values()}
