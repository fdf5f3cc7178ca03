# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drive the emulator from tests, benchmarks and playbook drivers (standard library only).

    with EmulatorProcess() as emu:
        ids = emu.control.seed_instances(count=3)
        ...  # point SDK clients at emu.endpoint
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

from . import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, LISTENING_PREFIX

START_TIMEOUT_SECONDS = 60.0  # seconds for the first line; generous: test runs start emulators beside much else (CI, parallel steps)


class ControlError(RuntimeError):
    """The control plane refused a request."""


class ControlClient:
    """One method per ``/_emulator/...`` route."""

    def __init__(self, url: str, timeout: float = 30.0):
        self.url = url.rstrip('/')
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via HTTP_PROXY

    def request(self, method: str, route: str, body: dict | None = None, **query) -> dict:
        query = {k: (json.dumps(v) if isinstance(v, bool) else v) for k, v in query.items() if v is not None}
        url = f'{self.url}/_emulator/{route}' + (f'?{urllib.parse.urlencode(query)}' if query else '')
        data = None if body is None else json.dumps({k: v for k, v in body.items() if v is not None}).encode()
        req = urllib.request.Request(url, data=data, method=method, headers={'Content-Type': 'application/json'})
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise ControlError(f'{method} /_emulator/{route}: {exc.code} {exc.read().decode(errors="replace")}') from None

    # ---------------------------------------------------------------- lifecycle
    def health(self) -> dict:
        return self.request('GET', 'health')

    def reset(self, reseed: bool = False) -> None:
        self.request('POST', 'reset', {'reseed': reseed})

    def state(self) -> dict:
        return self.request('GET', 'state')

    def save(self) -> str:
        return self.request('POST', 'save', {})['saved']

    # ---------------------------------------------------------------- accounts and seeding
    def accounts(self) -> list[dict]:
        return self.request('GET', 'accounts')['accounts']

    def add_account(self, account_id: str | None = None, access_key_id: str | None = None,
                    access_key_secret: str | None = None) -> dict:
        return self.request('POST', 'accounts', {'account_id': account_id, 'access_key_id': access_key_id,
                                                 'access_key_secret': access_key_secret})

    def seed_instances(self, instances: list[dict] | None = None, count: int | None = None, **defaults) -> list[str]:
        """Create instances in bulk; ``defaults`` (region_id, zone_id, prefix, network_type, status, ram_role_name,
        tags, http_tokens, metadata_options, vpc_id, vswitch_id, instance_type, account_id, ...) apply to each."""
        return self.request('POST', 'instances', {'instances': instances, 'count': count, **defaults})['instance_ids']

    def instances(self, **filters) -> list[dict]:
        """Instances as stored (snake_case); filters: account_id, region_id, ram_role_name, instance_ids."""
        if isinstance(filters.get('instance_ids'), list):
            filters['instance_ids'] = ','.join(filters['instance_ids'])
        found = self.request('GET', 'instances', **filters)['instances']
        return found

    def instance(self, instance_id: str) -> dict:
        return self.request('GET', 'instances', instance_ids=instance_id)['instances'][0]

    def create_role(self, name: str, trust: dict | str | None = None, policies: list | None = None, **extra) -> dict:
        """A role created directly (not logged as an API call); trust defaults to the ECS service trust."""
        return self.request('POST', 'roles', {'name': name, 'trust': trust, 'policies': policies or [], **extra})

    def create_user(self, name: str, policies: list | None = None, policy_documents: dict | None = None,
                    access_key: bool = True, **extra) -> dict:
        """A RAM user (not logged as an API call) holding ``policies`` (``"AliyunKMSFullAccess"`` or
        ``{"type": "Custom", "name": ...}``) and new custom policies ``{name: document}``; with one access key by
        default: ``{user_name, user_id, arn, account_id, access_key_id, access_key_secret}``."""
        return self.request('POST', 'users', {'name': name, 'policies': policies or [],
                                              'policy_documents': policy_documents or {}, 'access_key': access_key,
                                              **extra})

    def seed(self, document: dict) -> dict:
        return self.request('POST', 'seed', document)

    def create_key(self, alias: str | None = None, region_id: str | None = None, account_id: str | None = None,
                   description: str = '') -> dict:
        return self.request('POST', 'kms/keys', {'alias': alias, 'region_id': region_id, 'account_id': account_id,
                                                 'description': description})

    def create_secret(self, name: str, data: str, version_id: str = 'v1', region_id: str | None = None,
                      account_id: str | None = None) -> dict:
        return self.request('POST', 'kms/secrets', {'name': name, 'data': data, 'version_id': version_id,
                                                    'region_id': region_id, 'account_id': account_id})

    # ---------------------------------------------------------------- call log
    def calls(self, product: str | None = None, action: str | None = None, since: int | None = None,
              write: bool | None = None) -> list[dict]:
        return self.request('GET', 'calls', product=product, action=action, since=since, write=write)['calls']

    def cursor(self) -> int:
        """The sequence number of the last logged call: pass it as ``since`` later."""
        return self.request('GET', 'calls', since=2 ** 62)['cursor']

    def write_calls(self, since: int | None = None, product: str | None = None) -> list[dict]:
        return self.calls(product=product, since=since, write=True)

    def clear_calls(self) -> None:
        self.request('POST', 'calls/clear', {})

    def counters(self) -> dict[str, int]:
        return self.request('GET', 'counters')['counters']

    # ---------------------------------------------------------------- faults and knobs
    def set_fault(self, kind: str, action: str = '*', count: int | None = None, code: str | None = None,
                  status: int | None = None, retry_after: int | None = None, delay_ms: int | None = None,
                  product: str | None = None, message: str | None = None) -> dict:
        """kind: throttle | error | drop | delay; count None = until cleared."""
        return self.request('POST', 'faults', {'kind': kind, 'action': action, 'count': count, 'code': code,
                                               'status': status, 'retry_after': retry_after, 'delay_ms': delay_ms,
                                               'product': product, 'message': message})

    def faults(self) -> list[dict]:
        return self.request('GET', 'faults')['faults']

    def clear_faults(self) -> None:
        self.request('POST', 'faults/clear', {})

    def settings(self, **changes) -> dict:
        return self.request('POST', 'settings', changes) if changes else self.request('GET', 'settings')

    def set_latency(self, ms: int, action: str | None = None) -> None:
        self.request('POST', 'latency', {'ms': ms, 'action': action})

    def set_consistency_delay(self, seconds: float) -> None:
        self.request('POST', 'consistency', {'seconds': seconds})

    def set_propagation_delay(self, seconds: float) -> None:
        self.settings(propagation_delay=seconds)

    def set_credential_lifetime(self, seconds: int) -> None:
        self.settings(credential_lifetime=seconds)

    def set_instance_boot_seconds(self, seconds: float) -> None:
        self.settings(instance_boot_seconds=seconds)

    def expire_credentials(self, access_key_id: str | None = None, instance_id: str | None = None,
                           role_name: str | None = None, in_seconds: float = 0) -> int:
        """Make matching STS credentials expire now (or ``in_seconds`` from now); returns how many changed."""
        return self.request('POST', 'credentials/expire', {'access_key_id': access_key_id, 'instance_id': instance_id,
                                                           'role_name': role_name, 'in_seconds': in_seconds})['expired']

    def credentials(self) -> list[dict]:
        return self.request('GET', 'credentials')['credentials']

    # ---------------------------------------------------------------- metadata
    def metadata_proxy(self, instance_id: str) -> str:
        """The proxy URL that makes a metadata client (e.g. EcsRamRoleCredentialsProvider) act as this instance."""
        return self.request('GET', 'metadata-proxy', instance_id=instance_id)['proxy']

    def metadata_url(self, instance_id: str) -> str:
        """Origin-form base URL of the instance's metadata service (``<url>/latest/...``), for curl-style use."""
        return self.request('GET', 'metadata-proxy', instance_id=instance_id)['url']

    def set_metadata_options(self, instance_id: str, http_tokens: str | None = None,
                             http_endpoint: str | None = None) -> dict:
        return self.request('POST', 'metadata-options', {'instance_id': instance_id, 'http_tokens': http_tokens,
                                                         'http_endpoint': http_endpoint})


