# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_policy
short_description: Create, update and delete Alibaba Cloud RAM custom policies
version_added: 0.1.0
description:
  - Creates a custom RAM policy, keeps its document and description as given, or deletes it.
  - Documents are compared by meaning, not as text, so a document written differently is no change.
  - A changed document becomes a new default version (CreatePolicyVersion). A policy has at most 5 versions;
    when it has 5, the oldest version that is not the default one is removed to make room.
  - Every input is checked before the first write, so a bad input changes nothing.
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
options:
  name:
    description:
      - Name of the custom policy, 1 to 128 letters, digits and C(-).
    type: str
    required: true
    aliases: [policy_name]
  policy_document:
    description:
      - The policy, as a dict or as JSON text (C(Version) C("1") and a list of C(Statement)s with C(Effect),
        C(Action) and C(Resource)). At most 6144 characters as compact JSON.
      - Required to create a policy. Not set on an existing policy means leave the document alone.
    type: json
  description:
    description:
      - Description of the policy, 1 to 1024 characters. Not set means leave it alone.
      - Changed in place with UpdatePolicyDescription.
    type: str
  state:
    description:
      - V(present) creates or updates the policy, V(absent) deletes it with all its versions.
      - V(absent) refuses while the policy is attached to any role, user or group, unless O(force=true).
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), first detach the policy from every role, user and group it is attached to.
    type: bool
    default: false
extends_documentation_fragment:
  - alicloud.instance_ram.auth
  - alicloud.instance_ram.attributes
  - alicloud.instance_ram.attributes.actions
notes:
  - In check mode, values that only the service assigns are V(null) when they would change
    (RV(policy.default_version) of a new version, RV(policy.create_date) and RV(policy.update_date) of a new policy).
  - With O(state=absent), RAM may still count attachments or versions removed just before
    (C(DeleteConflict.Policy.User), C(.Group), C(.Version)); DeletePolicy is retried for at most 60 seconds.
seealso:
  - module: alicloud.instance_ram.ram_policy_info
  - module: alicloud.instance_ram.ram_role
"""

EXAMPLES = r"""
- name: A least-privilege policy for one KMS secret
  alicloud.instance_ram.ram_policy:
    name: app-db-secret-read
    description: Read the database password of the app
    policy_document:
      Version: "1"
      Statement:
        - Effect: Allow
          Action: ["kms:GetSecretValue"]
          Resource: ["acs:kms:cn-hangzhou:*:secret/app-db-password"]

- name: Delete it, detaching it from every role first
  alicloud.instance_ram.ram_policy:
    name: app-db-secret-read
    state: absent
    force: true
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
policy:
  description: The policy after the run (in check mode, as it would be).
  returned: when O(state=present)
  type: dict
  contains:
    policy_name:
      description: Name of the policy.
      type: str
      sample: app-db-secret-read
    policy_type:
      description: Always C(Custom).
      type: str
      sample: Custom
    description:
      description: Description of the policy (empty when it has none).
      type: str
      sample: Read the database password of the app
    default_version:
      description: ID of the default version, whose document is RV(policy.policy_document).
      type: str
      sample: v2
    policy_document:
      description: The document of the default version, as a dict.
      type: dict
      sample: {"Statement": [{"Action": ["kms:GetSecretValue"], "Effect": "Allow", "Resource": ["*"]}], "Version": "1"}
    attachment_count:
      description: Number of roles, users and groups the policy is attached to.
      type: int
      sample: 1
    create_date:
      description: Creation time (UTC).
      type: str
      sample: "2026-11-27T10:00:00Z"
    update_date:
      description: Time of the last update (UTC).
      type: str
      sample: "2026-11-27T10:00:00Z"
detached_from:
  description: The entities the policy was detached from before it was deleted (O(force=true)).
  returned: when O(state=absent)
  type: dict
  contains:
    roles:
      description: Role names.
      type: list
      elements: str
      sample: [EcsRamRoleTest]
    users:
      description: User names.
      type: list
      elements: str
      sample: []
    groups:
      description: Group names.
      type: list
      elements: str
      sample: []
