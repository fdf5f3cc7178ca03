# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECS inventory plugin with a fake ECS: filters, host names, roles in 50-id batches, failures, cache, safety."""
from __future__ import annotations

import json
import threading

import pytest
import yaml

from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible_collections.alicloud.instance_ram.plugins.inventory import ecs as plugin_module
from ansible_collections.alicloud.instance_ram.plugins.module_utils import _client
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError

EVIL = "{{ lookup('pipe', 'id') }}"


def raw_instance(n, region, network='vpc', status='Running', role=None, tags=None, name=None, public=None, eip=None):
    vpc = network == 'vpc'
    return {
        'InstanceId': f'i-{region}-{n:05d}', 'InstanceName': name or f'web-{n}', 'HostName': f'iZ{n}Z', 'RegionId': region,
        'ZoneId': f'{region}-a', 'Status': status, 'InstanceNetworkType': network, 'InstanceType': 'ecs.g7.large',
        'ImageId': 'img', 'CreationTime': '2026-12-01T10:00Z', 'Description': '',
        'VpcAttributes': {'VpcId': 'vpc-1' if vpc else '', 'VSwitchId': 'vsw-1' if vpc else '',
                          'PrivateIpAddress': {'IpAddress': [f'10.0.{n // 250}.{n % 250 + 1}'] if vpc else []}},
        'InnerIpAddress': {'IpAddress': [] if vpc else [f'10.9.{n // 250}.{n % 250 + 1}']},
        'PublicIpAddress': {'IpAddress': [public] if public else []}, 'EipAddress': {'IpAddress': eip or ''},
        'SecurityGroupIds': {'SecurityGroupId': ['sg-1']},
        'Tags': {'Tag': [{'TagKey': k, 'TagValue': v} for k, v in (tags or {}).items()]},
        'MetadataOptions': {'HttpTokens': 'required', 'HttpEndpoint': 'enabled'},
        '_role': role,
    }


class FakeEcs:
    """DescribeRegions / DescribeInstances (MaxResults + NextToken, the wire filters) / DescribeInstanceRamRole."""

    def __init__(self, fleet, failures=None):
        self.fleet = fleet  # region -> [raw]
        self.failures = failures or {}  # (region, action) -> AlicloudApiError
        self.calls = []
        self.lock = threading.Lock()

    def client(self, region):
        fake = self

        class Client:
            def call(self, action, params=None, **_kw):
                # as ApiClient.call: None values are not sent
                return fake.call(region, action, {k: v for k, v in (params or {}).items() if v is not None})
        return Client()

    def call(self, region, action, params):
        with self.lock:
            self.calls.append((params.get('RegionId', region), action, params))
        err = self.failures.get((params.get('RegionId'), action))
        if err is not None:
            raise err
        if action == 'DescribeRegions':
            return {'Regions': {'Region': [{'RegionId': r} for r in self.fleet]}}
        pool = self.fleet[params['RegionId']]
        if action == 'DescribeInstances':
            assert params['MaxResults'] == 100
            ids = json.loads(params['InstanceIds']) if params.get('InstanceIds') else None
            found = [i for i in pool if (ids is None or i['InstanceId'] in ids)
                     and all(i.get(k) == params[k] for k in ('Status', 'InstanceNetworkType') if k in params)
                     and ('InstanceName' not in params or i['InstanceName'] == params['InstanceName'])
                     and all({'TagKey': t['Key'], 'TagValue': t['Value']} in i['Tags']['Tag'] for t in params.get('Tag') or [])]
            start = int(params.get('NextToken') or 0)
            page = found[start:start + 100]
            return {'Instances': {'Instance': [{k: v for k, v in i.items() if k != '_role'} for i in page]},
                    'NextToken': str(start + 100) if start + 100 < len(found) else ''}
        assert action == 'DescribeInstanceRamRole'
        ids = json.loads(params['InstanceIds'])
        assert len(ids) <= 50 and params['PageSize'] == 50
        by_id = {i['InstanceId']: i for i in pool}
        rows = [{'InstanceId': i, 'RamRoleName': by_id[i]['_role'] or ''} for i in ids]
        return {'TotalCount': len(rows), 'InstanceRamRoleSets': {'InstanceRamRoleSet': rows}}

    def count(self, action, region=None):
        return sum(1 for r, a, _p in self.calls if a == action and (region is None or r == region))


