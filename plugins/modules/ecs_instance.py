# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_instance
short_description: Create VPC ECS instances that carry a RAM role from their first boot, keep their count exact, delete them
version_added: 0.1.0
description:
  - Keeps exactly O(count) ECS instances named O(name) with the tags O(tags) in O(region_id).
    Missing ones are created with RunInstances, which binds O(role_name) at creation so the role's
    credentials are there from the first boot. Surplus ones are deleted (those not running first,
    then the most recently created).
  - Matching instances that already exist but hold another role or none get O(role_name) through
    the same code as M(alicloud.instance_ram.ecs_instance_ram_role) (batched, per-instance outcomes,
    O(on_conflict)).
  - O(state=absent) deletes every matching instance.
  - Only VPC instances can hold a RAM role, so O(vswitch_id) is required to create instances.
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
options:
  name:
    description:
      - Name of the instances (InstanceName). Together with O(tags) it identifies the set of instances this task manages.
      - Must not be empty (an empty name would match no instance, and every run would create new ones).
    type: str
    required: true
  tags:
    description:
      - Tags of the instances. Instances are matched on all of them and created with them.
      - Tag values are strings on the wire, so a number (C(tier=1)) is taken as its text (V("1")); a boolean, a null, a list
        or a dict is refused before any call (quote it).
    type: dict
    default: {}
  count:
    description:
      - How many matching instances must exist, 0 or more.
    type: int
    default: 1
  image_id:
    description:
      - Image of new instances. Required when instances must be created.
    type: str
  instance_type:
    description:
      - Instance type of new instances, for example C(ecs.g7.large). Required when instances must be created.
    type: str
  vswitch_id:
    description:
      - VSwitch (and so VPC and zone) of new instances. Required when instances must be created.
    type: str
  security_group_ids:
    description:
      - Security groups of new instances.
    type: list
    elements: str
  password:
    description:
      - Login password of new instances. Never logged.
    type: str
  client_token:
    description:
      - Makes RunInstances idempotent, so that a run interrupted after creating instances (before they
        were visible) can be repeated without creating them twice.
      - The token sent is derived from this value and from the number of matching instances found, so the same
        value can stay in the playbook; raising O(count) later creates the new instances with a new token.
        RunInstances creates at most 100 instances a call; each call gets its own derived token.
      - Without it, each run uses a fresh random token (the automatic retries inside one run still reuse theirs).
    type: str
  role_name:
    description:
      - RAM role of the instances. New instances are created with it; existing matching instances get it.
      - The role must exist and trust C(ecs.aliyuncs.com) (checked first; a warning only in check mode).
      - Not set means create instances without a role and leave the role of existing ones alone.
    type: str
    aliases: [ram_role_name]
  on_conflict:
    description:
      - What to do with an existing matching instance that holds another role, as in
        M(alicloud.instance_ram.ecs_instance_ram_role). V(fail), V(skip) or V(replace) (detach then attach,
        with a short window without credentials).
    type: str
    choices: [fail, skip, replace]
    default: fail
  state:
    description:
      - V(present) keeps O(count) instances, V(absent) deletes every matching instance.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until new (and pending) instances are C(Running), and deleted instances are gone.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, see O(wait).
      - Also how long a delete is retried while an instance is still starting (DeleteInstances answers
        C(IncorrectInstanceStatus.Initializing) even with C(Force)), with or without O(wait).
    type: int
    default: 600
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.concurrency
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.actions
notes:
  - O(region_id) is required (option or environment variable).
  - Instances are deleted with C(Force), running ones included. An instance that is gone already
    (C(InvalidInstanceIds.NotFound), for example deleted by a concurrent run) counts as deleted; one DescribeInstances
    tells which of the call's instances still exist, and only those are sent again.
  - RunInstances answering C(LastTokenProcessing) or C(IdempotentProcessing) (the first request with the same client
    token is still being processed) is retried for at most 60 seconds; it then returns that request's instances.
  - When O(on_conflict=replace) fails to attach O(role_name), the previous role is attached again without the extra
    policy of its earlier attach (ECS does not report it); a warning names those instances.
  - In check mode the IDs of instances that would be created are unknown, so RV(created_instance_ids) is empty and
    RV(instances) lists only existing instances; the diff and C(changed) are the same as in a real run.
seealso:
  - module: alicloud.instance_ram.ecs_instance_info
  - module: alicloud.instance_ram.ecs_instance_ram_role
  - module: alicloud.instance_ram.ram_role
"""

EXAMPLES = r"""
- name: Three billing instances that can read their secrets from KMS from the first boot
  alicloud.instance_ram.ecs_instance:
    region_id: cn-hangzhou
    name: billing
    tags:
      app: billing
    count: 3
    image_id: aliyun_3_x64_20G_alibase_20240819.vhd
    instance_type: ecs.g7.large
    vswitch_id: vsw-bp1s5fnvk4gn2tws0****
    security_group_ids: [sg-bp15ed6xe1yxeycg****]
    role_name: EcsRamRoleTest
    client_token: billing-2026-11-27
  register: billing

