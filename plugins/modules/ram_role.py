# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_role
short_description: Create, update and delete Alibaba Cloud RAM roles and their attached policies
version_added: 0.1.0
description:
  - Creates a RAM role, keeps its trust policy, description, maximum session duration and attached
    policies as given, or deletes it.
  - Trust policies are compared by meaning, not as text, so a document written differently
    (key order, whitespace, C("x") versus C(["x"]), list order) is no change.
  - An update sends only what changed, through UpdateRole, and always resends the current maximum
    session duration when O(max_session_duration) is not set, because the API resets an absent one to 3600.
  - Every input (names, duration, documents, the existence of every listed policy) is checked before
    the first write, so a bad input changes nothing.
  - To attach policies to a role this play does not own, use M(alicloud.instance_ram.ram_role_policy_attachment).
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
options:
  name:
    description:
      - Name of the role, 1 to 64 letters, digits, C(.) and C(-).
    type: str
    required: true
    aliases: [role_name]
  state:
    description:
      - V(present) creates or updates the role, V(absent) deletes it.
      - V(absent) first detaches every policy from the role. It refuses while an ECS instance in
        O(region_id) still uses the role, and names those instances, unless O(force=true).
    type: str
    choices: [present, absent]
    default: present
  assume_role_policy_document:
    description:
      - Trust policy of the role (who may assume it), as a dict or as JSON text.
      - When a role is created and this option is not set, the ECS trust policy is used
        (C(sts:AssumeRole) allowed for the service C(ecs.aliyuncs.com), C(Version) C("1")), which is
        what an ECS instance RAM role needs.
      - Not set on an existing role means leave the trust policy alone.
      - A warning is given when the policy lets any principal (C(*)) or every identity of an account assume the role.
      - Compared by meaning, not text - an account id in C(RAM) is the account's root (C(123456) is C(acs:ram::123456:root))
        and the principal C("*") is C({"RAM":"*"}), so neither spelling change is reported as a change.
    type: json
    aliases: [trust_policy]
  description:
    description:
      - Description of the role, 1 to 1024 characters. Not set means leave it alone.
    type: str
  max_session_duration:
    description:
      - Maximum lifetime in seconds of the role's STS credentials, 3600 to 43200.
      - Not set means 3600 for a new role and leave alone for an existing role.
    type: int
  policies:
    description:
      - Policies that must be attached to the role. Each entry is a policy name whose type is looked up
        (C(System) first, then C(Custom)), C(System/<name>) or C(Custom/<name>), or a dict with keys
        C(name) and C(type).
      - Every listed policy must exist, otherwise the module fails before changing anything.
      - Not set means leave the attached policies alone.
    type: list
    elements: raw
  purge_policies:
    description:
      - With V(true), policies attached to the role but not listed in O(policies) are detached.
      - With the default V(false), they are left attached. Has no effect when O(policies) is not set.
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), delete the role even when ECS instances in O(region_id) still use it (they keep
        a reference to a role that no longer exists; a warning names them), and do not require O(region_id).
    type: bool
    default: false
  wait:
    description:
      - After creating a role that gets no policy, wait until RAM serves it (GetRole), at most O(wait_timeout) seconds.
      - Attaching policies to a new role always retries while RAM does not see the role yet, for at most O(wait_timeout) seconds.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for a new role, see O(wait).
    type: int
    default: 120
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.actions
notes:
  - "A no-op run of an existing role makes two API calls: GetRole and ListPoliciesForRole."
  - In check mode, values that only the service assigns (RV(role.role_id), RV(role.arn), RV(role.create_date))
    are V(null) for a role that would be created, and RV(role.update_date) is the current one.
  - With O(state=absent), RAM may still count a policy detached just before (C(DeleteConflict.Role.Policy));
    DeleteRole is retried for at most 60 seconds. A role that ECS does not know yet (C(InvalidRamRole.NotFound)
    from DescribeInstanceRamRole) is used by no instance.
seealso:
  - module: alicloud.instance_ram.ram_role_info
  - module: alicloud.instance_ram.ram_role_policy_attachment
  - module: alicloud.instance_ram.ram_policy
"""

EXAMPLES = r"""
- name: An ECS instance role that may use KMS (the trust policy defaults to ECS)
  alicloud.instance_ram.ram_role:
    name: EcsRamRoleTest
    description: Lets the application on ECS read its secrets from KMS
    policies:
      - System/AliyunKMSCryptoUserAccess
      - AliyunKMSSecretUserAccess
  register: role

