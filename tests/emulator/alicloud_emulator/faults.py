# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Injected faults, off by default: throttling, 5xx, dropped connections, slow responses, unreadable 200s.

A throttle fault without an explicit code answers as the product does: KMS ``Rejected.Throttling`` (HTTP 429, the
KMS FAQ), every other product ``Throttling`` with the ``throttle_status`` setting (400 by older gateways, 429 by
newer ones; reference 0b.1). ``empty_body`` / ``truncated_body`` run the call (its effect happens) and answer
HTTP 200 with an empty or cut-off JSON body (reference 0b.16).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .contract import KMS_THROTTLING
from .contract import TRANSIENT_MESSAGES as MESSAGES

KINDS = ('throttle', 'error', 'drop', 'delay', 'empty_body', 'truncated_body')
BODY_KINDS = ('empty_body', 'truncated_body')
_DEFAULTS = {
    'error': ('InternalError', 500),
}


@dataclass
class Fault:
    id: int
    kind: str
    action: str = '*'
    product: str | None = None
    count: int | None = None  # remaining matching calls; None = until cleared
    code: str | None = None
    status: int | None = None
    message: str | None = None
    retry_after: int | None = None  # x-acs-retry-after header value (the SDK reads it as milliseconds)
    delay_ms: int = 0

    def answer(self, product: str, throttle_status: int) -> tuple[str, int, str]:
        """Code, HTTP status and message of an error fault on a call of ``product``."""
        code = self.code or (KMS_THROTTLING if product.upper() == 'KMS' else 'Throttling')
        status = self.status or (429 if code == KMS_THROTTLING else throttle_status)
        return code, status, self.message or MESSAGES.get(code, code)

    def matches(self, product: str, action: str) -> bool:
        return (self.action in ('*', action)) and (self.product is None or self.product.lower() == product.lower())


class Faults:
    def __init__(self):
        self.rules: list[Fault] = []
        self._next_id = 1

    def add(self, kind: str, action: str = '*', product: str | None = None, count: int | None = None,
            code: str | None = None, status: int | None = None, message: str | None = None,
            retry_after: int | None = None, delay_ms: int = 0) -> Fault:
        if kind not in KINDS:
            raise ValueError(f'kind must be one of {", ".join(KINDS)}')
        if count is not None and count < 1:
            raise ValueError('count must be a positive integer or null')
        default_code, default_status = _DEFAULTS.get(kind, (None, None))
        code = code or default_code
        if code == 'ServiceUnavailable' and status is None:
            status = 503
        fault = Fault(self._next_id, kind, action, product, count, code, status or default_status,
                      message or (MESSAGES.get(code, code) if code else None), retry_after, int(delay_ms))
        self._next_id += 1
        self.rules.append(fault)
        return fault

    def take(self, product: str, action: str) -> Fault | None:
        """The first rule matching this call, consuming one of its counts."""
        for fault in self.rules:
            if fault.matches(product, action):
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count == 0:
                        self.rules.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.rules.clear()

    def describe(self) -> list[dict]:
        return [asdict(f) for f in self.rules]
