# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""RAM operations and the one normaliser per RAM resource, shared by each module and its _info twin."""

from __future__ import annotations

import json

from ._errors import AlicloudApiError


def get_role(ram, name):
    """The GetRole `Role` body for `name`, or None when the role does not exist."""
    try:
        return ram.call('GetRole', {'RoleName': name})['Role']
    except AlicloudApiError as err:
        if err.matches('EntityNotExist.Role'):
            return None
        raise


def parse_trust_document(raw_role):
    """The role's trust policy as a dict (the API returns JSON text)."""
    text = raw_role.get('AssumeRolePolicyDocument')
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
