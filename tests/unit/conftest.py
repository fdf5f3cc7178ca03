# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every unit test shares: the isolation that `ansible-test units` gives, also under plain `pytest`.

The fakes of the cloud, one per product, and the one `run_module` are in tests/unit/plugins/test_support/.

`ansible-test units` (what `tools/test.sh units` runs) installs Ansible's collection loader before collecting, runs
the tests of modules, module_utils and controller plugins in separate pytest processes, and each test in its own
fork. Plain `pytest tests/unit`, run from a collection tree (`cd "$(tools/workspace.sh)" && pytest tests/unit`, see
docs/developing.md), gets the same here: the loader is installed when it is missing, and every test starts with the
state a module process starts with.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ansible.module_utils import _internal as _ansible_internal
from ansible.module_utils.common import warnings as _ansible_warnings

UNIT = Path(__file__).resolve().parent
# code that runs in a module's process (AnsiballZ on the target), not in the controller
TARGET_SIDE = (UNIT / 'plugins' / 'modules', UNIT / 'plugins' / 'module_utils')


def _install_collection_loader():
    """Plain pytest: let `ansible_collections.alicloud.instance_ram` and `lookup_loader` find this collection."""
    if any(type(finder).__name__ == '_AnsibleCollectionFinder' for finder in sys.meta_path):
        return  # ansible-test did it (its pytest plugin runs before this file)
    collection = UNIT.parents[1]
    if collection.parents[1].name != 'ansible_collections':
        raise pytest.UsageError(f'{collection} is not inside an ansible_collections/<namespace>/<name> tree: run plain pytest '
                                'from the workspace copy (cd "$(tools/workspace.sh)" && pytest tests/unit), see docs/developing.md')
    from ansible.plugins.loader import init_plugin_loader  # pylint: disable=import-outside-toplevel
    init_plugin_loader([str(collection.parents[2])])


_install_collection_loader()


@pytest.fixture(autouse=True)
def fresh_ansible_process_state(request, monkeypatch):
    """Each test starts as a new process would: no Alibaba Cloud variable of the caller's environment, no warning or
    deprecation left by an earlier test, and module code reporting its warnings in the result (as on a target) even
    after a controller plugin's test has imported the controller, which switches `warn()` to the controller's display."""
    for name in list(os.environ):
        if name.startswith(('ALIBABA_CLOUD_', 'ALICLOUD_')):
            monkeypatch.delenv(name)
    monkeypatch.setattr(_ansible_warnings, '_global_warnings', {})
    monkeypatch.setattr(_ansible_warnings, '_global_deprecations', {})
    if any(Path(request.node.path).is_relative_to(side) for side in TARGET_SIDE):
        monkeypatch.setattr(_ansible_internal, 'is_controller', False)
