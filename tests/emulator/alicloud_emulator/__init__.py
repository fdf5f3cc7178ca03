# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local emulator of Alibaba Cloud RAM, ECS, STS, KMS and the ECS instance metadata service.

Start it with ``python -m alicloud_emulator --port 0``; drive it from tests with
:mod:`alicloud_emulator.testing`. See ``tests/emulator/README.md``.
"""
from __future__ import annotations

DEFAULT_ACCOUNT_ID = '1234567890123456'
DEFAULT_ACCESS_KEY_ID = 'LTAI5tEmulatorDefault001'
DEFAULT_ACCESS_KEY_SECRET = 'EmulatorDefaultSecretDoNotLeak01'
DEFAULT_REGION = 'cn-hangzhou'
METADATA_HOST = '100.100.100.200'
LISTENING_PREFIX = 'alicloud-emulator listening on '