"""

from ansible_collections.alicloud.instance_ram.plugins.module_utils._diff import Diff
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import AlicloudModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import normalize_policy, policies_equal
from ansible_collections.alicloud.instance_ram.plugins.module_utils._ram import (
    check_description,
    check_document,
    check_policy_name,
    create_or_read,
    create_policy_version,
    delete_policy,
    detach_policy,
    new_policy,
    policy_entities,
    read_policy,
    update_policy_description,
)

DOC_OPTION = 'policy_document'


# ---------------------------------------------------------------- plan: one function per attribute (None = no change)

def document_change(current, document):
    """The new document text, when the wanted document means something else than the current default version's."""
    if document is None or policies_equal(document.parsed, current['policy_document']):
        return None
    return document.text


def description_change(current, description):
    if description is None or description == current['description']:
        return None
    return description


def diff_view(policy):
    """What --diff shows: the document normalised (readable, order-free) and the description."""
    if policy is None:
        return {}
    document = policy['policy_document']
    return {'policy_name': policy['policy_name'], 'description': policy['description'],
            DOC_OPTION: normalize_policy(document, DOC_OPTION) if document else None}


# ---------------------------------------------------------------- act

def update_policy(module, ram, current, document):
    name = current['policy_name']
    new_text = document_change(current, document)
    new_description = description_change(current, module.params['description'])
    after = dict(current)
    if new_text is not None:
        after.update(policy_document=document.parsed, default_version=None, update_date=None)
    if new_description is not None:
        after.update(description=new_description, update_date=None)
    if not module.check_mode:
        if new_text is not None:
            version = create_policy_version(ram, name, new_text)
            after.update(default_version=version['version_id'], update_date=version['create_date'])
        if new_description is not None:
            answered = update_policy_description(ram, name, new_description)
            after['update_date'] = answered['update_date'] or after['update_date']
    return new_text is not None or new_description is not None, current, after


def ensure_present(module, ram, name):
    p = module.params
    document = check_document(p[DOC_OPTION], DOC_OPTION) if p[DOC_OPTION] is not None else None
    check_description(p['description'])
    current = read_policy(ram, 'Custom', name)
    if current is None:
        if document is None:
            raise AlicloudParameterError(DOC_OPTION, f'is required to create the policy {name}')
        if module.check_mode:
            return True, None, new_policy(name, document.text, p['description'])
        created, current = create_or_read(ram, 'policy', name, document.text, p['description'])
        if created:
            return True, None, current
        # created meanwhile by a concurrent run: converge it
    return update_policy(module, ram, current, document)


def ensure_absent(module, ram, name):
    current = read_policy(ram, 'Custom', name)
    detached = {'roles': [], 'users': [], 'groups': []}
    if current is None:
        return False, None, None, detached
    if current['attachment_count']:
        if not module.params['force']:
            module.fail_json(msg=f"policy {name} is attached to {current['attachment_count']} role(s), user(s) or group(s); "
                             'detach it first, or set force=true to detach it everywhere and delete it')
        detached = policy_entities(ram, {'name': name, 'type': 'Custom'})
    if not module.check_mode:
        for kind, names in detached.items():
            for entity in names:
                detach_policy(ram, {'name': name, 'type': 'Custom'}, entity, kind)
        delete_policy(ram, name)
    return True, current, None, detached


def run(module):
    name = check_policy_name(module.params['name'])
    ram = module.client('ram')
    result = {}
    if module.params['state'] == 'absent':
        changed, before, after, result['detached_from'] = ensure_absent(module, ram, name)
    else:
        changed, before, after = ensure_present(module, ram, name)
        result['policy'] = after
    result['changed'] = changed
    module.exit_json(**Diff(f'policy {name}').view(diff_view(before), diff_view(after)).attach(module, result))


def main():
    AlicloudModule(
        argument_spec={
            'name': {'type': 'str', 'required': True, 'aliases': ['policy_name']},
            DOC_OPTION: {'type': 'json'},
            'description': {'type': 'str'},
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'force': {'type': 'bool', 'default': False},
        },
        supports_check_mode=True,
    ).run(run)


if __name__ == '__main__':
    main()
