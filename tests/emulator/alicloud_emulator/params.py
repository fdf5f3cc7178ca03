# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request parameters as the SDKs put them on the wire: typed, validated accessors."""
from __future__ import annotations

import json
import re
from urllib.parse import unquote_plus

from .errors import ApiError, invalid, missing

_TRUE = frozenset(('true', '1', 'yes'))
_FALSE = frozenset(('false', '0', 'no'))


def parse_pairs(raw: str) -> list[tuple[str, str]]:
    """Split a raw ``k=v&k2=v2`` string (query or form body); ``+`` decodes to a space."""
    pairs = []
    for part in raw.split('&'):
        if not part:
            continue
        key, dummy, value = part.partition('=')
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


class Params:
    """Read-only view of the request parameters (query merged with a form body)."""

    def __init__(self, values: dict[str, str]):
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name, '') != ''

    def str(self, name: str, default: str | None = None, required: bool = False, max_len: int | None = None,
            code: str = 'InvalidParameter') -> str | None:
        value = self.values.get(name)
        if value is None or value == '':
            if required:
                raise missing(name)
            return default
        if max_len is not None and len(value) > max_len:
            raise invalid(name, f'It must be at most {max_len} characters long.', code)
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None, required: bool = False,
               code: str = 'InvalidParameter') -> str | None:
        value = self.str(name, default, required)
        if value is not None and value not in choices:
            raise invalid(name, f'Valid values: {", ".join(choices)}.', code)
        return value

    def int(self, name: str, default: int | None = None, minimum: int | None = None, maximum: int | None = None,
            required: bool = False, code: str = 'InvalidParameter') -> int | None:
        raw = self.str(name, required=required)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid(name, 'It must be an integer.', code) from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise invalid(name, f'It must be between {minimum} and {maximum}.', code)
        return value

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        raw = self.str(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise invalid(name, 'It must be true or false.')

    def json(self, name: str, default=None, required: bool = False, code: str = 'InvalidParameter'):
        raw = self.str(name, required=required)
        if raw is None:
            return default
        try:
            return json.loads(raw)
        except ValueError:
            raise invalid(name, 'It must be a JSON document.', code) from None

    def id_list(self, name: str, maximum: int, code: str, message: str, required: bool = True) -> list[str] | None:
        """A JSON array string of 1..maximum ids, deduplicated in order (``InstanceIds``)."""
        raw = self.str(name, required=required)
        if raw is None:
            return None
        try:
            ids = json.loads(raw)
        except ValueError:
            raise ApiError(code, message) from None
        if not isinstance(ids, list) or not 1 <= len(ids) <= maximum or not all(isinstance(i, str) and i for i in ids):
            raise ApiError(code, message)
        return list(dict.fromkeys(ids))

    def repeat(self, name: str) -> list[str]:
        """``Name.1``, ``Name.2``, ... in numeric order (a repeat list)."""
        pattern = re.compile(re.escape(name) + r'\.(\d+)$')
        found = sorted((int(m.group(1)), v) for k, v in self.values.items() if (m := pattern.match(k)))
        return [v for dummy, v in found]

    def repeat_struct(self, name: str) -> list[dict[str, str]]:
        """``Name.N.Field`` entries grouped by N in numeric order (``Tag.1.Key``, ``Tag.1.Value``, ...)."""
        pattern = re.compile(re.escape(name) + r'\.(\d+)\.(\w+)$')
        groups: dict[int, dict[str, str]] = {}
        for key, value in self.values.items():
            m = pattern.match(key)
            if m:
                groups.setdefault(int(m.group(1)), {})[m.group(2)] = value
        return [groups[n] for n in sorted(groups)]