- name: A role with an explicit trust policy, longer sessions, and exactly these policies
  alicloud.instance_ram.ram_role:
    name: ci-deployer
    assume_role_policy_document:
      Version: "1"
      Statement:
        - Action: sts:AssumeRole
          Effect: Allow
          Principal:
            RAM: ["acs:ram::1234567890123456:user/ci"]
    max_session_duration: 7200
    policies:
      - name: AliyunECSReadOnlyAccess
        type: System
    purge_policies: true

- name: Delete the role (refused while an instance in the region still uses it)
  alicloud.instance_ram.ram_role:
    name: EcsRamRoleTest
    region_id: cn-hangzhou
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
created:
  description: V(true) when this run created the role (in check mode - would create it).
  returned: always
  type: bool
  sample: true
role:
  description: The role after the run (in check mode, as it would be). Not returned with O(state=absent).
  returned: when O(state=present)
  type: dict
  contains:
    role_name:
      description: Name of the role.
      type: str
      sample: EcsRamRoleTest
    role_id:
      description: ID of the role; V(null) in check mode for a role that would be created.
      type: str
      sample: "901234567890123456"
    arn:
      description: ARN of the role; V(null) in check mode for a role that would be created.
      type: str
      sample: acs:ram::1234567890123456:role/EcsRamRoleTest
    description:
      description: Description of the role (empty when it has none).
      type: str
      sample: Lets the application on ECS read its secrets from KMS
    assume_role_policy_document:
      description: The trust policy as a dict.
      type: dict
      sample: {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}], "Version": "1"}
    max_session_duration:
      description: Maximum session duration in seconds.
      type: int
      sample: 3600
    create_date:
      description: Creation time (UTC); V(null) in check mode for a role that would be created.
      type: str
      sample: "2026-11-27T10:00:00Z"
    update_date:
      description: Time of the last update (UTC), when the service reports it.
      type: str
      sample: "2026-11-27T10:00:00Z"
    policies:
      description: The policies attached to the role, sorted by name then type.
      type: list
      elements: dict
      contains:
        name:
          description: Policy name.
          type: str
          sample: AliyunKMSCryptoUserAccess
        type:
          description: Policy type, C(System) or C(Custom).
          type: str
          sample: System
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._diff import Diff
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ecs_binding import instances_with_role
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import (
    ECS_TRUST_POLICY,
    PolicyDocumentError,
    broad_trust_warnings,
    normalize_policy,
    policies_equal,
)
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ram import (
    attach_role_policy,
    check_description,
    check_document,
    check_max_session_duration,
    check_role_name,
    create_or_read,
    delete_role,
    detach_policy,
    list_role_policies,
    new_role,
    parse_policy_refs,
    read_role,
    resolve_policies,
    update_role,
    updated_role,
    wait_for_role,
    with_policies,
)

TRUST_OPTION = 'assume_role_policy_document'


# ---------------------------------------------------------------- plan: one function per attribute (None = no change)
# `current` is a role as _ram normalises it

def trust_change(current, trust):
    """The new trust policy text, when the wanted document means something else than the current one."""
    if trust is None or policies_equal(trust.parsed, current[TRUST_OPTION]):
        return None
    return trust.text


def description_change(current, description):
    if description is None or description == current['description']:
        return None
    return description


def duration_change(current, duration):
    if duration is None or duration == current['max_session_duration']:
        return None
    return duration


def role_updates(current, trust, description, duration):
    """The changes of update_role (trust policy as text, description, duration) for what changed, or {} when nothing did."""
    updates = {
        TRUST_OPTION: trust_change(current, trust),
        'description': description_change(current, description),
        'max_session_duration': duration_change(current, duration),
    }
    return {k: v for k, v in updates.items() if v is not None}


def policy_changes(attached, wanted, purge):
    """(to attach, to detach) given the attached and wanted {name, type} lists; wanted None = leave alone."""
    if wanted is None:
        return [], []
    to_attach = [p for p in wanted if p not in attached]
    to_detach = [p for p in attached if p not in wanted] if purge else []
    return to_attach, to_detach


def diff_view(role):
    """What --diff shows of a role: the trust policy normalised (readable, order-free) and the managed attributes."""
    if role is None:
        return {}
    document = role['assume_role_policy_document']
    try:
        document = normalize_policy(document, TRUST_OPTION) if document else None
    except PolicyDocumentError:
        pass  # shown as the service holds it
    return {
        'role_name': role['role_name'],
        TRUST_OPTION: document,
        'description': role['description'],
        'max_session_duration': role['max_session_duration'],
        'policies': role.get('policies', []),
    }


# ---------------------------------------------------------------- act

