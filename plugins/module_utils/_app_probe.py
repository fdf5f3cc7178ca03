# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an application does to reach KMS, run in a fresh Python process by the app_access_check module.

This file is a standalone script as well as a module_utils file: the module sends its source to
``python -c`` (the application's interpreter) with a service-like environment, one process per client,
the request as JSON on stdin, and reads one ``APP_PROBE_RESULT {json}`` line from stdout. It imports no
Ansible code and only the standard library at the top; each client's SDK is imported inside its probe, as
the application would import it. No option carries a credential: every client finds the instance role
through its own configuration (the default credential chain, secretsmanager.properties, the environment).

Nothing of a credential or of a secret value leaves this process: a result has names, versions, codes and
messages, and every message is scrubbed of anything shaped like an AccessKey id, an STS token or a secret.
"""
from __future__ import annotations

import json
import os
import re
import sys

RESULT_PREFIX = 'APP_PROBE_RESULT '
METADATA_HOST = '100.100.100.200'
ADVICE_TOKENLESS = ('this client fetches the instance credentials without a metadata token, so it cannot work where '
                    'the instance enforces hardened mode (HttpTokens=required); use alibabacloud-secretsmanager-client-v2 '
                    '(or the KMS SDK with alibabacloud-credentials), which ask for a token first')
ADVICE_PY311 = ("this client opens secretsmanager.properties with mode 'Ur', which Python 3.11 removed; it cannot read "
                'its configuration file on this interpreter: use alibabacloud-secretsmanager-client-v2')

# What each client is, found by reading its code (see the role README, "Your application").
CLIENTS = {
    'kms_sdk': {
        'package': 'alibabacloud-kms20160120', 'credentials_package': 'alibabacloud-credentials',
        'hardened_mode': True,
        'how': 'alibabacloud_credentials EcsRamRoleCredentialsProvider: PUT /latest/api/token, then the token on every GET',
    },
    'secretsmanager_v2': {
        'package': 'alibabacloud-secretsmanager-client-v2', 'credentials_package': 'alibabacloud-credentials',
        'hardened_mode': True,
        'how': 'credentials_type=ecs_ram_role builds alibabacloud_credentials EcsRamRoleCredentialsProvider (token first)',
    },
    'secretsmanager_v1': {
        'package': 'aliyun-secret-manager-client', 'credentials_package': 'aliyun-python-sdk-core',
        'hardened_mode': False,
        'how': 'aliyunsdkcore EcsRamRoleSigner: a plain GET of http://100.100.100.200/latest/meta-data/ram/security-credentials/<role>, no token',
    },
}

_SCRUB = [
    (re.compile(r'\b(?:STS|LTAI)[.A-Za-z0-9]{8,}'), '<access-key-id>'),
    (re.compile(r'\bCAIS[A-Za-z0-9+/=_-]{8,}'), '<security-token>'),
    (re.compile(r'(?i)((?:secret|token|password|signature)[\w-]*["\']?\s*[:=]\s*["\']?)[^\s"\',}]+'), r'\1<redacted>'),
]


def scrub(text, limit=400):
    """A message safe to return: no key id, token or secret-looking value, and at most `limit` characters."""
    text = ' '.join(str(text).split())
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def parse_env_file(text):
    """The variables of a systemd EnvironmentFile= (KEY=VALUE lines, # and ; comments, optional quotes)."""
    env = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('export '):
            line = line[len('export '):].lstrip()
        key, sep, value = line.partition('=')
        key = key.strip()
        if not sep or not re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', key):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
            value = value[1:-1]
        env[key] = value
    return env


def metadata_mode(environ):
    """How an alibabacloud_credentials ECS provider asks the metadata service, in this environment."""
    if str(environ.get('ALIBABA_CLOUD_IMDSV1_DISABLED', 'false')).lower() == 'true':
        return 'token'
    return 'token_with_fallback'


def package_version(name):
    try:
        from importlib.metadata import version, PackageNotFoundError  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover - Python < 3.8
        return None
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def split_endpoint(endpoint, region_id):
    """(host, protocol) the way an application passes them to a Tea SDK Config."""
    if not endpoint:
        return f'kms.{region_id}.aliyuncs.com', 'https'
    match = re.match(r'^(https?)://(.+?)/?$', endpoint)
    if match:
        return match.group(2), match.group(1)
    return endpoint, 'https'


def _code_of(err):
    for attr in ('code', 'error_code'):
        value = getattr(err, attr, None)
        if value:
            return str(value)
    getter = getattr(err, 'get_error_code', None)
    if callable(getter):
        return str(getter())
    return type(err).__name__


def classify(client, err):
    """(code, message, advice) of a failure: hardened-mode refusals and known incompatibilities named as such."""
    while getattr(err, 'inner_exception', None) is not None:  # Tea's UnretryableException wraps the real cause
        err = err.inner_exception
    text = str(err)
    status = getattr(err, 'code', None) if type(err).__name__ == 'HTTPError' else None
    url = getattr(err, 'url', '') or getattr(err, 'filename', '') or ''
    if status in (401, 403) and METADATA_HOST in str(url):
        return ('MetadataTokenRequired',
                f'the metadata service refused a request without a token (HTTP {status}): the instance is in hardened mode',
                ADVICE_TOKENLESS)
    if client == 'secretsmanager_v1' and isinstance(err, ValueError) and "'Ur'" in text:
        return 'ClientIncompatible', scrub(text), ADVICE_PY311
    if type(err).__name__ == 'CredentialException' or 'credentials' in text.lower() and 'HttpCode=' in text:
        code = 'MetadataTokenRequired' if re.search(r'HttpCode=40[13]', text) else 'CredentialsUnavailable'
        return code, scrub(text), None
    if isinstance(err, ValueError):
        return 'ConfigError', scrub(text), None
    return _code_of(err), scrub(getattr(err, 'message', None) or text), None


def probe_kms_sdk(request, result):
    """The official KMS SDK with the default credential chain, as in Alibaba Cloud's samples."""
    from alibabacloud_credentials.client import Client as CredentialClient  # pylint: disable=import-outside-toplevel
    from alibabacloud_kms20160120 import models  # pylint: disable=import-outside-toplevel
    from alibabacloud_kms20160120.client import Client as KmsClient  # pylint: disable=import-outside-toplevel
    from alibabacloud_tea_openapi.models import Config  # pylint: disable=import-outside-toplevel

    credential = CredentialClient()
    host, protocol = split_endpoint(request.get('kms_endpoint'), request['region_id'])
    kms = KmsClient(Config(credential=credential, region_id=request['region_id'], endpoint=host, protocol=protocol))
    result['action'] = 'GetSecretValue' if request.get('secret_name') else 'ListKeys'
    try:
        if request.get('secret_name'):
            kms.get_secret_value(models.GetSecretValueRequest(secret_name=request['secret_name']))
        else:
            kms.list_keys(models.ListKeysRequest(page_size=1))
    finally:  # also when KMS refused: which source the credentials came from explains many denials
        result['provider'] = _provider_name(credential)


def _provider_name(credential):
    try:
        return credential.get_credential().provider_name
    except Exception:  # pylint: disable=broad-except
        return None


def _secretsmanager(module_prefix, request):
    builder_module = __import__(f'{module_prefix}.secret_manager_cache_client_builder', fromlist=['x'])
    cache_builder = builder_module.SecretManagerCacheClientBuilder
    path = request.get('properties_file')
    if path and os.path.basename(path) != 'secretsmanager.properties':
        service = __import__(f'{module_prefix}.service.default_secret_manager_client_builder', fromlist=['x'])
        inner = service.DefaultSecretManagerClientBuilder.standard().with_custom_config_file(path).build()
        return cache_builder.new_cache_client_builder(inner).build()
    return cache_builder.new_client()  # secretsmanager.properties in the working directory, then the environment


def probe_secretsmanager(module_prefix, request, result):
    if not request.get('secret_name'):
        raise ValueError('the Secrets Manager Client reads a secret: give secret_name')
    result['action'] = 'GetSecretValue'
    client = _secretsmanager(module_prefix, request)
    inner = getattr(client, 'secret_client', None)
    credential = getattr(inner, 'credential', None)
    name = getattr(credential, 'get_provider_name', None)
    if callable(name):
        result['provider'] = name()
    elif credential is not None:  # aliyunsdkcore credentials: EcsRamRoleCredential and friends
        result['provider'] = {'EcsRamRoleCredential': 'ecs_ram_role'}.get(type(credential).__name__, type(credential).__name__)
    info = client.get_secret_info(request['secret_name'])
    result['has_value'] = bool(getattr(info, 'secret_value', None))


PROBES = {
    'kms_sdk': probe_kms_sdk,
    'secretsmanager_v2': lambda request, result: probe_secretsmanager('alibabacloud_secretsmanager_client_v2', request, result),
    'secretsmanager_v1': lambda request, result: probe_secretsmanager('alibaba_cloud_secretsmanager_client', request, result),
}
IMPORTS = {
    'kms_sdk': 'alibabacloud_kms20160120.client',
    'secretsmanager_v2': 'alibabacloud_secretsmanager_client_v2',
    'secretsmanager_v1': 'alibaba_cloud_secretsmanager_client',
}


def probe(client, request, environ=None):
    """One client, as the application would use it: a result dict (never raises)."""
    environ = os.environ if environ is None else environ
    info = CLIENTS[client]
    result = {'client': client, 'package': info['package'], 'version': package_version(info['package']),
              'credentials_package': info['credentials_package'],
              'credentials_version': package_version(info['credentials_package']),
              'hardened_mode': info['hardened_mode'], 'installed': True, 'passed': False, 'provider': None,
              'metadata_mode': metadata_mode(environ) if info['hardened_mode'] else 'tokenless',
              'action': None, 'code': None, 'message': None,
              'advice': None if info['hardened_mode'] else ADVICE_TOKENLESS}
    try:
        __import__(IMPORTS[client])
    except ImportError as err:
        result.update(installed=False, code='NotInstalled', message=scrub(f'{info["package"]} is not importable: {err}'))
        return result
    try:
        PROBES[client](request, result)
    except Exception as err:  # pylint: disable=broad-except
        code, message, advice = classify(client, err)
        result.update(code=code, message=message)
        if advice:
            result['advice'] = advice
        return result
    result['passed'] = True
    return result


def main():
    client = sys.argv[1]
    request = json.loads(sys.stdin.read() or '{}')
    result = probe(client, request)
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + '\n')
    sys.stdout.flush()
    # the clients start refresh threads (apscheduler); the application would keep running, the probe is done
    os._exit(0)  # pylint: disable=protected-access


if __name__ == '__main__':
    main()
