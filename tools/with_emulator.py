"""Run a command with the local Alibaba Cloud emulator started for it, then stop the emulator.

    python tools/with_emulator.py [--latency-ms N] [--config-out FILE] -- COMMAND [ARGS...]

The command sees ALICLOUD_EMULATOR_URL and the ALIBABA_CLOUD_* endpoint variables that point
every module of the collection at the emulator with its default account. With --config-out, the
same settings are written as an ansible-test integration_config.yml.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'emulator'))

from alicloud_emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET  # noqa: E402 pylint: disable=wrong-import-position
from alicloud_emulator.testing import EmulatorProcess  # noqa: E402 pylint: disable=wrong-import-position


def emulator_settings(emulator):
    endpoint = emulator.url
    auth = {
        'access_key_id': DEFAULT_ACCESS_KEY_ID,
        'access_key_secret': DEFAULT_ACCESS_KEY_SECRET,
        'region_id': 'cn-hangzhou',
        'ram_endpoint': endpoint,
        'ecs_endpoint': endpoint,
        'kms_endpoint': endpoint,
        'sts_endpoint': endpoint,
    }
    env = {
        'ALICLOUD_EMULATOR_URL': emulator.url,
        'ALIBABA_CLOUD_ACCESS_KEY_ID': DEFAULT_ACCESS_KEY_ID,
        'ALIBABA_CLOUD_ACCESS_KEY_SECRET': DEFAULT_ACCESS_KEY_SECRET,
        'ALIBABA_CLOUD_REGION_ID': 'cn-hangzhou',
        'ALIBABA_CLOUD_RAM_ENDPOINT': endpoint,
        'ALIBABA_CLOUD_ECS_ENDPOINT': endpoint,
        'ALIBABA_CLOUD_KMS_ENDPOINT': endpoint,
        'ALIBABA_CLOUD_STS_ENDPOINT': endpoint,
    }
    return auth, env


def collections_path(build_dir):
    """A collections tree holding this checkout as alicloud.instance_ram (the checkout itself when it is one).

    Otherwise a symlink under `build_dir`, so that ansible-playbook finds the collection's modules and roles
    exactly as in an installed collection.
    """
    parts = ROOT.split(os.sep)
    if parts[-3:-2] == ['ansible_collections'] and parts[-2:] == ['alicloud', 'instance_ram']:
        return os.sep.join(parts[:-3])
    base = os.path.join(build_dir, 'collections')
    link = os.path.join(base, 'ansible_collections', 'alicloud', 'instance_ram')
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.islink(link) and os.readlink(link) != ROOT:
        os.unlink(link)
    if not os.path.islink(link):
        os.symlink(ROOT, link)
    return base


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--latency-ms', type=int, default=0)
    parser.add_argument('--config-out', help='write an ansible-test integration_config.yml here')
    parser.add_argument('command', nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ['--'] else args.command
    if not command:
        parser.error('a command is required after --')
    with EmulatorProcess(latency_ms=args.latency_ms) as emulator:
        auth, env = emulator_settings(emulator)
        if args.config_out:
            with open(args.config_out, 'w', encoding='utf-8') as handle:
                # JSON is valid YAML
                json.dump({'alicloud_emulator_url': emulator.url, 'alicloud_auth': auth}, handle, indent=2)
                handle.write('\n')
        return subprocess.call(command, env={**os.environ, **env})


if __name__ == '__main__':
    sys.exit(main())
