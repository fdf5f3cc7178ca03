# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench-only: point the peer's SDK (aliyunsdkcore, under footmark and alibaba.alicloud) at the emulator.

tests/benchmarks/bench.py installs the peer into build/bench/peer-venv and imports this file there at interpreter
start (a .pth file). With BENCH_PEER_ENDPOINT set (`http://127.0.0.1:<port>`, the emulator), every request of an
AcsClient goes to that endpoint instead of the one its endpoint resolver picks: the only change, none to the
peer's logic, its calls or their signatures. Without the variable it does nothing.
"""
import importlib
import os

ENDPOINT = os.environ.get('BENCH_PEER_ENDPOINT')

if ENDPOINT:
    _client = importlib.import_module('aliyunsdkcore.client')  # the peer's SDK: only in the peer's venv

    def _resolve_endpoint(self, request):  # pylint: disable=unused-argument
        return ENDPOINT

    _client.AcsClient._resolve_endpoint = _resolve_endpoint  # pylint: disable=protected-access
