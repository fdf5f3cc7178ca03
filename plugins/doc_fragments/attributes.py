# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Attributes shared by the collection's modules.
    DOCUMENTATION = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/alicloud.instance_ram.alicloud) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - alicloud.instance_ram.alicloud
notes:
  - Every module of this collection belongs to the action group C(alicloud.instance_ram.alicloud), so
    C(module_defaults) with C(group/alicloud.instance_ram.alicloud) sets credentials and endpoints once.
"""

    # A module that changes things.
    ACTIONS = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return the changed status prediction without modifying the target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
    details:
      - Only in diff mode (C(--diff), or the task keyword C(diff) set to V(true)) does the result have a C(diff), the same shape in every module of
        the collection - C(before) and C(after) are dicts (V({}) for a thing that does not exist), C(before_header) and
        C(after_header) name the thing. Policy documents are shown as dicts in their canonical form, so the diff shows
        only changes of meaning. In check mode C(after) is the prediction, the same as in the real run.
"""

    # A module that only reads.
    INFO = r"""
options: {}
attributes:
  check_mode:
    description: This module only reads; it runs normally in check mode.
    support: full
    details: This action does not modify state.
  diff_mode:
    description: This module only reads and returns no diff.
    support: N/A
    details: This action does not modify state.
"""
