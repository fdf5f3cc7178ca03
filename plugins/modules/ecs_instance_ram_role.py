# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_instance_ram_role
short_description: Bind a RAM role to existing ECS instances, or unbind it, at fleet scale
version_added: 0.1.0
description:
  - Makes a RAM role the instance RAM role of every listed ECS instance (O(state=present)), or takes
    it away (O(state=absent)), so that software on the instances gets the role's temporary
    credentials from the instance metadata service.
  - Any number of instances. Reads go in batches (DescribeInstanceRamRole, 50 ids a call, the documented
    limit, one page of 50 each) and writes too (AttachInstanceRamRole / DetachInstanceRamRole, 100 ids a call);
    never one call per instance.
    For N instances that all exist in a VPC, a run costs ceil(N/50) reads, ceil(M/100) writes for the M
    instances that need a change, and one RAM GetRole; a rerun makes no write.
  - Each instance gets its own outcome in RV(results). Instances that cannot take a role (classic
    network, not found) fail with the API's own code while the others proceed; the module then fails,
    naming every failed instance and its code, and the request ids of the failed calls, after doing everything it could.
  - ECS may report such an instance in its row of the Attach/Detach answer, or fail the whole call for it
    (HTTP 404 C(InvalidInstanceId.NotFound), 403 C(InvalidNetworkType.MismatchRamRole)). In the second case one
    DescribeInstances of that call's ids finds the culprits, they fail with that code, and the others are sent again
    (at most three sends of a batch), so one bad id never fails the 99 others of its batch.
  - Role names are compared without regard to case (RAM role names are case-insensitive, and ECS may report
    C(ecsramroletest) for C(EcsRamRoleTest)), so an instance holding the role in another spelling is V(unchanged), and
    O(state=absent) takes it away.
  - Before attaching, the role must exist and trust C(ecs.aliyuncs.com); otherwise the module fails
    saying how to fix the trust policy. In check mode this is a warning, so that a whole playbook
    that creates the role in an earlier task can be checked.
  - Right after a role is created ECS may not see it yet; AttachInstanceRamRole is retried with
    backoff on C(InvalidRamRole.NotFound) for at most 60 seconds.
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
options:
  role_name:
    description:
      - Name of the RAM role.
      - Required with O(state=present).
      - With O(state=absent), only this role is taken away; an instance holding another role is left
        alone (V(unchanged)). Without it, whatever role the listed instances hold is taken away.
    type: str
    aliases: [ram_role_name]
  instance_ids:
    description:
      - IDs of the ECS instances, any number. Duplicates are ignored; results keep the given order.
      - Required with O(state=present).
      - With O(state=absent) and no O(instance_ids), the role is taken away from every instance in
        O(region_id) that holds O(role_name). A role that ECS does not know (C(InvalidRamRole.NotFound), for example
        one deleted already) is held by no instance, so nothing changes.
    type: list
    elements: str
  state:
    description:
      - V(present) binds O(role_name) to every instance, V(absent) unbinds it.
    type: str
    choices: [present, absent]
    default: present
  on_conflict:
    description:
      - What to do with an instance that already holds a different role (an instance holds at most one).
      - V(fail) leaves the instance as it is and reports it failed (code C(InstanceRamRole.Conflict)).
      - V(skip) leaves the instance as it is and reports it V(skipped); the module does not fail for it.
      - V(replace) detaches the other role, then attaches O(role_name). There is no replace API, so
        between the DetachInstanceRamRole call and the AttachInstanceRamRole call of its batch of 100
        instances the instance has no role, and software on it cannot get new credentials (credentials it
        already fetched stay valid until they expire). The window is the duration of about one API call,
        typically well under a second; it grows when the Attach call is throttled and retried, up to the
        collection's bounded retry wait (90 seconds), or 60 seconds while ECS does not see a new role yet.
      - If the attach of a replaced instance fails, its previous role is attached again and the instance is
        reported failed; an instance that had a role is never knowingly left without one.
      - The previous role comes back B(without) the extra C(Policy) it may have been attached with, because ECS does not
        report that policy, so it cannot be restored. The instance's RV(results[].message) and a warning say so;
        attach that role again with its policy if it had one.
    type: str
    choices: [fail, skip, replace]
    default: fail
  policy:
    description:
      - An extra policy that further restricts what the role may do on these instances (the optional
        C(Policy) of AttachInstanceRamRole), as a dict or JSON text, at most 1024 characters as compact JSON.
      - Checked before any call like every policy option of the collection (C(Version) V("1"), statements RAM accepts);
        a refusal names this option.
      - Applied only when an instance is attached or replaced. The API does not report it back, so an
        instance that already holds O(role_name) is not bound again to change it.
    type: json
  check_role:
    description:
      - Before attaching, check (one RAM GetRole) that O(role_name) exists and trusts C(ecs.aliyuncs.com).
      - V(false) skips the check, for a caller that has just made sure of it; the role C(alicloud.instance_ram.kms_access),
        whose step 1 manages the role, binds every region without repeating that RAM read.
    type: bool
    default: true
  labels:
    description:
      - Names shown next to instance ids in the diff, for example the inventory host of each instance, as a mapping
        from instance id to name. Instances not in it are shown by id only.
    type: dict
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.concurrency
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.actions
notes:
  - O(region_id) is required (option or environment variable).
  - Check mode makes only the reads and reports exactly which instances would change; with C(--diff) the
    diff shows the role before and after of each instance that changes (and only those).
  - The code for an instance that already holds a role is not documented by Alibaba Cloud. When an attach fails
    with any code but the definitive ones (not found, classic network, no PassRole permission), the module reads
    that instance again. If it now holds O(role_name) (a concurrent run bound it), the outcome is V(unchanged), not a failure.
