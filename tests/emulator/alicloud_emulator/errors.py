# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type every handler raises, and the common gateway errors."""
from __future__ import annotations


class ApiError(Exception):
    """An API error answered as ``{RequestId, HostId, Code, Message}`` with an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400, headers: dict[str, str] | None = None,
                 access_denied_detail: dict | None = None):
        super().__init__(f'{code}: {message}')
        self.code = code
        self.message = message
        self.status = status
        self.headers = headers or {}
        self.access_denied_detail = access_denied_detail


def missing(name: str) -> ApiError:
    return ApiError('MissingParameter', f'The input parameter "{name}" that is mandatory for processing this request is not supplied.')


def invalid(name: str, detail: str = '', code: str = 'InvalidParameter') -> ApiError:
    text = f'The specified parameter "{name}" is not valid.'
    return ApiError(code, f'{text} {detail}'.strip())
