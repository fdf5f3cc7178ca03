# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live suite's guards: it reaches a real account only with ALICLOUD_LIVE=1 and credentials, and refuses to start
against a non-loopback endpoint otherwise. None of these tests opens a connection."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import run_live  # pytest's default (prepend) import mode puts this folder on sys.path

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection attempt fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f'the guard opened a connection: {args}')
    monkeypatch.setattr(socket.socket, 'connect', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)


@pytest.mark.parametrize('endpoint', ['ecs.cn-hangzhou.aliyuncs.com', 'https://kms.cn-hangzhou.aliyuncs.com',
                                      'http://10.0.0.5:8080', '100.100.100.200'])
def test_a_remote_endpoint_without_alicloud_live_is_refused(endpoint):
    with pytest.raises(run_live.Refused) as info:
        run_live.choose_target({'ALIBABA_CLOUD_ECS_ENDPOINT': endpoint, 'ALIBABA_CLOUD_ACCESS_KEY_ID': 'LTAI5tx',
                                'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'x'})
    assert 'ALIBABA_CLOUD_ECS_ENDPOINT' in info.value.reason and 'ALICLOUD_LIVE=1' in info.value.reason


@pytest.mark.parametrize('env', [
    {},
    {'ALIBABA_CLOUD_ACCESS_KEY_ID': 'LTAI5tx', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'x'},  # credentials alone: still the emulator
    {'ALIBABA_CLOUD_KMS_ENDPOINT': 'http://127.0.0.1:4000', 'ALICLOUD_LIVE': '0'},
    {'ALIBABA_CLOUD_RAM_ENDPOINT': 'localhost:4000'},
])
def test_without_alicloud_live_the_target_is_the_emulator(env):
    assert run_live.choose_target(env) == 'emulator'


def test_alicloud_live_needs_credentials_and_an_instance():
    with pytest.raises(run_live.Refused) as info:
        run_live.choose_target({'ALICLOUD_LIVE': '1', 'ALIBABA_CLOUD_ACCESS_KEY_ID': 'LTAI5tx'})
    assert 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' in info.value.reason and 'ALICLOUD_LIVE_INSTANCE_ID' in info.value.reason
    assert run_live.choose_target({'ALICLOUD_LIVE': '1', 'ALIBABA_CLOUD_ACCESS_KEY_ID': 'a',
                                   'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'b', 'ALICLOUD_LIVE_INSTANCE_ID': 'i-1'}) == 'live'


def test_no_client_for_a_remote_endpoint_unless_live():
    target = run_live.Target('emulator', 'cn-hangzhou', 'a', 'b', {'RAM': 'ram.aliyuncs.com'}, 'i-1')
    with pytest.raises(run_live.Refused):
        target.client('RAM')
    target.endpoints['RAM'] = '127.0.0.1:1'
    assert target.endpoint('RAM') == '127.0.0.1:1'


def test_the_driver_exits_2_before_any_call(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ALIBABA_CLOUD_', 'ALICLOUD_'))}
    env['ALIBABA_CLOUD_STS_ENDPOINT'] = 'sts.aliyuncs.com'
    proc = subprocess.run([sys.executable, str(HERE / 'run_live.py'), '--report-dir', str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and 'refusing to start' in proc.stderr, proc.stderr
    assert not (tmp_path / 'live-report.md').exists()
