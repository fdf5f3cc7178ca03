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
from .metadata import handle_metadata, proxy_user
from .store import Store

EMULATOR_KEY = web.AppKey('emulator', object)
INSTANCE_KEY = web.AppKey('instance_id', str)
MAX_BODY_BYTES = 8 * 1024 * 1024


class Emulator:
    """Everything one emulator process holds."""

    def __init__(self, state_file: str | None = None, seed_file: str | None = None, latency_ms: int = 0,
                 host: str = '127.0.0.1'):
        self.host = host
        self.metadata_runners: dict[str, tuple[web.AppRunner, int]] = {}
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

    async def metadata_port(self, instance_id: str) -> int:
        """A port of its own for one instance's metadata service (opened on first use, kept until exit)."""
        if instance_id not in self.metadata_runners:
            runner = await start_site(make_app(self, instance_id), self.host, 0)
            if instance_id in self.metadata_runners:  # a concurrent request opened one meanwhile
                await runner.cleanup()
            else:
                self.metadata_runners[instance_id] = (runner, runner.addresses[0][1])
        return self.metadata_runners[instance_id][1]

    async def close(self) -> None:
        for runner, dummy in self.metadata_runners.values():
            await runner.cleanup()
        self.metadata_runners.clear()

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
        path, dummy, raw_query = target.partition('?')
    body = await request.read()
    raw = RawRequest(request.method, path, raw_query, request.headers, body)
    bound_instance = request.app.get(INSTANCE_KEY)
    if bound_instance is not None and proxy_host not in (None, METADATA_HOST):
        # an instance's own port used as its HTTP proxy (HTTP_PROXY of a service): any other host is the API
        reply = await handle_api(emu, raw)
    elif bound_instance is not None:
        reply = await handle_metadata(emu, raw, bound_instance, path)
    elif proxy_host == METADATA_HOST:
        reply = await handle_metadata(emu, raw, proxy_user(request.headers), path)
    elif path.startswith('/_imds/'):
        instance_id, dummy, tail = path[len('/_imds/'):].partition('/')
        reply = await handle_metadata(emu, raw, instance_id, f'/{tail}')
    elif path.startswith('/_emulator/') and proxy_host is None:
        reply = await handle_control(emu, raw, request.remote)
    else:
        reply = await handle_api(emu, raw)
    if reply is None:
        request.transport.close()
        return web.Response(status=500)
    return _response(reply)


def make_app(emu: Emulator, instance_id: str | None = None) -> web.Application:
    """The main app, or (with ``instance_id``) an app that is that instance's metadata service on any path."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[EMULATOR_KEY] = emu
    if instance_id is not None:
        app[INSTANCE_KEY] = instance_id
    app.router.add_route('*', '/{tail:.*}', handle)
    return app


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def serve(host: str, port: int, port_file: str | None = None, state_file: str | None = None,
                latency_ms: int = 0, seed_file: str | None = None) -> None:
    emu = Emulator(state_file, seed_file, latency_ms, host)
    runner = await start_site(make_app(emu), host, port)
    bound_port = runner.addresses[0][1]
    emu.url = f'http://{host}:{bound_port}'
    if port_file:  # written (atomically) before the listening line, so a reader of either sees both
        with open(f'{port_file}.tmp', 'w', encoding='utf-8') as handle_:
            handle_.write(str(bound_port))
        os.replace(f'{port_file}.tmp', port_file)
    print(f'{LISTENING_PREFIX}{emu.url}', flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    emu.save()
    await emu.close()
    await runner.cleanup()
