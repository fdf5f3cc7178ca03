# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time formats of the APIs, and random identifiers."""
from __future__ import annotations

import calendar
import secrets
import string
import time
import uuid

_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits


def now() -> float:
    return time.time()


def iso(ts: float) -> str:
    """RAM / STS / KMS / metadata format: ``2026-01-02T03:04:05Z``."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(ts))


def iso_minutes(ts: float) -> str:
    """ECS instance format: ``2026-01-02T03:04Z``."""
    return time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime(ts))


def parse_iso(text: str) -> float:
    """Parse ``%Y-%m-%dT%H:%M:%SZ`` (UTC); raises ValueError."""
    return float(calendar.timegm(time.strptime(text, '%Y-%m-%dT%H:%M:%SZ')))


def request_id() -> str:
    return str(uuid.uuid4()).upper()


def random_alnum(length: int, alphabet: str = _ALNUM) -> str:
    return ''.join(secrets.choice(alphabet) for dummy in range(length))


def random_lower(length: int) -> str:
    return random_alnum(length, _LOWER_ALNUM)


def random_digits(length: int) -> str:
    return str(secrets.randbelow(9) + 1) + random_alnum(length - 1, string.digits)