@pytest.fixture
def fake(monkeypatch):
    holder = {}

    def client(self, product):
        assert product == 'ecs'
        return holder['fake'].client(self.params.get('region_id'))

    monkeypatch.setattr(_client.ClientFactory, 'client', client)
    # no real credential provider: the fake needs none
    monkeypatch.setattr(_client.ClientFactory, 'credential_client', property(lambda self: object()))

    def install(fleet, failures=None):
        holder['fake'] = FakeEcs(fleet, failures)
        return holder['fake']
    return install


def run(tmp_path, config, name='test.alicloud_ecs.yml', cache=True):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({'plugin': 'alicloud.instance_ram.ecs', **config}))
    inventory = InventoryData()
    plugin = inventory_loader.get('alicloud.instance_ram.ecs')
    loader = DataLoader()
    plugin.templar = Templar(loader=loader)
    plugin.parse(inventory, loader, str(path), cache=cache)
    if getattr(plugin, '_cache', None) is not None:
        plugin.update_cache_if_changed()  # what InventoryManager does after parse
    return inventory


def hostvars(inventory, host):
    return inventory.get_host(host).get_vars()


# ---------------------------------------------------------------- pure parts

@pytest.mark.parametrize('name, ok', [('prod.alicloud_ecs.yml', True), ('alicloud_ecs.yaml', True), ('x.ecs.yml', True),
                                      ('ecs.yaml', True), ('myecs.yml', False), ('prod.aws_ec2.yml', False),
                                      ('hosts.yml', False)])
def test_config_file_names(tmp_path, name, ok):
    path = tmp_path / name
    path.write_text('plugin: alicloud.instance_ram.ecs\n')
    assert inventory_loader.get('alicloud.instance_ram.ecs').verify_file(str(path)) is ok


def test_filters_match_wildcards_lists_tags_and_ids():
    host = plugin_module.host_vars(raw_instance(7, 'cn-hangzhou', tags={'app': 'web', 'env': 'prod'}))
    assert plugin_module.matches(host, {'instance_name': 'web-*', 'status': ['Stopped', 'Running']})
    assert not plugin_module.matches(host, {'instance_name': 'db-*'})
    assert plugin_module.matches(host, {'tags': {'app': 'web', 'env': None}})
    assert not plugin_module.matches(host, {'tags': {'app': 'db'}}) and not plugin_module.matches(host, {'tags': {'team': None}})
    assert plugin_module.matches(host, {'instance_ids': ['i-cn-hangzhou-00007']}) and not plugin_module.matches(host, {'instance_ids': []})
    assert plugin_module.keep(host, {'status': 'Stopped'}, [{'tags': {'app': 'web'}}], [])
    assert not plugin_module.keep(host, {}, [], [{'instance_name': 'web-?'}])


def test_wire_filters_send_single_values_and_keep_the_rest_for_later():
    wire, ids = plugin_module.wire_filters({'status': 'Running', 'zone_id': ['a', 'b'], 'instance_name': 'web-*',
                                            'tags': {'app': 'web', 'x': None}, 'instance_ids': ['i-2', 'i-1', 'i-2']})
    assert wire == {'Status': 'Running', 'Tag': [{'Key': 'app', 'Value': 'web'}, {'Key': 'x', 'Value': None}]}
    assert ids == ['i-1', 'i-2']
    assert plugin_module.wire_filters({'instance_name': 'web-1', 'vswitch_id': ['vsw-1']})[0] == {'InstanceName': 'web-1', 'VSwitchId': 'vsw-1'}


def test_bad_options_fail_before_any_call(tmp_path, fake):
    ecs = fake({'cn-hangzhou': []})
    for config, text in (({'filters': {'colour': 'red'}}, 'unknown filter(s) colour'),
                         ({'exclude_filters': [{'tags': 'app'}]}, 'exclude_filters[0].tags must be a mapping'),
                         ({'hostnames': ['dns_name']}, "'dns_name' is none of"),
                         ({'max_concurrent_regions': 0}, 'at least 1')):
        with pytest.raises(AnsibleError, match=text.replace('(', r'\(').replace(')', r'\)').replace('[', r'\[').replace(']', r'\]')):
            run(tmp_path, dict(config, regions=['cn-hangzhou']))
    assert not ecs.calls


def test_budget():
    assert plugin_module.region_budget(0, 0) == 1
    assert plugin_module.region_budget(3334, 3000) == 34 + 60
    assert plugin_module.region_budget(101, 101, include_ram_role=False) == 2


# ---------------------------------------------------------------- the plugin over a fake ECS

