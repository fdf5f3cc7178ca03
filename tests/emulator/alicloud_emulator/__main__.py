# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m alicloud_emulator``: start the emulator (see tests/emulator/README.md)."""
from __future__ import annotations

import argparse
import asyncio

from .server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog='python -m alicloud_emulator',
                                     description='Local Alibaba Cloud emulator: RAM, ECS, STS, KMS and instance metadata.')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=0, help='port; 0 picks a free one (default 0)')
    parser.add_argument('--port-file', help='also write the bound port to this file')
    parser.add_argument('--state-file', help='load state from this JSON file at start, save it on SIGTERM')
    parser.add_argument('--latency-ms', type=int, default=0, help='latency added to every request (default 0)')
    parser.add_argument('--seed-file', help='JSON seed (accounts, roles, instances, keys, secrets) applied at start')
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.port_file, args.state_file, args.latency_ms, args.seed_file))


if __name__ == '__main__':
    main()
