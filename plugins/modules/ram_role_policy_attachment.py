# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_role_policy_attachment
short_description: Attach policies to, or detach them from, an existing Alibaba Cloud RAM role
version_added: 0.1.0
description:
  - Attaches one or more policies to a RAM role, or detaches them, without owning the role.
  - The role must exist; this module never creates or deletes it (see M(alicloud.instance_ram.ram_role)). In check mode,
    a missing role is a warning and the result predicts the attachments, so that a playbook whose earlier task creates
    the role can be checked as a whole.
  - Policies attached to the role but not listed are left alone.
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
options:
  role_name:
    description:
      - Name of the existing role.
    type: str
    required: true
    aliases: [role]
  policies:
    description:
      - The policies. Each entry is a policy name whose type is looked up (C(System) first, then C(Custom)),
        C(System/<name>) or C(Custom/<name>), or a dict with keys C(name) and C(type).
      - With O(state=present) every listed policy must exist, otherwise nothing is attached and the module fails.
      - With O(state=absent) a name without type detaches the policy of that name whatever its type; a policy that
        is not attached (or does not exist) is no change.
    type: list
    elements: raw
    required: true
  state:
    description:
      - V(present) attaches the policies that are not attached yet, V(absent) detaches those that are.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.actions
seealso:
  - module: alicloud.instance_ram.ram_role
  - module: alicloud.instance_ram.ram_policy
"""

EXAMPLES = r"""
- name: Let the role read KMS secrets too
  alicloud.instance_ram.ram_role_policy_attachment:
    role_name: EcsRamRoleTest
    policies:
      - AliyunKMSSecretUserAccess
      - name: app-config-read
        type: Custom

- name: Take full KMS access away again
  alicloud.instance_ram.ram_role_policy_attachment:
    role_name: EcsRamRoleTest
    policies: [System/AliyunKMSFullAccess]
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
attachment:
  description: The role's attachments after the run (in check mode, as they would be).
  returned: always
  type: dict
  contains:
    role_name:
      description: Name of the role.
      type: str
      sample: EcsRamRoleTest
    policies:
      description: Every policy attached to the role after the run, sorted by name then type.
      type: list
      elements: dict
      contains:
        name:
          description: Policy name.
          type: str
          sample: AliyunKMSSecretUserAccess
        type:
          description: Policy type, C(System) or C(Custom).
          type: str
          sample: System
    attached:
      description: The policies this run attached, as C(name)/C(type) dicts.
      type: list
      elements: dict
      sample: [{"name": "AliyunKMSSecretUserAccess", "type": "System"}]
    detached:
      description: The policies this run detached, as C(name)/C(type) dicts.
      type: list
      elements: dict
      sample: []
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._diff import Diff
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ram import (
    attach_role_policy,
    check_role_name,
    detach_policy,
    is_missing_role,
    list_role_policies,
    parse_policy_refs,
    resolve_policies,
    select_attached,
    sort_policies,
)


def run(module):
    p = module.params
    role_name = check_role_name(p['role_name'], 'role_name')
    refs = parse_policy_refs(p['policies'])
    ram = module.client('ram')
    try:
        attached = list_role_policies(ram, role_name)
    except AlicloudApiError as err:
        if not is_missing_role(err):
            raise
        if not module.check_mode:
            module.fail_error(err, f'role {role_name!r} does not exist; this module never creates roles (see alicloud.instance_ram.ram_role)')
        # a playbook checked as a whole: an earlier task (ram_role) would create the role
        module.warn(f'role {role_name!r} does not exist -- check mode goes on as if an earlier task creates it (with no policy '
                    'attached); a real run fails unless one does')
        attached = []
    if p['state'] == 'present':
        to_attach = [x for x in resolve_policies(ram, refs, attached, check_mode=module.check_mode, warn=module.warn)
                     if x not in attached]
        to_detach = []
    else:
        to_attach = []
        to_detach = select_attached(refs, attached)
    if not module.check_mode:
        for policy in to_detach:
            detach_policy(ram, policy, role_name)
        for policy in to_attach:
            attach_role_policy(ram, role_name, policy)
    after = sort_policies([x for x in attached if x not in to_detach] + to_attach)
    result = {'changed': bool(to_attach or to_detach),
              'attachment': {'role_name': role_name, 'policies': after, 'attached': to_attach, 'detached': to_detach}}
    diff = Diff(f'policies of role {role_name}').view({'role_name': role_name, 'policies': attached}, {'role_name': role_name, 'policies': after})
    module.exit_json(**diff.attach(module, result))


def main():
    AlicloudModule(
        argument_spec={
            'role_name': {'type': 'str', 'required': True, 'aliases': ['role']},
            'policies': {'type': 'list', 'elements': 'raw', 'required': True},
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
        },
        supports_check_mode=True,
    ).run(run)


if __name__ == '__main__':
    main()
