# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors the fakes raise: those of the emulator's contract (`alicloud_emulator.contract`), as AlicloudApiError.

A fake never invents a code: it imports the error (code, message, HTTP status) from the contract the emulator
answers with, so that a fake and the emulator cannot drift apart (tests/emulator/tests/test_parity.py plays one
scenario table through both). Which actions count as writes is the contract's `is_write` too.
"""

from __future__ import annotations

from alicloud_emulator import contract
from alicloud_emulator.contract import is_write

from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError

__all__ = ('api_error', 'contract', 'is_write')  # what the fakes import from here


def api_error(error, product=None, action=None, request_id='R-1'):
    """The contract's `error` as the AlicloudApiError the collection's ApiClient raises for that answer."""
    return AlicloudApiError(error.code, error.message, status=error.status, request_id=request_id, product=product, action=action)