def update(module, ram, current, trust, refs):
    """Bring an existing role to what is wanted; return (changed, role before, role after)."""
    p = module.params
    name = current['role_name']
    attached = list_role_policies(ram, name)
    # an attached policy's type is known from the list: only the others cost a GetPolicy
    wanted = resolve_policies(ram, refs, attached, check_mode=module.check_mode, warn=module.warn) if refs is not None else None
    updates = role_updates(current, trust, p['description'], p['max_session_duration'])
    to_attach, to_detach = policy_changes(attached, wanted, p['purge_policies'])
    after = updated_role(current, **updates)
    if not module.check_mode:
        if updates:
            after = update_role(ram, current, **updates)
        for policy in to_detach:
            detach_policy(ram, policy, name)
        for policy in to_attach:
            attach_role_policy(ram, name, policy)
    policies = [x for x in attached if x not in to_detach] + to_attach
    return bool(updates or to_attach or to_detach), with_policies(current, attached), with_policies(after, policies)


def ensure_present(module, ram, name):
    p = module.params
    # every input is checked before the first call
    trust = check_document(p[TRUST_OPTION], TRUST_OPTION, trust=True) if p[TRUST_OPTION] is not None else None
    check_description(p['description'])
    check_max_session_duration(p['max_session_duration'])
    refs = parse_policy_refs(p['policies']) if p['policies'] is not None else None
    if trust is not None:
        for warning in broad_trust_warnings(trust.parsed):
            module.warn(warning)

    current = read_role(ram, name)
    if current is not None:
        return update(module, ram, current, trust, refs)
    wanted = resolve_policies(ram, refs or [], [], check_mode=module.check_mode, warn=module.warn)
    text = (trust or check_document(ECS_TRUST_POLICY, TRUST_OPTION, trust=True)).text
    if module.check_mode:
        return True, None, with_policies(new_role(name, text, p['description'], p['max_session_duration']), wanted)
    created, role = create_or_read(ram, 'role', name, text, p['description'], p['max_session_duration'])
    if not created:
        return update(module, ram, role, trust, refs)  # created meanwhile by a concurrent run: converge it
    for policy in wanted:
        attach_role_policy(ram, name, policy, retry_timeout=p['wait_timeout'])
    if p['wait'] and not wanted:
        wait_for_role(ram, name, p['wait_timeout'])
    return True, None, with_policies(role, wanted)


def ensure_absent(module, ram, name):
    p = module.params
    current = read_role(ram, name)
    if current is None:
        return False, None, None
    bound = []
    if p['region_id']:
        bound = instances_with_role(module.client('ecs'), p['region_id'], name)
    elif not p['force']:
        raise AlicloudParameterError('region_id', 'is required with state=absent, to check that no ECS instance still uses the role '
                                     '(or set force=true)')
    if bound and not p['force']:
        module.fail_json(msg=f"role {name} is still used by {len(bound)} ECS instance(s) in {p['region_id']}: {', '.join(bound)}; "
                         'detach it from them first, or set force=true', instance_ids=bound)
    if bound:
        module.warn(f"role {name} is deleted while still used by ECS instance(s) in {p['region_id']}: {', '.join(bound)}")
    attached = list_role_policies(ram, name)
    if not module.check_mode:
        for policy in attached:
            detach_policy(ram, policy, name)
        delete_role(ram, name)
    return True, with_policies(current, attached), None


def run(module):
    name = check_role_name(module.params['name'])
    ram = module.client('ram')
    if module.params['state'] == 'absent':
        changed, before, after = ensure_absent(module, ram, name)
    else:
        changed, before, after = ensure_present(module, ram, name)
    result = {'changed': changed, 'created': changed and before is None and after is not None}
    if after is not None:
        result['role'] = after
    module.exit_json(**Diff(f'role {name}').view(diff_view(before), diff_view(after)).attach(module, result))


def main():
    AlicloudModule(
        argument_spec={
            'name': {'type': 'str', 'required': True, 'aliases': ['role_name']},
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            TRUST_OPTION: {'type': 'json', 'aliases': ['trust_policy']},
            'description': {'type': 'str'},
            'max_session_duration': {'type': 'int'},
            'policies': {'type': 'list', 'elements': 'raw'},
            'purge_policies': {'type': 'bool', 'default': False},
            'force': {'type': 'bool', 'default': False},
            'wait': {'type': 'bool', 'default': True},
            'wait_timeout': {'type': 'int', 'default': 120},
        },
        supports_check_mode=True,
    ).run(run)


if __name__ == '__main__':
    main()