- name: Their IDs
  ansible.builtin.debug:
    msg: "{{ billing.instances | map(attribute='instance_id') | list }}"

- name: Delete them
  alicloud.instance_ram.ecs_instance:
    region_id: cn-hangzhou
    name: billing
    tags:
      app: billing
    state: absent
"""

RETURN = r"""
done:
  description:
    - Only when the module fails after a write (it then also reports V(changed=true)) - the writes this run carried out
      before the failure, in order, each with its C(product), C(action) and the names it was about (C(RoleName),
      C(PolicyName), C(PolicyType), C(VersionId), C(InstanceIds), C(CreatedInstanceIds), ...). The message lists them too.
      A rerun reads the state and finishes the job.
  returned: on a failure after a write
  type: list
  elements: dict
  sample: [{"product": "ram", "action": "CreateRole", "RoleName": "EcsRamRoleTest"}]
instances:
  description: The matching instances after the run (in check mode, the existing ones that would be kept).
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
      description: C(vpc) or C(classic).
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
created_instance_ids:
  description: IDs of the instances created by this run (empty in check mode).
  returned: always
  type: list
  elements: str
  sample: ["i-bp67acfmxazb4p****"]
deleted_instance_ids:
  description: IDs of the instances deleted by this run (in check mode, that would be deleted).
  returned: always
  type: list
  elements: str
  sample: []