def fleet_of(n_per_region=120):
    fleet = {}
    for region in ('cn-hangzhou', 'cn-shanghai', 'eu-central-1'):
        fleet[region] = [raw_instance(n, region, network='classic' if n % 10 == 0 else 'vpc',
                                      status='Stopped' if n % 3 == 0 else 'Running',
                                      role='AppRole' if n % 2 else None, tags={'app': 'web' if n % 4 else 'db'})
                         for n in range(n_per_region)]
    return fleet


def test_every_region_of_the_account_within_the_budget(tmp_path, fake):
    ecs = fake(fleet_of())
    inventory = run(tmp_path, {})
    assert ecs.count('DescribeRegions') == 1
    assert len(inventory.hosts) == 360 and set(inventory.groups['alicloud_ecs'].hosts) == set(inventory.hosts.values())
    for region in ('cn-hangzhou', 'cn-shanghai', 'eu-central-1'):
        vpc = 120 - 12
        assert ecs.count('DescribeInstances', region) == 2 and ecs.count('DescribeInstanceRamRole', region) == 3
        assert ecs.count('DescribeInstances', region) + ecs.count('DescribeInstanceRamRole', region) == plugin_module.region_budget(120, vpc)
    host = hostvars(inventory, 'i-cn-shanghai-00001')
    assert (host['region_id'], host['ram_role_name'], host['status'], host['private_ip']) == ('cn-shanghai', 'AppRole', 'Running', '10.0.0.2')
    assert host['metadata_options'] == {'http_tokens': 'required', 'http_endpoint': 'enabled'} and host['tags'] == {'app': 'web'}
    assert hostvars(inventory, 'i-cn-shanghai-00002')['ram_role_name'] is None
    classic = hostvars(inventory, 'i-cn-shanghai-00010')
    assert classic['ram_role_name'] is None and classic['vpc_id'] is None and classic['private_ip'] == '10.9.0.11'


def test_filters_on_the_wire_and_after(tmp_path, fake):
    ecs = fake(fleet_of())
    inventory = run(tmp_path, {'regions': ['cn-hangzhou'], 'filters': {'status': 'Running', 'instance_name': 'web-1*'},
                               'exclude_filters': [{'tags': {'app': 'db'}}], 'include_ram_role': False})
    names = sorted(hostvars(inventory, h)['instance_name'] for h in inventory.hosts)
    expected = sorted(f'web-{n}' for n in range(120) if str(n).startswith('1') and n % 3 and n % 4)
    assert names == expected
    sent = [p for _r, a, p in ecs.calls if a == 'DescribeInstances']
    assert sent and all(p['Status'] == 'Running' and 'InstanceName' not in p for p in sent)
    assert ecs.count('DescribeInstanceRamRole') == 0, 'include_ram_role=false reads no role'


def test_include_filters_add_hosts_that_filters_leave_out(tmp_path, fake):
    fake(fleet_of(20))
    inventory = run(tmp_path, {'regions': ['cn-hangzhou'], 'filters': {'status': 'Running'},
                               'include_filters': [{'instance_ids': ['i-cn-hangzhou-00003']}]})
    assert 'i-cn-hangzhou-00003' in inventory.hosts and hostvars(inventory, 'i-cn-hangzhou-00003')['status'] == 'Stopped'
    assert len(inventory.hosts) == len([n for n in range(20) if n % 3]) + 1


def test_instance_ids_filter_reads_only_those(tmp_path, fake):
    ecs = fake(fleet_of(250))
    ids = [f'i-cn-hangzhou-{n:05d}' for n in range(1, 250, 2)]
    inventory = run(tmp_path, {'regions': ['cn-hangzhou'], 'filters': {'instance_ids': ids}})
    assert sorted(inventory.hosts) == sorted(ids)
    assert ecs.count('DescribeInstances') == 2, '125 ids: two calls of at most 100 ids'


