# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # max_concurrency of the modules that read or bind instance RAM roles in batches.
    DOCUMENTATION = r"""
options:
  max_concurrency:
    description:
      - How many batched API calls of this task (DescribeInstanceRamRole pages of 50 instances, DescribeInstances
        chunks of 100, AttachInstanceRamRole / DetachInstanceRamRole chunks of 100) are in flight at once.
      - V(1) sends them one after another. A higher value changes neither the results (the same per-instance
        results, in the same order) nor the number of calls, only the wall time.
      - The first batch of each step goes alone, so an error that would fail every call (a permission, a deleted
        role) costs one call as it does with V(1).
      - A throttling answer (a C(Throttling*) code, any HTTP 429, unavailability, HTTP 5xx, a timeout) halves the
        number of batches in flight (down to one); it grows back by one after 8 batches in a row without one.
      - Between 1 and 32.
    type: int
    default: 4
"""
