# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() as Ansible runs it, for every module test: one helper, one set of defaults.

The environment (ALIBABA_CLOUD_*, ALICLOUD_*) and Ansible's warnings are reset for every test by
tests/unit/conftest.py; the product fakes (ram.py, ecs.py, kms.py, metadata.py beside this file) install
themselves as the clients of the module under test.
"""
from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

AUTH = {'access_key_id': 'LTAIunit', 'access_key_secret': 'unit-secret-value', 'region_id': 'cn-hangzhou'}


def run_module(main, capsys, check_mode=False, diff=False, **args):
    """Run `main()` with `args` (check and diff mode off unless asked); return (exit code, result dict)."""
    args = {**args, '_ansible_check_mode': check_mode, '_ansible_diff': diff}
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def warnings(result):
    """The texts of a module result's warnings."""
    return [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings', [])]