seealso:
  - module: alicloud.instance_ram.ecs_instance_ram_role_info
  - module: alicloud.instance_ram.ecs_instance_info
  - module: alicloud.instance_ram.ram_role
"""

EXAMPLES = r"""
- name: Find the instances of the application
  alicloud.instance_ram.ecs_instance_info:
    region_id: cn-hangzhou
    tags:
      app: billing
  register: billing

- name: Give them the KMS role (instances holding another role are reported and left alone)
  alicloud.instance_ram.ecs_instance_ram_role:
    region_id: cn-hangzhou
    role_name: EcsRamRoleTest
    instance_ids: "{{ billing.instances | map(attribute='instance_id') | list }}"
  register: binding

- name: Show what happened to each instance
  ansible.builtin.debug:
    msg: "{{ binding.summary }}"

- name: Replace whatever role they hold, with an extra policy that narrows the role to one key
  alicloud.instance_ram.ecs_instance_ram_role:
    region_id: cn-hangzhou
    role_name: EcsRamRoleTest
    instance_ids: "{{ billing.instances | map(attribute='instance_id') | list }}"
    on_conflict: replace
    policy:
      Version: "1"
      Statement:
        - Effect: Allow
          Action: ["kms:Decrypt"]
          Resource: ["acs:kms:cn-hangzhou:*:key/key-hzz1234"]

- name: Take the role away from every instance of the region that holds it
  alicloud.instance_ram.ecs_instance_ram_role:
    region_id: cn-hangzhou
    role_name: EcsRamRoleTest
    state: absent
"""

RETURN = r"""
role_name:
  description: The role the module bound or unbound (V(null) for O(state=absent) without O(role_name)).
  returned: always
  type: str
  sample: EcsRamRoleTest
results:
  description:
    - One entry per instance, in the order of O(instance_ids).
    - In check mode, what would happen; after a real run, what happened.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: ID of the instance.
      type: str
      sample: i-bp67acfmxazb4p****
    role_before:
      description: The role the instance held before (V(null) for none or when it could not be read).
      type: str
      sample: null
    role_after:
      description: The role the instance holds after the run (V(null) for none).
      type: str
      sample: EcsRamRoleTest
    action:
      description:
        - V(attached), V(detached), V(replaced) (another role swapped for O(role_name)), V(unchanged),
          V(skipped) (holds another role, O(on_conflict=skip)) or V(failed).
      type: str
      sample: attached
    code:
      description: On failure, the API's error code (or C(InstanceRamRole.Conflict) for O(on_conflict=fail)); else V(null).
      type: str
      sample: InvalidNetworkType.MismatchRamRole
    message:
      description: On failure, the API's message and what the module did about it (for example re-attaching the previous role).
      type: str
      sample: Ram role cannot be applied to instances of Classic network type.
    request_id:
      description: On failure of an Attach or Detach call for this instance, the request id of that call (for Alibaba Cloud support); else V(null).
      type: str
      sample: 5D2A4B0C-0E0A-4C11-8F1F-4E6C5C7A2B11