role_results:
  description:
    - What happened to the role of each existing matching instance that is kept, as RV(alicloud.instance_ram.ecs_instance_ram_role#module:results) of
      M(alicloud.instance_ram.ecs_instance_ram_role). Empty when O(role_name) is not set.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: ID of the instance.
      type: str
      sample: i-bp67acfmxazb4p****
    role_before:
      description: The role the instance held before.
      type: str
      sample: null
    role_after:
      description: The role the instance holds after the run.
      type: str
      sample: EcsRamRoleTest
    action:
      description: V(attached), V(replaced), V(unchanged), V(skipped) or V(failed).
      type: str
      sample: attached
    code:
      description: On failure, the API's error code.
      type: str
      sample: null
    message:
      description: On failure, the API's message.
      type: str
      sample: null
    request_id:
      description: On failure of an Attach or Detach call, the request id of that call.
      type: str
      sample: null
role_summary:
  description: How many kept instances ended with each role action, as RV(alicloud.instance_ram.ecs_instance_ram_role#module:summary).
  returned: always
  type: dict
  contains:
    attached:
      description: Instances that got the role.
      type: int
      sample: 1
    detached:
      description: Always 0 here.
      type: int
      sample: 0
    replaced:
      description: Instances whose other role was replaced.
      type: int
      sample: 0
    unchanged:
      description: Instances that already held the role.
      type: int
      sample: 2
    skipped:
      description: Instances left alone because they hold another role.
      type: int
      sample: 0
    failed:
      description: Instances whose role could not be set.
      type: int
      sample: 0
    total:
      description: Number of kept existing instances considered.
      type: int
      sample: 3
"""

import uuid

from ansible_collections.alicloud.instance_ram.plugins.module_utils._diff import Diff
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs import (
    MAX_CONCURRENCY_SPEC,
    concurrency,
    describe_instances,
    max_concurrency,
    require_region,
)
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs_binding import (
    apply_binding,
    check_role,
    failure_message,
    is_change,
    plan_binding,
    summarize,
)
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs_instances import (
    by_instance_id,
    client_token,
    current_roles,
    delete_instances,
    instance_ids,
    matches,
    normalize_instance,
    pending_instance,
    removal_order,
    run_instances,
    starting_ids,
    wait_for,
)
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule

CREATE_OPTIONS = ('image_id', 'instance_type', 'vswitch_id')


def create(module, ecs, region_id, amount, found):
    """RunInstances for `amount` instances next to `found` matching ones; their ids (none in check mode)."""
    params = module.params
    for option in CREATE_OPTIONS:
        if not params[option]:
            raise AlicloudParameterError(option, f'is required to create the {amount} missing instance(s)')
    if module.check_mode:
        return []
    return run_instances(ecs, region_id, amount, image_id=params['image_id'], instance_type=params['instance_type'],
                         vswitch_id=params['vswitch_id'], security_group_ids=params['security_group_ids'], name=params['name'],
                         tags=params['tags'], password=params['password'], role_name=params['role_name'],
                         token=client_token(params['client_token'], found) if params['client_token'] else str(uuid.uuid4()))


def check_name(name):
    if not name or not name.strip():
        raise AlicloudParameterError('name', 'must not be empty: with tags it identifies the instances this task manages', name)
    return name


def check_tags(tags):
    """Tags as the API holds them (str: str): numbers as their text; anything else that is not a string refused."""
    clean = {}
    for key, value in (tags or {}).items():
        if not isinstance(key, str) or not key.strip():
            raise AlicloudParameterError('tags', 'a tag key must be a non-empty string', key)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise AlicloudParameterError('tags', f'the value of tag {key!r} must be a string (quote it; use "" for an empty '
                                         'value): ECS holds tag values as text', value)
        clean[key] = value if isinstance(value, str) else str(value)
    return clean


def run(module):
    params = module.params
    name, tags, role_name = check_name(params['name']), check_tags(params['tags']), params['role_name']
    params['tags'] = tags
    region_id = require_region(params)
    gate = concurrency(max_concurrency(params))
    ecs = module.client('ecs')
    wait = params['wait'] and not module.check_mode
    existing = [i for i in describe_instances(ecs, region_id, name=name, tags=tags) if matches(i, name, tags)]
    roles, errors = current_roles(ecs, region_id, existing, gate)
    target = params['count'] if params['state'] == 'present' else 0
    if target < 0:
        raise AlicloudParameterError('count', 'must be 0 or more', target)

    surplus = removal_order(existing)[:max(len(existing) - target, 0)]
    keep = [i for i in existing if i not in surplus]
    missing = max(target - len(existing), 0)
    keep_ids = instance_ids(keep)

    role_results = []
    if role_name is not None and (keep or missing):
        check_role(module.client('ram'), role_name, module.check_mode, module.warn)
    if role_name is not None and keep:
        role_results = plan_binding(keep_ids, roles, errors, role_name, on_conflict=params['on_conflict'])
        if not module.check_mode:
            apply_binding(ecs, region_id, role_name, role_results, on_conflict=params['on_conflict'], warn=module.warn, gate=gate)
    role_after = {r['instance_id']: r['role_after'] for r in role_results}

    deleted = instance_ids([i for i in existing if i in surplus])
    if deleted and not module.check_mode:
        delete_instances(ecs, region_id, deleted, timeout=params['wait_timeout'])
    created = create(module, ecs, region_id, missing, len(existing)) if missing else []
    if wait and deleted:
        wait_for(ecs, region_id, deleted, gone=True, timeout=params['wait_timeout'])

    raw_by_id = by_instance_id(keep)
    pending = created + starting_ids(keep)
    if wait and pending:
        raw_by_id.update(by_instance_id(wait_for(ecs, region_id, pending, status='Running', timeout=params['wait_timeout'])))
    elif created:
        raw_by_id.update(by_instance_id(describe_instances(ecs, region_id, instance_ids=created)))
    instances = [normalize_instance(raw_by_id.get(iid) or pending_instance(iid, name),
                                    role_after.get(iid, roles.get(iid) if iid in keep_ids else role_name))
                 for iid in keep_ids + created]

    result = {
        'changed': bool(missing or deleted or any(is_change(r) for r in role_results)),
        'instances': instances,
        'created_instance_ids': created,
        'deleted_instance_ids': deleted,
        'role_results': role_results,
        'role_summary': summarize(role_results),
    }
    Diff(f'instances named {name} in {region_id}').view(
        {'count': len(existing), 'instances': {iid: roles.get(iid) for iid in instance_ids(existing)},
         'new_instances': 0, 'new_instances_role': None},
        {'count': len(keep) + missing, 'instances': {iid: role_after.get(iid, roles.get(iid)) for iid in keep_ids},
         'new_instances': missing, 'new_instances_role': role_name if missing else None},
    ).attach(module, result)
    message = failure_message(role_results)
    if message:
        module.fail_json(msg=f'the role of existing instances: {message}', **result)
    module.exit_json(**result)


def main():
    AlicloudModule(
        argument_spec={
            'name': {'type': 'str', 'required': True},
            'tags': {'type': 'dict', 'default': {}},
            'count': {'type': 'int', 'default': 1},
            'image_id': {'type': 'str'},
            'instance_type': {'type': 'str'},
            'vswitch_id': {'type': 'str'},
            'security_group_ids': {'type': 'list', 'elements': 'str'},
            'password': {'type': 'str', 'no_log': True},
            'client_token': {'type': 'str', 'no_log': False},
            'role_name': {'type': 'str', 'aliases': ['ram_role_name']},
            'max_concurrency': MAX_CONCURRENCY_SPEC,
            'on_conflict': {'type': 'str', 'choices': ['fail', 'skip', 'replace'], 'default': 'fail'},
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'wait': {'type': 'bool', 'default': True},
            'wait_timeout': {'type': 'int', 'default': 600},
        },
        supports_check_mode=True,
    ).run(run)


if __name__ == '__main__':
    main()
