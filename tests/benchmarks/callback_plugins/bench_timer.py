# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records each task's wall time on the controller (task start to its result) for tests/benchmarks/bench.py.

Enabled by the benchmark only (ANSIBLE_CALLBACKS_ENABLED=bench_timer, ANSIBLE_CALLBACK_PLUGINS=<this folder>);
writes a JSON list of {"task", "host", "seconds", "changed", "failed"} to the file named by BENCH_TIMER_OUT.
"""
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = {}
        self._records = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.monotonic()  # pylint: disable=protected-access

    def _record(self, result, failed):
        task = result._task  # pylint: disable=protected-access
        started = self._started.get(task._uuid)  # pylint: disable=protected-access
        if started is None:
            return
        self._records.append({'task': task.get_name(), 'host': result._host.get_name(),  # pylint: disable=protected-access
                              'seconds': time.monotonic() - started, 'changed': bool(result._result.get('changed')),  # pylint: disable=protected-access
                              'failed': failed})

    def v2_runner_on_ok(self, result):
        self._record(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, True)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('BENCH_TIMER_OUT')
        if path:
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump(self._records, handle)
