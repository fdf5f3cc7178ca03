# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_access_check
short_description: Prove that an application, configured as it is on this host, reaches KMS with the instance role
version_added: 0.2.0
description:
  - Starts a B(fresh Python process) per client in O(clients), with the environment a service would have (C(PATH),
    C(LANG), C(HOME), the variables of O(env_files), and O(http_proxy) if given) and nothing else - no option, no
    AccessKey, none of the variables of the Ansible connection - and lets that process reach KMS the way an
    application does.
  - V(kms_sdk) is the official KMS SDK (C(alibabacloud-kms20160120)) with the default credential chain of
    C(alibabacloud-credentials) (its C(Client) built with no argument). V(secretsmanager_v2) is the Secrets Manager Client
    for Python (C(alibabacloud-secretsmanager-client-v2)), V(secretsmanager_v1) the older C(aliyun-secret-manager-client);
    both read C(secretsmanager.properties) from their working directory (O(properties_file)) and then the
    environment, and read O(secret_name).
  - Each client is reported separately (RV(clients)) - whether it passed, the credential provider it used, the way it
    asks the metadata service, the code of a failure - and a client that is not installed for O(python) is reported
    as such, not failed. A client that fetches metadata without a token is reported with C(hardened_mode=false) and
    the advice to use one that asks for a token; on an instance in hardened mode it fails with
    C(MetadataTokenRequired).
  - The module never imports an SDK itself; it runs the probe (the collection's C(_app_probe) module_utils) with
    O(python).
options:
  clients:
    description: The clients to run, in this order.
    type: list
    elements: str
    choices: [kms_sdk, secretsmanager_v2, secretsmanager_v1]
    default: [kms_sdk, secretsmanager_v2, secretsmanager_v1]
  region_id:
    description: The region the application uses (V(kms_sdk)). The Secrets Manager Clients take theirs from their configuration.
    type: str
    required: true
  kms_endpoint:
    description:
      - The KMS endpoint of the application (V(kms_sdk)), a host (HTTPS) or a URL such as C(http://host:port).
      - Default C(kms.<region>.aliyuncs.com).
    type: str
  secret_name:
    description:
      - The secret the application reads. Required by the Secrets Manager Clients; V(kms_sdk) reads it too when given
        (GetSecretValue), else lists keys (ListKeys). The value never leaves the fresh process.
    type: str
  env_files:
    description:
      - Environment files of the service (systemd C(EnvironmentFile=) syntax), read in this order; later files win.
    type: list
    elements: path
    default: []
  properties_file:
    description:
      - The C(secretsmanager.properties) of the application. The fresh process runs in its directory, where the
        Secrets Manager Client looks for it; a file of another name is given to the client as its custom config file.
    type: path
  home:
    description: C(HOME) of the fresh process (where C(~/.alibabacloud/credentials.ini) is looked up). Default the current user's.
    type: path
  http_proxy:
    description:
      - C(HTTP_PROXY) of the fresh process, when the service has one. With the collection's emulator it is the
        instance's own metadata port, the same value the role gives the verification as C(metadata_proxy).
    type: str
  python:
    description: The application's Python interpreter. Default the interpreter running this module.
    type: path
  timeout:
    description: Seconds a client may take before it is reported as failed (code C(Timeout)).
    type: int
    default: 60
  fail_on_failure:
    description: Fail the task when an installed client did not pass (after running every client).
    type: bool
    default: false
extends_documentation_fragment:
  - alicloud.instance_ram.attributes.info
notes:
  - The fresh process runs as the user of the task; use C(become_user) to run it as the service's user.
seealso:
  - module: alicloud.instance_ram.kms_access_check
  - module: alicloud.instance_ram.instance_role_credentials_info
author:
  - alicloud.instance_ram contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Would the application, configured as it is, reach KMS with the instance role?
  alicloud.instance_ram.app_access_check:
    region_id: cn-hangzhou
    kms_endpoint: kms-vpc.cn-hangzhou.aliyuncs.com
    secret_name: app-db-password
    env_files: [/etc/app/kms-access.env]
    properties_file: /srv/app/secretsmanager.properties
    python: /srv/app/venv/bin/python
  register: app_access

- name: Every installed client passed
  ansible.builtin.assert:
    that: app_access.passed
"""

RETURN = r"""
passed:
  description: Whether every installed client passed (and at least one was installed).
  returned: always
  type: bool
failed_clients:
  description: The installed clients that did not pass.
  returned: always
  type: list
  elements: str
environment:
  description: The names (never the values) of the variables the fresh processes got.
  returned: always
  type: list
  elements: str
clients:
  description: One entry per client, by name.
  returned: always
  type: dict
  contains:
    installed:
      description: Whether the client's package is importable by O(python).
      type: bool
    passed:
      description: Whether it reached KMS (and read O(secret_name)).
      type: bool
    package:
      description: The client's package.
      type: str
    version:
      description: Its installed version.
      type: str
    provider:
      description: The credential provider it used, for example V(default/ecs_ram_role) or V(ecs_ram_role).
      type: str
    metadata_mode:
      description:
        - How it asks the metadata service in this environment - V(token) (hardened mode only,
          C(ALIBABA_CLOUD_IMDSV1_DISABLED=true)), V(token_with_fallback) (a token first, then without one), V(tokenless).
      type: str
    hardened_mode:
      description: Whether the client can work where the instance enforces hardened mode (HttpTokens=required).
      type: bool
    action:
      description: The KMS action it called.
      type: str
    code:
      description: On failure, the code - the KMS error code, C(MetadataTokenRequired), C(CredentialsUnavailable), C(ConfigError),
        C(ClientIncompatible), C(NotInstalled), C(Timeout) or C(ProbeFailed).
      type: str
    message:
      description: On failure, the message (scrubbed of anything shaped like a key, token or secret).
      type: str
    advice:
      description: What to use instead, for a client that cannot work in hardened mode or on this interpreter.
      type: str
  sample:
    kms_sdk: {installed: true, passed: true, package: alibabacloud-kms20160120, version: 3.3.1,
              provider: default/ecs_ram_role, metadata_mode: token, hardened_mode: true, action: GetSecretValue,
              code: null, message: null, advice: null}
"""

import inspect
import json
import os
import pwd
import subprocess
import sys

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.alicloud.instance_ram.plugins.module_utils import _app_probe

SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


def service_environment(params, read=None):
    """The environment of the fresh process: what a service gets, plus its environment files."""
    read = read or _read_text
    home = params['home'] or pwd.getpwuid(os.getuid()).pw_dir
    env = {'PATH': SERVICE_PATH, 'LANG': 'C.UTF-8', 'HOME': home}
    for path in params['env_files']:
        env.update(_app_probe.parse_env_file(read(path)))
    if params['http_proxy']:
        env['HTTP_PROXY'] = env['http_proxy'] = params['http_proxy']
    return env


def _read_text(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def run_client(client, params, env, runner=subprocess.run):
    """One fresh process for one client; its result dict."""
    request = {'region_id': params['region_id'], 'kms_endpoint': params['kms_endpoint'],
               'secret_name': params['secret_name'], 'properties_file': params['properties_file']}
    cwd = os.path.dirname(params['properties_file']) if params['properties_file'] else env['HOME']
    if not os.path.isdir(cwd):
        cwd = '/'
    base = {'client': client, 'installed': None, 'passed': False, 'provider': None, 'code': None, 'message': None}
    try:
        done = runner([params['python'] or sys.executable, '-c', inspect.getsource(_app_probe), client],
                      input=json.dumps(request), capture_output=True, text=True, env=env, cwd=cwd,
                      timeout=params['timeout'], check=False)
    except subprocess.TimeoutExpired:
        return dict(base, code='Timeout', message=f'{client} gave no answer within {params["timeout"]} s')
    except OSError as err:
        return dict(base, code='ProbeFailed', message=_app_probe.scrub(f'cannot start {params["python"] or sys.executable}: {err}'))
    lines = [line for line in done.stdout.splitlines() if line.startswith(_app_probe.RESULT_PREFIX)]
    if not lines:
        # the process died before its result: its output is not returned (a client may log request details)
        return dict(base, code='ProbeFailed', message=f'the fresh Python process exited with code {done.returncode} without a result')
    return json.loads(lines[-1][len(_app_probe.RESULT_PREFIX):])


def run(module):
    params = module.params
    clients = list(dict.fromkeys(params['clients']))
    if not clients:
        module.fail_json(msg='clients: name at least one client')
    try:
        env = service_environment(params)
    except OSError as err:
        module.fail_json(msg=f'env_files: {err}')
    results = {client: run_client(client, params, env) for client in clients}
    installed = [name for name, outcome in results.items() if outcome['installed']]
    failed = [name for name in installed if not results[name]['passed']]
    result = {'changed': False, 'passed': bool(installed) and not failed, 'failed_clients': failed,
              'clients': results, 'environment': sorted(env)}
    if params['fail_on_failure'] and not result['passed']:
        detail = ', '.join(f"{name} ({results[name]['code']})" for name in failed) or 'no client is installed'
        module.fail_json(msg=f'application access check failed: {detail}', **result)
    module.exit_json(**result)


def main():
    module = AnsibleModule(argument_spec={
        'clients': {'type': 'list', 'elements': 'str', 'choices': list(_app_probe.CLIENTS),
                    'default': list(_app_probe.CLIENTS)},
        'region_id': {'type': 'str', 'required': True},
        'kms_endpoint': {'type': 'str'},
        'secret_name': {'type': 'str'},
        'env_files': {'type': 'list', 'elements': 'path', 'default': []},
        'properties_file': {'type': 'path'},
        'home': {'type': 'path'},
        'http_proxy': {'type': 'str'},
        'python': {'type': 'path'},
        'timeout': {'type': 'int', 'default': 60},
        'fail_on_failure': {'type': 'bool', 'default': False},
    }, supports_check_mode=True)
    run(module)


if __name__ == '__main__':
    main()