summary:
  description: How many instances ended with each action.
  returned: always
  type: dict
  contains:
    attached:
      description: Instances that got the role.
      type: int
      sample: 240
    detached:
      description: Instances the role was taken from.
      type: int
      sample: 0
    replaced:
      description: Instances whose other role was replaced by O(role_name).
      type: int
      sample: 0
    unchanged:
      description: Instances already as wanted.
      type: int
      sample: 0
    skipped:
      description: Instances left alone because they hold another role (O(on_conflict=skip)).
      type: int
      sample: 5
    failed:
      description: Instances that failed.
      type: int
      sample: 5
    total:
      description: Number of instances.
      type: int
      sample: 250
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._diff import Diff
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs import MAX_CONCURRENCY_SPEC, max_concurrency, require_region, unique_ids
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs_binding import (
    bind_roles,
    check_role,
    extra_policy,
    failure_message,
    instances_with_role,
    is_change,
    summarize,
)
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ram import check_document


def binding_diff(results, region_id, labels=None):
    """The role before and after of every instance that changes (and only those), `id (name)` for one with a label."""
    labels = labels or {}
    diff = Diff(f'RAM roles of instances in {region_id}')
    for r in results:
        if is_change(r):
            iid = r['instance_id']
            diff.add(f'{iid} ({labels[iid]})' if labels.get(iid) else iid, r['role_before'], r['role_after'])
    return diff


def run(module):
    params = module.params
    region_id = require_region(params)
    role_name = params['role_name']
    state = params['state']
    gate = max_concurrency(params)
    ecs = module.client('ecs')
    policy_json = None
    if state == 'present':
        if params['policy'] is not None:
            # the rules of every other policy option (Version "1", statements RAM takes), before any call
            check_document(params['policy'], 'policy')
        policy_json = extra_policy(params['policy'])
        if params['check_role']:
            check_role(module.client('ram'), role_name, module.check_mode, module.warn)
    known = None
    if params['instance_ids'] is None:
        # state absent for every holder of the role: the listing already tells each one's role
        instance_ids = instances_with_role(ecs, region_id, role_name)
        known = dict.fromkeys(instance_ids, role_name)
    else:
        instance_ids = unique_ids(params['instance_ids'])
    results = bind_roles(ecs, region_id, instance_ids, role_name, state=state, on_conflict=params['on_conflict'],
                         policy_json=policy_json, check_mode=module.check_mode, known_roles=known, warn=module.warn,
                         max_concurrency=gate)
    result = {'changed': any(is_change(r) for r in results), 'role_name': role_name, 'results': results, 'summary': summarize(results)}
    binding_diff(results, region_id, params['labels']).attach(module, result)
    message = failure_message(results)
    if message:
        module.fail_json(msg=message, **result)
    module.exit_json(**result)


def main():
    AlicloudModule(
        argument_spec={
            'role_name': {'type': 'str', 'aliases': ['ram_role_name']},
            'instance_ids': {'type': 'list', 'elements': 'str'},
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'on_conflict': {'type': 'str', 'choices': ['fail', 'skip', 'replace'], 'default': 'fail'},
            'policy': {'type': 'json'},
            'check_role': {'type': 'bool', 'default': True},
            'labels': {'type': 'dict'},
            'max_concurrency': MAX_CONCURRENCY_SPEC,
        },
        required_if=[('state', 'present', ['role_name', 'instance_ids'])],
        required_one_of=[('role_name', 'instance_ids')],
        supports_check_mode=True,
    ).run(run)


if __name__ == '__main__':
    main()
