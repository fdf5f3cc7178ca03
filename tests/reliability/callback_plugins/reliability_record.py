# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback of the reliability suite: every task result, as Ansible hands it to callbacks, to a JSON file.

Enabled by the suite through ANSIBLE_CALLBACKS_ENABLED; the file is named by RELIABILITY_RECORD. The results are
the ones every callback sees (the screen, log files), so they are also what the secret scan reads as "the return
values": a task result that Ansible censors (no_log) arrives censored.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: reliability_record
type: aggregate
short_description: Record every task result to the JSON file named by RELIABILITY_RECORD (reliability suite only)
description:
  - Test helper of the alicloud.instance_ram reliability suite; not part of the collection.
requirements:
  - RELIABILITY_RECORD environment variable
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'reliability_record'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get('RELIABILITY_RECORD')
        self._records = []

    def _record(self, result, status):
        self._records.append({'task': result.task_name, 'action': result.task.action, 'host': result.host.get_name(),
                              'status': status, 'result': dict(result.result)})
        # RELIABILITY_RECORD_AT_END: write once, when the playbook ends (a fleet of hundreds of hosts makes thousands of
        # results; rewriting the file after each one would cost more than the run)
        if not os.environ.get('RELIABILITY_RECORD_AT_END'):
            self._flush()

    def v2_playbook_on_stats(self, stats):  # pylint: disable=unused-argument
        self._flush()

    def _flush(self):
        if self._path:
            with open(self._path, 'w', encoding='utf-8') as handle:
                json.dump(self._records, handle, default=str)

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'ignored' if ignore_errors else 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')