class EmulatorProcess:
    """Run ``python -m alicloud_emulator --port 0`` as a subprocess for the duration of a ``with`` block."""

    account_id = DEFAULT_ACCOUNT_ID
    access_key_id = DEFAULT_ACCESS_KEY_ID
    access_key_secret = DEFAULT_ACCESS_KEY_SECRET

    def __init__(self, latency_ms: int = 0, state_file: str | None = None, extra_args=()):
        self.args = [sys.executable, '-m', 'alicloud_emulator', '--host', '127.0.0.1', '--port', '0']
        if latency_ms:
            self.args += ['--latency-ms', str(latency_ms)]
        if state_file:
            self.args += ['--state-file', str(state_file)]
        self.args += list(extra_args)
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.url = ''
        self.endpoint = ''
        self.control: ControlClient | None = None

    def start(self) -> EmulatorProcess:
        # the package is installed (tests/emulator/pyproject.toml): the child imports it like the parent
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.process.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=START_TIMEOUT_SECONDS)
        except queue.Empty:
            self.stop()
            raise RuntimeError('the emulator did not start in time') from None
        if not line.startswith(LISTENING_PREFIX):
            self.stop()
            raise RuntimeError(f'unexpected first line from the emulator: {line!r}')
        self.url = line[len(LISTENING_PREFIX):].strip()
        self.endpoint = self.url.removeprefix('http://')
        self.port = int(self.endpoint.rsplit(':', 1)[1])
        self.control = ControlClient(self.url)
        return self

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        return self.process.returncode

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def emulator_settings(emulator):
    """(module options, environment) that point every module of the collection at `emulator` with its default account."""
    endpoint = emulator.url
    auth = {
        'access_key_id': DEFAULT_ACCESS_KEY_ID,
        'access_key_secret': DEFAULT_ACCESS_KEY_SECRET,
        'region_id': DEFAULT_REGION,
        'ram_endpoint': endpoint,
        'ecs_endpoint': endpoint,
        'kms_endpoint': endpoint,
        'sts_endpoint': endpoint,
    }
    env = {
        'ALICLOUD_EMULATOR_URL': emulator.url,
        'ALIBABA_CLOUD_ACCESS_KEY_ID': DEFAULT_ACCESS_KEY_ID,
        'ALIBABA_CLOUD_ACCESS_KEY_SECRET': DEFAULT_ACCESS_KEY_SECRET,
        'ALIBABA_CLOUD_REGION_ID': DEFAULT_REGION,
        'ALIBABA_CLOUD_RAM_ENDPOINT': endpoint,
        'ALIBABA_CLOUD_ECS_ENDPOINT': endpoint,
        'ALIBABA_CLOUD_KMS_ENDPOINT': endpoint,
        'ALIBABA_CLOUD_STS_ENDPOINT': endpoint,
    }
    return auth, env


def collections_path(root, build_dir):
    """A collections tree holding the checkout `root` as alicloud.instance_ram (the checkout itself when it is one).

    Otherwise a symlink under `build_dir`, so that ansible-playbook finds the collection's modules and roles
    exactly as in an installed collection.
    """
    root = os.path.abspath(root)
    parts = root.split(os.sep)
    if parts[-3:-2] == ['ansible_collections'] and parts[-2:] == ['alicloud', 'instance_ram']:
        return os.sep.join(parts[:-3])
    base = os.path.join(build_dir, 'collections')
    link = os.path.join(base, 'ansible_collections', 'alicloud', 'instance_ram')
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.islink(link) and os.readlink(link) != root:
        os.unlink(link)
    if not os.path.islink(link):
        os.symlink(root, link)
    return base