def test_hostnames_preference_duplicates_and_templates(tmp_path, fake):
    fleet = {'cn-hangzhou': [raw_instance(1, 'cn-hangzhou', tags={'Name': 'alpha'}, public='47.0.0.1'),
                             raw_instance(2, 'cn-hangzhou', tags={'Name': 'alpha'}, eip='39.0.0.2'),
                             raw_instance(3, 'cn-hangzhou', name='gamma')]}
    fake(fleet)
    inventory = run(tmp_path, {'regions': ['cn-hangzhou'], 'hostnames': ['tag:Name', 'eip', 'public_ip', 'instance_name']})
    assert sorted(inventory.hosts) == ['39.0.0.2', 'alpha', 'gamma'], 'a name taken already falls through to the next'
    assert hostvars(inventory, 'alpha')['instance_id'] == 'i-cn-hangzhou-00001'
    inventory = run(tmp_path, {'regions': ['cn-hangzhou'], 'hostnames': ['tag:Name']})
    assert sorted(inventory.hosts) == ['alpha', 'i-cn-hangzhou-00002', 'i-cn-hangzhou-00003']
    inventory = run(tmp_path, {'regions': ['cn-hangzhou'], 'hostnames': ['{{ instance_name }}.{{ region_id }}']})
    assert sorted(inventory.hosts) == ['gamma.cn-hangzhou', 'web-1.cn-hangzhou', 'web-2.cn-hangzhou']
    inventory = run(tmp_path, {'regions': ['cn-hangzhou'], 'hostnames': ['tag:Name', 'instance_id'], 'allow_duplicated_hosts': True})
    assert sorted(inventory.hosts) == ['alpha', 'i-cn-hangzhou-00001', 'i-cn-hangzhou-00002', 'i-cn-hangzhou-00003']


def test_constructed_groups_sanitized_and_cloud_strings_never_templated(tmp_path, fake):
    fleet = {'cn-hangzhou': [raw_instance(1, 'cn-hangzhou', role='App.Role', tags={'app': 'my app/v2', 'evil': EVIL}),
                             raw_instance(2, 'cn-hangzhou', name=EVIL)]}
    fake(fleet)
    inventory = run(tmp_path, {'regions': ['cn-hangzhou'], 'hostnames': ['instance_name'],
                               'keyed_groups': [{'key': 'ram_role_name', 'prefix': 'role'}, {'key': 'tags.app', 'prefix': 'app'}],
                               'groups': {'vpc_fleet': "instance_network_type == 'vpc'"},
                               'compose': {'label': "tags.evil ~ '!'", 'ansible_host': 'eip or public_ip or private_ip'}})
    assert {'role_App_Role', 'app_my_app_v2', 'vpc_fleet'} <= set(inventory.groups)
    host = hostvars(inventory, 'web-1')
    assert host['label'] == EVIL + '!' and host['ansible_host'] == '10.0.0.2'
    templar = Templar(loader=DataLoader(), variables=host)
    assert templar.template(host['tags']['evil']) == EVIL, 'a tag value is data, never a template'
    assert EVIL in inventory.hosts and templar.template(hostvars(inventory, EVIL)['instance_name']) == EVIL


def test_an_unreadable_region_fails_the_inventory_naming_it_and_the_code(tmp_path, fake):
    denied = AlicloudApiError('Forbidden.RAM', 'User not authorized', request_id='R-42', status=403, product='ecs',
                              action='DescribeInstances')
    ecs = fake(fleet_of(5), {('eu-central-1', 'DescribeInstances'): denied})
    with pytest.raises(AnsibleError) as exc:
        run(tmp_path, {'regions': ['cn-hangzhou', 'eu-central-1', 'cn-shanghai']})
    text = str(exc.value)
    assert 'cannot read 1 of 3 region(s), so no inventory' in text
    assert 'region eu-central-1: ECS DescribeInstances: Forbidden.RAM' in text and 'R-42' in text
    assert ecs.count('DescribeInstances', 'cn-hangzhou') == 1, 'the other regions were read (concurrently)'


def test_describe_regions_failure_and_an_empty_answer(tmp_path, fake):
    fake({'cn-hangzhou': []}, {(None, 'DescribeRegions'): AlicloudApiError('Forbidden.RAM', 'no', status=403)})
    with pytest.raises(AnsibleError, match=r'cannot list the regions \(DescribeRegions in cn-hangzhou\): Forbidden.RAM'):
        run(tmp_path, {})
    fake({})
    with pytest.raises(AnsibleError, match='answered no region'):
        run(tmp_path, {})


def test_a_cached_run_makes_no_call(tmp_path, fake):
    ecs = fake(fleet_of(30))
    config = {'regions': ['cn-hangzhou', 'cn-shanghai'], 'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile',
              'cache_connection': str(tmp_path / 'cache'), 'keyed_groups': [{'key': 'ram_role_name', 'prefix': 'role'}]}
    first = run(tmp_path, config)
    calls = len(ecs.calls)
    assert calls == 2 * (1 + 1)
    second = run(tmp_path, config)
    assert len(ecs.calls) == calls, 'the second run comes from the cache'
    assert sorted(second.hosts) == sorted(first.hosts) and set(second.groups) == set(first.groups)
    run(tmp_path, config, cache=False)
    assert len(ecs.calls) == 2 * calls, '--flush-cache (cache=False) reads again'
