# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One emulator process per test module, reset before every test; SDK client factories."""
from __future__ import annotations

import pytest

from alicloud_emulator.testing import EmulatorProcess

from helpers import sdk_config  # this folder is on sys.path (pytest's prepend import mode, no __init__.py)


@pytest.fixture(scope='module')
def emulator_process():
    with EmulatorProcess() as process:
        yield process


@pytest.fixture
def emu(emulator_process):
    emulator_process.control.reset()
    return emulator_process


@pytest.fixture
def control(emu):
    return emu.control


@pytest.fixture
def ram(emu):
    from alibabacloud_ram20150501.client import Client  # pylint: disable=import-outside-toplevel
    return Client(sdk_config(emu))


@pytest.fixture
def ecs(emu):
    from alibabacloud_ecs20140526.client import Client  # pylint: disable=import-outside-toplevel
    return Client(sdk_config(emu))


@pytest.fixture
def kms(emu):
    from alibabacloud_kms20160120.client import Client  # pylint: disable=import-outside-toplevel
    return Client(sdk_config(emu))


@pytest.fixture
def sts(emu):
    from alibabacloud_sts20150401.client import Client  # pylint: disable=import-outside-toplevel
    return Client(sdk_config(emu))
