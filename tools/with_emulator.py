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

from alicloud_emulator.testing import EmulatorProcess, emulator_settings


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
