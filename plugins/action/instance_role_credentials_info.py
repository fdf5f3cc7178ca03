# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of instance_role_credentials_info: censor a result that carries secrets.

ansible-core 2.19 censors a task result in every callback (screen at any verbosity, log files) when the
result has `_ansible_no_log` true, and only then. A module cannot set that key (the controller strips
`_ansible_*` keys from module output), and a module's own `no_log_values` would mask the values before
they leave the host. An action plugin can set it: this one runs the module as usual and sets it when
the module returned the AccessKey secret or the security token. `register` still receives them.
"""

from __future__ import annotations

from ansible.plugins.action.normal import ActionModule as NormalAction

SECRET_KEYS = ('access_key_secret', 'security_token')


def carries_secrets(result):
    credentials = result.get('credentials')
    return isinstance(credentials, dict) and any(credentials.get(key) for key in SECRET_KEYS)


class ActionModule(NormalAction):

    # an async job's result would later reach async_status uncensored
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if carries_secrets(result):
            result['_ansible_no_log'] = True
        return result
