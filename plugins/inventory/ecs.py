# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: ecs
short_description: ECS instances of one or more regions, with their RAM roles, as an Ansible inventory
version_added: 0.2.0
description:
  - Reads the ECS instances of the given regions (every region of the account when none is given) with
    DescribeInstances, and the RAM role of each VPC instance with DescribeInstanceRamRole, and makes one host of each.
  - The configuration is a YAML file whose name ends in C(alicloud_ecs.yml), C(alicloud_ecs.yaml), C(ecs.yml) or
    C(ecs.yaml) (for example C(prod.alicloud_ecs.yml)), with O(plugin) set to V(alicloud.instance_ram.ecs).
  - "Each host has the variables C(instance_id), C(region_id), C(zone_id), C(instance_name), C(hostname), C(status),
    C(instance_network_type), C(instance_type), C(image_id), C(vpc_id), C(vswitch_id), C(private_ip), C(public_ip),
    C(eip), C(security_group_ids), C(description), C(tags) (a dict), C(ram_role_name) (null when the instance has no
    role, or when O(include_ram_role=false)), C(metadata_options) (C(http_tokens), C(http_endpoint)) and C(creation_time).
    The module M(alicloud.instance_ram.ecs_instance_ram_role) and the role C(alicloud.instance_ram.kms_access) read
    C(instance_id) (and C(region_id)), so a play over this inventory needs no instance id written by hand."
  - Every string that comes from the cloud (names, descriptions, tags, ...) is marked unsafe, so a tag value that is
    a Jinja2 expression (a C(lookup) of C(pipe), say) is data and is never templated. Group names are sanitized (characters that are not
    valid in a group name become C(_)) whatever C(TRANSFORM_INVALID_GROUP_CHARS) says.
  - "API calls per region, N instances read: ceil(N/100) DescribeInstances (C(MaxResults=100), C(NextToken)) and
    ceil(V/50) DescribeInstanceRamRole for the V VPC instances (50 ids a call), plus one DescribeRegions when
    O(regions) is empty. Regions are read concurrently (O(max_concurrent_regions)). With O(cache) on, a run that finds
    the cache valid makes no call at all."
  - Throttling, service-unavailable, HTTP 5xx and transport errors are retried with the collection's retry policy. A
    region that still cannot be read fails the whole inventory, naming the region and the API code - never an
    inventory that silently lacks a region.
  - All hosts are in the group C(alicloud_ecs).
