# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The aiohttp server: one port for the APIs, the control plane and the metadata service."""
from __future__ import annotations

import asyncio
import json
import os
import signal
from urllib.parse import urlsplit

from aiohttp import web

from . import LISTENING_PREFIX, METADATA_HOST
from .calllog import CallLog
from .control import handle_control, seed
from .dispatch import RawRequest, Reply, handle_api
from .faults import Faults
from .metadata import handle_metadata
from .store import Store

EMULATOR_KEY = web.AppKey('emulator', object)
MAX_BODY_BYTES = 8 * 1024 * 1024


class Emulator:
    """Everything one emulator process holds."""

    def __init__(self, state_file: str | None = None, seed_file: str | None = None, latency_ms: int = 0):
        self.store = Store()
        self.calllog = CallLog()
        self.faults = Faults()
        self.state_file = state_file
        self.seed_file = seed_file
        self.latency_ms = latency_ms
        self.url = ''
        if state_file and os.path.exists(state_file):
            with open(state_file, encoding='utf-8') as handle:
                self.store.load_dict(json.load(handle))
        else:
            self.reset(reseed=True)

    def reset(self, reseed: bool = False) -> None:
        self.store.reset()
        self.calllog.clear()
        self.faults.clear()
        self.store.settings.latency_ms = self.latency_ms
        if reseed and self.seed_file:
            with open(self.seed_file, encoding='utf-8') as handle:
                seed(self, json.load(handle))

    def save(self) -> None:
        if self.state_file:
            tmp = f'{self.state_file}.tmp'
            with open(tmp, 'w', encoding='utf-8') as handle:
                json.dump(self.store.to_dict(), handle)
            os.replace(tmp, self.state_file)


def _response(reply: Reply) -> web.Response:
    content_type = 'application/json;charset=utf-8' if isinstance(reply.body, dict) else 'text/plain;charset=utf-8'
    return web.Response(status=reply.status, body=reply.encoded(), headers={'Content-Type': content_type, **reply.headers})


async def handle(request: web.Request) -> web.StreamResponse:
    emu: Emulator = request.app[EMULATOR_KEY]
    target = request.raw_path
    proxy_host = None
    if target.startswith(('http://', 'https://')):  # absolute-form: the emulator used as an HTTP proxy
        parts = urlsplit(target)
        proxy_host, path, raw_query = parts.hostname, parts.path or '/', parts.query
    else:
        path, _, raw_query = target.partition('?')
    body = await request.read()
    raw = RawRequest(request.method, path, raw_query, request.headers, body)
    if proxy_host == METADATA_HOST or path.startswith('/_imds/'):
        reply = await handle_metadata(emu, raw, proxied=proxy_host == METADATA_HOST)
    elif path.startswith('/_emulator/') and proxy_host is None:
        reply = handle_control(emu, raw, request.remote)
    else:
        reply = await handle_api(emu, raw)
    if reply is None:
        request.transport.close()
        return web.Response(status=500)
    return _response(reply)


async def serve(host: str, port: int, port_file: str | None = None, state_file: str | None = None,
                latency_ms: int = 0, seed_file: str | None = None) -> None:
    emu = Emulator(state_file, seed_file, latency_ms)
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[EMULATOR_KEY] = emu
    app.router.add_route('*', '/{tail:.*}', handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    emu.url = f'http://{host}:{bound_port}'
    print(f'{LISTENING_PREFIX}{emu.url}', flush=True)
    if port_file:
        with open(port_file, 'w', encoding='utf-8') as handle_:
            handle_.write(str(bound_port))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    emu.save()
    await runner.cleanup()
