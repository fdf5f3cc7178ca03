# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible.plugins.action.normal import ActionModule as NormalAction

from ansible_collections.alicloud.instance_ram.plugins.action import instance_role_credentials_info as action

PLAIN = {'changed': False, 'role_name': 'r', 'credentials': {'access_key_id': 'STS.x', 'seconds_left': 10}}


@pytest.mark.parametrize('result, censored', [
    (PLAIN, False),
    ({**PLAIN, 'credentials': {**PLAIN['credentials'], 'access_key_secret': 's', 'security_token': 't'}}, True),
    ({**PLAIN, 'credentials': {**PLAIN['credentials'], 'security_token': 't'}}, True),
    ({'failed': True, 'msg': 'no RAM role is bound to this instance'}, False),  # a failure stays readable
    ({'credentials': 'not a dict'}, False),
])
def test_only_a_result_with_secrets_is_censored(monkeypatch, result, censored):
    monkeypatch.setattr(NormalAction, 'run', lambda self, tmp=None, task_vars=None: dict(result))
    plugin = action.ActionModule(MagicMock(), MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    out = plugin.run(task_vars={})
    assert out.get('_ansible_no_log', False) is censored
    assert {k: v for k, v in out.items() if k != '_ansible_no_log'} == result


def test_async_is_refused():
    assert action.ActionModule._supports_async is False