options:
  plugin:
    description: The name of this plugin; this file is an inventory of it.
    required: true
    type: str
    choices: [alicloud.instance_ram.ecs]
  regions:
    description:
      - Regions to read, for example V(cn-hangzhou). Empty (the default) - every region of the account,
        from DescribeRegions (sent to O(region_id), default V(cn-hangzhou)).
    type: list
    elements: str
    default: []
  filters:
    description:
      - Only instances that match all of these. Keys are host variable names; a list of values matches any of them.
      - V(status) (V(Pending), V(Running), V(Starting), V(Stopping), V(Stopped)), V(instance_network_type) (V(vpc),
        V(classic)), V(vpc_id), V(vswitch_id), V(zone_id), V(instance_type), V(image_id), V(instance_ids) (a list),
        V(instance_name) (C(*) matches any characters, for example V(web-*)), V(tags) (a mapping; a null value matches
        any value of the key).
      - A single value (and V(tags), V(instance_ids), a name without C(*)) is sent to DescribeInstances, so that only
        matching instances are read; a list of values and a name with C(*) are applied to what was read.
    type: dict
    default: {}
  include_filters:
    description:
      - More filter sets, same keys as O(filters). An instance that matches any of them is a host too, even when it does
        not match O(filters). With include filters, every instance of the region is read and the filters are applied
        to what was read.
    type: list
    elements: dict
    default: []
  exclude_filters:
    description:
      - Filter sets, same keys as O(filters). An instance that matches any of them is not a host, whatever matched it.
    type: list
    elements: dict
    default: []
  hostnames:
    description:
      - The name of each host, by preference - the first entry that gives a non-empty value wins.
      - V(instance_id), V(instance_name), V(hostname), V(private_ip), V(public_ip), V(eip), V(tag:<key>) (the value of
        that tag), or a template over the host variables (for example V({{ instance_name }}.{{ region_id }})).
      - When a name is already the name of another instance, the next entry is tried, and finally the instance id
        (with a warning), unless O(allow_duplicated_hosts) is set.
      - Template entries are rendered with the host variables only (a host's tags are data, never templates).
    type: list
    elements: str
    default: [instance_id]
  allow_duplicated_hosts:
    description:
      - Add each instance under every name of O(hostnames) that gives a value (one host per name), not only the first.
        Names that another instance has too then make one host of both.
    type: bool
    default: false
  include_ram_role:
    description:
      - Read the RAM role of each VPC instance (DescribeInstanceRamRole, 50 ids a call) into C(ram_role_name).
        Off, C(ram_role_name) is null and no such call is made.
    type: bool
    default: true
  max_concurrent_regions:
    description: How many regions are read at the same time.
    type: int
    default: 4
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.auth.plugins
notes:
  - Needs the Python packages alibabacloud-credentials, alibabacloud-tea-openapi and alibabacloud-ecs20140526 on the
    controller (AWX and Automation Platform - in the execution environment, see the collection's README).
  - The RAM policy of the caller needs C(ecs:DescribeRegions), C(ecs:DescribeInstances) and, with
    O(include_ram_role), C(ecs:DescribeInstanceRamRole) (C(AliyunECSReadOnlyAccess) has all three).
seealso:
  - module: alicloud.instance_ram.ecs_instance_info
  - module: alicloud.instance_ram.ecs_instance_ram_role_info
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
"""

EXAMPLES = r"""
# prod.alicloud_ecs.yml - the running instances of two regions, grouped by RAM role and by the tag "app"
plugin: alicloud.instance_ram.ecs
regions: [cn-hangzhou, cn-shanghai]
filters:
  status: Running
  tags:
    env: prod
hostnames:
  - tag:Name
  - instance_name
  - instance_id
compose:
  ansible_host: eip or public_ip or private_ip
keyed_groups:
  - key: ram_role_name | default('none', true)
    prefix: role
  - key: tags.app | default('untagged')
    prefix: app
  - key: region_id
groups:
  # the group the collection's playbooks/site.yml runs on (the role reads instance_id and region_id)
  kms_access_fleet: instance_network_type == 'vpc' and status == 'Running'

---
# every region of the account, web servers only, never the ones tagged for decommissioning, with a cache
plugin: alicloud.instance_ram.ecs
filters:
  instance_name: web-*
exclude_filters:
  - tags:
      decommission: null
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/alicloud_ecs_inventory
cache_timeout: 600
"""

import concurrent.futures
import fnmatch
import math
import re

from ansible.errors import AnsibleError
from ansible.inventory.group import to_safe_group_name
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs import DESCRIBE_INSTANCES_PAGE_SIZE, chunked, describe_instances
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs_binding import DESCRIBE_ROLE_PAGE_SIZE, read_roles
from ansible_collections.alicloud.instance_ram.plugins.plugin_utils._base import (
    AlicloudError, client_factory, error_text, missing_sdk, quiet_credentials)

NAME = 'alicloud.instance_ram.ecs'
ALL_GROUP = 'alicloud_ecs'
CONFIG_NAME = re.compile(r'^(?:.*\.)?(?:alicloud_)?ecs\.ya?ml$')
DEFAULT_REGION = 'cn-hangzhou'
# filters DescribeInstances applies itself when given one value: filter key -> wire parameter
WIRE_FILTERS = {'status': 'Status', 'instance_network_type': 'InstanceNetworkType', 'vpc_id': 'VpcId',
                'vswitch_id': 'VSwitchId', 'zone_id': 'ZoneId', 'instance_type': 'InstanceType', 'image_id': 'ImageId'}
FILTER_KEYS = frozenset(WIRE_FILTERS) | {'instance_ids', 'instance_name', 'tags'}
HOSTNAME_FIELDS = ('instance_id', 'instance_name', 'hostname', 'private_ip', 'public_ip', 'eip')


# ---------------------------------------------------------------- pure functions (unit-tested)

def check_filters(filters, option):
    """Raise AnsibleError for an unknown filter key or a malformed value."""
    if not isinstance(filters, dict):
        raise AnsibleError(f'{NAME}: {option} must be a mapping, got {filters!r}')
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise AnsibleError(f"{NAME}: {option}: unknown filter(s) {', '.join(sorted(unknown))}; "
                           f"known: {', '.join(sorted(FILTER_KEYS))}")
    if 'tags' in filters and not isinstance(filters['tags'], dict):
        raise AnsibleError(f'{NAME}: {option}.tags must be a mapping of tag keys to values (null: any value)')
    if 'instance_ids' in filters and not isinstance(filters['instance_ids'], list):
        raise AnsibleError(f'{NAME}: {option}.instance_ids must be a list')


def _values(value):
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def matches(host, filters):
    """True when the host variables `host` match every filter of `filters`."""
    for key, wanted in filters.items():
        if key == 'tags':
            tags = host.get('tags') or {}
            if not all(k in tags and (v is None or tags[k] == str(v)) for k, v in wanted.items()):
                return False
        elif key == 'instance_ids':
            if host.get('instance_id') not in {str(i) for i in wanted}:
                return False
        elif key == 'instance_name':
            name = host.get('instance_name') or ''
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in _values(wanted)):
                return False
        elif str(host.get(key)) not in _values(wanted):
            return False
    return True


def wire_filters(filters):
    """What of `filters` DescribeInstances can apply: (wire params, instance id list or None)."""
    wire = {}
    for key, param in WIRE_FILTERS.items():
        value = filters.get(key)
        if value is not None and (not isinstance(value, (list, tuple)) or len(value) == 1):
            wire[param] = _values(value)[0]
    name = filters.get('instance_name')
    if name is not None and len(_values(name)) == 1 and '*' not in _values(name)[0]:
        wire['InstanceName'] = _values(name)[0]
    tags = filters.get('tags') or {}
    if tags:
        wire['Tag'] = [{'Key': str(k), 'Value': None if v is None else str(v)} for k, v in sorted(tags.items())]
    ids = filters.get('instance_ids')
    return wire, (sorted({str(i) for i in ids}) if ids is not None else None)


def keep(host, filters, include_filters, exclude_filters):
    """The inventory's rule: (filters or any include filter) and no exclude filter."""
    if any(matches(host, f) for f in exclude_filters):
        return False
    return matches(host, filters) or any(matches(host, f) for f in include_filters)


def _first(value):
    items = (value or {}).get('IpAddress') or []
    return items[0] if items else None


def host_vars(raw, ram_role_name=None):
    """The host variables of one DescribeInstances entry (plain data; marked unsafe when added to the inventory)."""
    vpc = raw.get('VpcAttributes') or {}
    metadata = raw.get('MetadataOptions') or {}
    tags = ((raw.get('Tags') or {}).get('Tag')) or []
    return {
        'instance_id': raw.get('InstanceId'),
        'region_id': raw.get('RegionId'),
        'zone_id': raw.get('ZoneId'),
        'instance_name': raw.get('InstanceName'),
        'hostname': raw.get('HostName'),
        'description': raw.get('Description') or '',
        'status': raw.get('Status'),
        'instance_network_type': raw.get('InstanceNetworkType'),
        'instance_type': raw.get('InstanceType'),
        'image_id': raw.get('ImageId'),
        'vpc_id': vpc.get('VpcId') or None,
        'vswitch_id': vpc.get('VSwitchId') or None,
        'private_ip': _first(vpc.get('PrivateIpAddress')) or _first(raw.get('InnerIpAddress')),
        'public_ip': _first(raw.get('PublicIpAddress')),
        'eip': (raw.get('EipAddress') or {}).get('IpAddress') or None,
        'security_group_ids': list(((raw.get('SecurityGroupIds') or {}).get('SecurityGroupId')) or []),
        'tags': {t['TagKey']: t.get('TagValue') or '' for t in tags if t.get('TagKey') is not None},
        'ram_role_name': ram_role_name,
        'metadata_options': {'http_tokens': metadata.get('HttpTokens'), 'http_endpoint': metadata.get('HttpEndpoint')},
        'creation_time': raw.get('CreationTime'),
    }


def check_hostnames(hostnames):
    for entry in hostnames:
        if not isinstance(entry, str) or not entry:
            raise AnsibleError(f'{NAME}: hostnames: every entry must be a non-empty string, got {entry!r}')
        if entry not in HOSTNAME_FIELDS and not entry.startswith('tag:') and '{{' not in entry:
            raise AnsibleError(f"{NAME}: hostnames: {entry!r} is none of {', '.join(HOSTNAME_FIELDS)}, "
                               'tag:<key> or a template')


def region_budget(instances, vpc_instances, include_ram_role=True):
    """The API calls one region may take: ceil(N/100) DescribeInstances (at least one) + ceil(V/50) DescribeInstanceRamRole."""
    calls = max(1, math.ceil(instances / DESCRIBE_INSTANCES_PAGE_SIZE))
    return calls + (math.ceil(vpc_instances / DESCRIBE_ROLE_PAGE_SIZE) if include_ram_role else 0)


# ---------------------------------------------------------------- the plugin

class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = NAME

    def verify_file(self, path):
        return super().verify_file(path) and bool(CONFIG_NAME.match(path.replace('\\', '/').rsplit('/', 1)[-1]))

    def _sanitize_group_name(self, name):
        # always replace invalid characters: a tag value becomes a group name
        return to_safe_group_name(name, force=True, silent=True)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        self._check_options()

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache')
        results = None
        if use_cache and cache:
            try:
                results = self._cache[cache_key]
            except KeyError:
                results = None
        if results is None:
            with quiet_credentials():
                results = self._read_fleet()
            if use_cache:
                self._cache[cache_key] = results
        self._populate(results)

    # ------------------------------------------------------------ options
    def _check_options(self):
        check_filters(self.get_option('filters'), 'filters')
        for option in ('include_filters', 'exclude_filters'):
            for index, filters in enumerate(self.get_option(option)):
                check_filters(filters, f'{option}[{index}]')
        check_hostnames(self.get_option('hostnames'))
        if self.get_option('max_concurrent_regions') < 1:
            raise AnsibleError(f'{NAME}: max_concurrent_regions must be at least 1')

    # ------------------------------------------------------------ reading
    def _factory(self):
        try:
            factory = client_factory(self)
            factory.credential_client  # pylint: disable=pointless-statement  # built once, before any thread
            return factory
        except ImportError as exc:
            raise AnsibleError(missing_sdk(NAME, 'alibabacloud-ecs20140526', exc)) from None
        except AlicloudError as err:
            raise AnsibleError(f'{NAME}: {err}') from None

    def _read_fleet(self):
        """{region: [host vars]} of every region, read concurrently; fails naming each region that could not be read."""
        factory = self._factory()
        regions = list(dict.fromkeys(self.get_option('regions') or []))
        if not regions:
            regions = self._all_regions(factory)
        workers = min(self.get_option('max_concurrent_regions'), len(regions)) or 1
        results, failures = {}, []
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix='alicloud-ecs') as pool:
            futures = {pool.submit(self._read_region, factory.for_region(region), region): region for region in regions}
            for future in concurrent.futures.as_completed(futures):
                region = futures[future]
                try:
                    results[region] = future.result()
                except ImportError as exc:
                    raise AnsibleError(missing_sdk(NAME, 'alibabacloud-ecs20140526', exc)) from None
                except AlicloudError as err:
                    failures.append(error_text(err, factory, f'region {region}'))
        if failures:
            raise AnsibleError(f'{NAME}: cannot read {len(failures)} of {len(regions)} region(s), so no inventory: '
                               + '; '.join(sorted(failures)))
        return {region: results[region] for region in regions}

    def _all_regions(self, factory):
        params = factory.params
        region = params.get('region_id') or DEFAULT_REGION
        try:
            body = factory.for_region(region).client('ecs').call('DescribeRegions', {})
        except ImportError as exc:
            raise AnsibleError(missing_sdk(NAME, 'alibabacloud-ecs20140526', exc)) from None
        except AlicloudError as err:
            raise AnsibleError(error_text(err, factory, f'{NAME}: cannot list the regions (DescribeRegions in {region})')) from None
        regions = [r['RegionId'] for r in (body.get('Regions') or {}).get('Region') or [] if r.get('RegionId')]
        if not regions:
            raise AnsibleError(f'{NAME}: DescribeRegions in {region} answered no region; set regions')
        return regions

    def _read_region(self, factory, region):
        ecs = factory.client('ecs')
        filters = self.get_option('filters')
        includes = self.get_option('include_filters')
        excludes = self.get_option('exclude_filters')
        # with include filters every instance is read; else DescribeInstances applies what it can of `filters`
        wire, ids = ({}, None) if includes else wire_filters(filters)
        if ids is not None and not ids:
            raws = []
        else:
            raws = describe_instances(ecs, region, instance_ids=ids, extra=wire)
        seen = {}
        for raw in raws:
            seen.setdefault(raw.get('InstanceId'), raw)
        hosts = [h for h in (host_vars(raw) for raw in seen.values()) if keep(h, filters, includes, excludes)]
        if self.get_option('include_ram_role'):
            vpc = [h['instance_id'] for h in hosts if h['instance_network_type'] != 'classic']
            roles = {}
            for chunk in chunked(vpc, DESCRIBE_ROLE_PAGE_SIZE):
                found, errors = read_roles(ecs, region, chunk)
                roles.update(found)
                for instance_id, (code, message) in errors.items():
                    self.display.warning(f'{NAME}: region {region}: cannot read the RAM role of {instance_id} '
                                         f'(gone meanwhile?): {code}: {message}')
            for host in hosts:
                host['ram_role_name'] = roles.get(host['instance_id'])
        return hosts

    # ------------------------------------------------------------ populating
    def _populate(self, results):
        self.inventory.add_group(ALL_GROUP)
        taken = {}
        strict = self.get_option('strict')
        for region in results:
            for plain in results[region]:
                variables = wrap_var(plain)
                for name in self._host_names(variables, taken):
                    self.inventory.add_host(name, group=ALL_GROUP)
                    for key, value in variables.items():
                        self.inventory.set_variable(name, key, value)
                    self._set_composite_vars(self.get_option('compose'), variables, name, strict=strict)
                    self._add_host_to_composed_groups(self.get_option('groups'), variables, name, strict=strict)
                    self._add_host_to_keyed_groups(self.get_option('keyed_groups'), variables, name, strict=strict)

    def _preferences(self, variables):
        """The non-empty names of O(hostnames), in order, for one host."""
        names = []
        for entry in self.get_option('hostnames'):
            if entry.startswith('tag:'):
                value = (variables.get('tags') or {}).get(entry[4:])
            elif '{{' in entry:
                self.templar.available_variables = variables
                try:
                    value = self.templar.template(entry)
                except Exception as exc:  # pylint: disable=broad-except
                    if self.get_option('strict'):
                        raise AnsibleError(f'{NAME}: hostnames: cannot render {entry!r} for '
                                           f"{variables['instance_id']}: {exc}") from None
                    value = None
            else:
                value = variables.get(entry)
            if value not in (None, ''):
                names.append(wrap_var(str(value)))
        return list(dict.fromkeys(names))

    def _host_names(self, variables, taken):
        instance_id = variables['instance_id']
        names = self._preferences(variables)
        if self.get_option('allow_duplicated_hosts'):
            chosen = names or [instance_id]
        else:
            free = [n for n in names if taken.get(n, instance_id) == instance_id]
            if free:
                chosen = free[:1]
            else:
                if names:
                    self.display.warning(f'{NAME}: the host name {names[0]!r} of {instance_id} is the name of '
                                         f'{taken[names[0]]} already; {instance_id} is named by its instance id')
                chosen = [instance_id]
        for name in chosen:
            taken.setdefault(name, instance_id)
        return chosen
