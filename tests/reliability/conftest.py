# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the reliability suite: one emulator per session (per xdist worker), a fresh state per test.

Run:  .venv/bin/python -m pytest tests/reliability -q   (or `tools/test.sh reliability`, which also renders
docs/reliability.md from the summary the suite writes: RELIABILITY_SUMMARY, default tests/output/reliability/).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import ROOT, Harness, Ledger

from alicloud_emulator.testing import EmulatorProcess

LEDGER = Ledger()
TESTS = {'passed': 0, 'failed': 0}


def _collections_path(tmp_root):
    """The directory above ansible_collections/alicloud/instance_ram: the tree itself when it sits in that layout
    (tools/test.sh's workspace), else a symlink made for the session."""
    if ROOT.parent.name == 'alicloud' and ROOT.parent.parent.name == 'ansible_collections' and ROOT.name == 'instance_ram':
        return ROOT.parent.parent.parent
    link = tmp_root / 'collections' / 'ansible_collections' / 'alicloud' / 'instance_ram'
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(ROOT, target_is_directory=True)
    return tmp_root / 'collections'


@pytest.fixture(scope='session')
def harness(tmp_path_factory):
    root = tmp_path_factory.mktemp('reliability')
    with EmulatorProcess() as emulator:
        yield Harness(emulator, root / 'runs', _collections_path(root), LEDGER)


@pytest.fixture
def h(harness):
    """The harness, with the emulator back to a fresh state holding only the suite's account."""
    harness.reset()
    return harness


def _summary_dir():
    return Path(os.environ.get('RELIABILITY_SUMMARY_DIR') or ROOT / 'tests' / 'output' / 'reliability')


def _worker():
    return os.environ.get('PYTEST_XDIST_WORKER')


def pytest_configure(config):  # pylint: disable=unused-argument
    if _worker() is None:
        # a new session: the summaries of an earlier one (maybe with another number of workers) go
        for old in _summary_dir().glob('summary-*.json'):
            old.unlink()


# The longest tests first (the fleet scenarios: minutes each, about one core): a pytest-xdist worker takes the next test
# in collection order, so they start at once beside the short ones instead of running alone at the end of the suite.
LONGEST_FIRST = ('test_fleet_playbooks.py',)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)  # a stable sort: the order within each part stays


def pytest_runtest_logreport(report):
    # the process that runs pytest sees every report (with xdist, the workers' too)
    if _worker() is not None:
        return
    if report.when == 'call':
        TESTS[report.outcome] = TESTS.get(report.outcome, 0) + 1
    elif report.failed:
        TESTS['failed'] += 1


def pytest_sessionfinish(session):  # pylint: disable=unused-argument
    LEDGER.write(_summary_dir() / f"summary-{_worker() or 'main'}.json", TESTS if _worker() is None else {})
