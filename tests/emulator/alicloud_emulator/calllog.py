# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The call log (with a ``since`` cursor) and counters per action; which actions are writes is in ``contract``."""
from __future__ import annotations

from collections import Counter, deque

from .clock import iso, now
from .contract import is_write

REDACTED_PARAMS = frozenset(('SecretData', 'Plaintext', 'Password', 'AccessKeySecret', 'SecurityToken', 'Signature'))


def redact(params: dict[str, str]) -> dict[str, str]:
    return {k: ('***' if k in REDACTED_PARAMS else v) for k, v in params.items()}


class CallLog:
    def __init__(self, maxlen: int = 200_000):
        self.entries: deque[dict] = deque(maxlen=maxlen)
        self.counters: Counter[str] = Counter()
        self.seq = 0

    def record(self, product: str, action: str, params: dict[str, str], **fields) -> dict:
        self.seq += 1
        at = now()
        entry = {
            'seq': self.seq, 'time': iso(at), 'timestamp': at, 'product': product, 'action': action,
            'write': is_write(action), 'params': redact(params),
        }
        entry.update(fields)
        self.entries.append(entry)
        self.counters[action] += 1
        return entry

    def query(self, since: int = 0, product: str | None = None, action: str | None = None,
              write: bool | None = None) -> list[dict]:
        return [e for e in self.entries
                if e['seq'] > since
                and (product is None or e['product'].lower() == product.lower())
                and (action is None or e['action'] == action)
                and (write is None or e['write'] == write)]

    def clear(self) -> None:
        self.entries.clear()
        self.counters.clear()
