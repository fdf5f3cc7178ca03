# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_sdk (the deferred packages): the SDK core's async stack, scheduler, RSA and websocket code are imported only when really used.

Two levels: the mechanism on a fake package (what runs when, what a missing name or package does), and the
real SDK stack against the emulator in a fresh interpreter, for every credentials provider a module uses:
the synchronous path executes none of the deferred packages, and an async call still works.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _sdk
from ansible_collections.alicloud.instance_ram.plugins.module_utils._sdk import (
    DEFERRED_PACKAGES, DeferredModule, DeferredName, configured_packages, defer_unused_sdk_parts, is_deferred, loaded_for_real)


@pytest.fixture
def fake_async(tmp_path, monkeypatch):
    """A package `fake_async_<n>` that records in `executed` (a list in the test's sys module) which of its files ran."""
    name = 'fake_async_' + os.path.basename(str(tmp_path)).replace('-', '_')
    package = tmp_path / name
    (package / 'sub').mkdir(parents=True)
    record = 'import sys\nsys.fake_async_executed.append(__name__)\n'
    (package / '__init__.py').write_text(record + textwrap.dedent('''\
        class ClientSession:
            def __init__(self, value=None):
                self.value = value
        class ClientError(Exception):
            pass
        def fail():
            raise ClientError('boom')
        __version__ = '9.9'
        '''))
    (package / 'helpers.py').write_text(record + 'def helper():\n    return "helped"\n')
    (package / 'sub' / '__init__.py').write_text(record)
    (package / 'sub' / 'deep.py').write_text(record + 'class Deep:\n    KIND = "deep"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, 'fake_async_executed', [], raising=False)
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(name + '.')]:
        del sys.modules[module]


def test_imports_of_every_form_execute_nothing(fake_async):
    assert defer_unused_sdk_parts((fake_async,)) == [fake_async]
    module = __import__(fake_async)
    session_class = getattr(__import__(fake_async, fromlist=['ClientSession']), 'ClientSession')   # from pkg import Name
    deep_module = __import__(fake_async + '.sub.deep', fromlist=['Deep'])                          # from pkg.sub.deep import Deep
    deep_class = deep_module.Deep
    helpers = getattr(__import__(fake_async, fromlist=['helpers']), 'helpers')                     # from pkg import submodule
    annotation = module.ClientSession                                                              # def f(x: pkg.Name)
    assert sys.fake_async_executed == []
    assert isinstance(module, DeferredModule) and is_deferred(fake_async) and is_deferred(fake_async + '.sub.deep')
    assert isinstance(session_class, DeferredName) and isinstance(deep_class, DeferredName) and isinstance(annotation, DeferredName)
    assert isinstance(helpers, DeferredModule)
    assert repr(session_class) == f'<deferred {fake_async}.ClientSession>'
    assert fake_async not in loaded_for_real()


def test_first_real_use_imports_the_real_package_and_everything_forwards(fake_async):
    defer_unused_sdk_parts((fake_async,))
    module = __import__(fake_async)
    session_class = getattr(__import__(fake_async, fromlist=['ClientSession']), 'ClientSession')
    deep_class = __import__(fake_async + '.sub.deep', fromlist=['Deep']).Deep
    session = session_class(value=3)                      # a call: the real package runs now, once
    assert session.value == 3 and type(session).__module__ == fake_async
    assert sys.fake_async_executed == [fake_async]
    assert loaded_for_real()[-1] == fake_async and not is_deferred(fake_async)
    assert isinstance(session, session_class) and issubclass(type(session), session_class)
    assert module.ClientSession is type(session)          # the stand-in module now hands out the real attributes
    assert module.__version__ == '9.9'
    with pytest.raises(module.ClientError):               # `except pkg.Error` after the first use catches the real class
        module.fail()

    class Derived(session_class):                         # a deferred name as a base class
        pass
    assert Derived.__mro__[1] is module.ClientSession
    assert deep_class.KIND == 'deep'                      # a submodule's name imports the submodule for real
    assert sys.fake_async_executed == [fake_async, fake_async + '.sub', fake_async + '.sub.deep']
    assert __import__(fake_async + '.helpers', fromlist=['helper']).helper() == 'helped'   # a later import is the real one
    assert not isinstance(sys.modules[fake_async + '.helpers'], DeferredModule)


def test_a_dunder_of_the_module_is_a_real_use(fake_async):
    defer_unused_sdk_parts((fake_async,))
    module = __import__(fake_async)
    assert module.__version__ == '9.9'
    assert sys.fake_async_executed == [fake_async]


def test_a_missing_name_fails_clearly_at_first_use(fake_async):
    defer_unused_sdk_parts((fake_async,))
    missing = getattr(__import__(fake_async, fromlist=['NoSuchThing']), 'NoSuchThing')
    with pytest.raises(AttributeError, match=f"module '{fake_async}' has no attribute 'NoSuchThing'"):
        missing()
    with pytest.raises(AttributeError, match='NoSuchThing'):
        getattr(sys.modules[fake_async], 'NoSuchThing')


def test_a_missing_submodule_or_package_fails_at_import_as_without_the_finder(fake_async):
    defer_unused_sdk_parts((fake_async, 'no_such_package_for_lazy_imports'))
    with pytest.raises(ModuleNotFoundError):
        __import__('no_such_package_for_lazy_imports')
    with pytest.raises(ModuleNotFoundError):
        __import__(fake_async + '.no_such_submodule')
    assert sys.fake_async_executed == []


def test_an_imported_package_is_left_alone_and_the_call_is_idempotent(fake_async):
    real = __import__(fake_async)
    assert defer_unused_sdk_parts((fake_async,)) == []
    assert sys.modules[fake_async] is real and not is_deferred(fake_async)
    assert defer_unused_sdk_parts(()) == []
    assert sys.meta_path.count(_sdk._FINDER) == 1  # pylint: disable=protected-access


@pytest.mark.parametrize('value, expected', [
    (None, DEFERRED_PACKAGES), ('', DEFERRED_PACKAGES), ('  ', DEFERRED_PACKAGES), ('none', ()), ('None', ()),
    ('aiohttp', ('aiohttp',)), ('aiohttp, apscheduler,', ('aiohttp', 'apscheduler')),
])
def test_the_environment_switch(value, expected):
    environ = {} if value is None else {'ALICLOUD_INSTANCE_RAM_DEFERRED_IMPORTS': value}
    assert configured_packages(environ) == expected


def test_the_switch_set_to_none_defers_nothing(fake_async, monkeypatch):
    monkeypatch.setenv('ALICLOUD_INSTANCE_RAM_DEFERRED_IMPORTS', 'none')
    assert defer_unused_sdk_parts() == []
    __import__(fake_async)
    assert sys.fake_async_executed == [fake_async]


# ---------------------------------------------------------------- the real SDK stack, against the emulator

SYNC_PATH = r'''
import asyncio as deferred_asyncio_binding  # the name a module of the SDK gets: a stand-in
import json, os, sys
from alicloud_emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_ACCOUNT_ID
from ansible_collections.alicloud.instance_ram.plugins.module_utils import _sdk
from ansible_collections.alicloud.instance_ram.plugins.module_utils._client import ClientFactory
from ansible_collections.alicloud.instance_ram.plugins.module_utils._credentials import auth_argument_spec

settings = json.loads(sys.argv[1])
endpoint = settings['endpoint']
base = {k: v.get('default') for k, v in auth_argument_spec().items()}
base.update(region_id='cn-hangzhou', ram_endpoint=endpoint, ecs_endpoint=endpoint, kms_endpoint=endpoint, sts_endpoint=endpoint)
keys = {'access_key_id': DEFAULT_ACCESS_KEY_ID, 'access_key_secret': DEFAULT_ACCESS_KEY_SECRET}
sources = {
    'static_ak': dict(keys),
    'ecs_ram_role': {'ecs_role_name': 'LazyEcsRole', 'metadata_proxy': settings['metadata_proxy']},
    # roles are assumed by a RAM user, never by the root key (reference 0b.8)
    'ram_role_arn': {**settings['deployer'], 'assume_role_arn': f'acs:ram::{DEFAULT_ACCOUNT_ID}:role/LazyDeployer'},
    'cli_profile': {'profile': 'lazy', 'profile_file': settings['cli_file']},
    'ini_profile': {'profile': 'lazy-ini', 'profile_file': settings['cli_file']},
}
results = {}
for kind, extra in sources.items():
    factory = ClientFactory({**base, **extra})
    credential = factory.credential()
    keys_found = factory.client('kms').call('ListKeys', {'PageSize': 10})
    results[kind] = {'provider': credential.provider_name, 'kms_keys': keys_found.get('TotalCount')}
    if kind == 'static_ak':
        results[kind]['role'] = factory.client('ram').call('GetRole', {'RoleName': 'LazyEcsRole'})['Role']['RoleName']
        roles = factory.client('ecs').call('DescribeInstanceRamRole', {'RegionId': 'cn-hangzhou',
                                                                       'InstanceIds': json.dumps([settings['instance_id']])})
        results[kind]['ecs'] = roles['TotalCount']
heavy = ('aiohttp.client', 'aiohttp.connector', 'apscheduler.schedulers.base', 'asyncio.events', 'asyncio.base_events',
         'cryptography.hazmat.bindings', 'websocket._core', 'aiofiles.threadpool', 'multidict', 'yarl', 'tzlocal')
sync = {'results': results, 'loaded_for_real': _sdk.loaded_for_real(),
        'heavy_imported': [m for m in heavy if m in sys.modules],
        'still_deferred': sorted(m for m in sys.modules if _sdk.is_deferred(m) and '.' not in m),
        'asyncio_binding_is_stand_in': isinstance(deferred_asyncio_binding, _sdk.DeferredModule)}

# an async call through the SDK (its own credential; the collection's modules call synchronously only): the deferred
# packages are imported then, and it works
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
sdk = RamClient(Config(access_key_id=DEFAULT_ACCESS_KEY_ID, access_key_secret=DEFAULT_ACCESS_KEY_SECRET, region_id='cn-hangzhou',
                       endpoint=endpoint.split('://', 1)[1], protocol='http'))
request = sys.modules['alibabacloud_ram20150501.models'].GetRoleRequest(role_name='LazyEcsRole')
body = deferred_asyncio_binding.run(sdk.get_role_with_options_async(request, RuntimeOptions())).body.to_map()
print(json.dumps({'sync': sync, 'async_role': body['Role']['RoleName'], 'after_async': _sdk.loaded_for_real(),
                  'aiohttp_real': 'aiohttp.client' in sys.modules}))
'''


@pytest.fixture(scope='module')
def emulator():
    from alicloud_emulator import testing  # pylint: disable=import-outside-toplevel
    testing.START_TIMEOUT_SECONDS = max(testing.START_TIMEOUT_SECONDS, 60.0)  # unit tests may run beside much else
    with testing.EmulatorProcess() as emu:
        yield emu


def test_the_sync_path_of_every_provider_executes_no_deferred_package(emulator, tmp_path):
    from alicloud_emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_ACCOUNT_ID  # pylint: disable=import-outside-toplevel
    control = emulator.control
    ecs_trust = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': ['ecs.aliyuncs.com']}}]}
    root_trust = {'Version': '1', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow',
                                                 'Principal': {'RAM': [f'acs:ram::{DEFAULT_ACCOUNT_ID}:root']}}]}
    control.create_role('LazyEcsRole', trust=ecs_trust, policies=['AliyunKMSFullAccess'])
    control.create_role('LazyDeployer', trust=root_trust, policies=['AliyunKMSFullAccess'])
    deployer = control.create_user('lazy-deployer', policies=['AliyunSTSAssumeRoleAccess'])
    instance_id = control.seed_instances(count=1, ram_role_name='LazyEcsRole')[0]
    control.create_key(alias='alias/lazy')
    cli_file = tmp_path / 'config.json'
    cli_file.write_text(json.dumps({'current': 'lazy', 'profiles': [
        {'name': 'lazy', 'mode': 'AK', 'access_key_id': DEFAULT_ACCESS_KEY_ID, 'access_key_secret': DEFAULT_ACCESS_KEY_SECRET}]}))
    ini_file = tmp_path / 'credentials.ini'
    ini_file.write_text(f'[lazy-ini]\ntype = access_key\naccess_key_id = {DEFAULT_ACCESS_KEY_ID}\naccess_key_secret = {DEFAULT_ACCESS_KEY_SECRET}\n')
    settings = {'endpoint': emulator.url, 'metadata_proxy': control.metadata_proxy(instance_id), 'cli_file': str(cli_file),
                'instance_id': instance_id,
                'deployer': {'access_key_id': deployer['access_key_id'], 'access_key_secret': deployer['access_key_secret']}}
    script = 'from ansible_collections.alicloud.instance_ram.plugins.module_utils._sdk import defer_unused_sdk_parts\n' \
             'defer_unused_sdk_parts()\n' + SYNC_PATH
    # the folder holding ansible_collections/ too: under plain pytest the collection is found by a loader, not sys.path
    collections_root = os.path.abspath(os.path.join(os.path.dirname(_sdk.__file__), *['..'] * 5))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([collections_root] + [p for p in sys.path if p]), ALIBABA_CLOUD_CREDENTIALS_FILE=str(ini_file),
               HOME=str(tmp_path))
    for name in ('ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_PROFILE', 'ALIBABA_CLOUD_ECS_METADATA'):
        env.pop(name, None)
    run = subprocess.run([sys.executable, '-c', script, json.dumps(settings)], env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    sync = seen['sync']
    # every provider obtained its credential and made real calls
    assert {kind: r['provider'] for kind, r in sync['results'].items()} == {
        'static_ak': 'static_ak', 'ecs_ram_role': 'ecs_ram_role', 'ram_role_arn': 'ram_role_arn/static_ak',
        'cli_profile': 'cli_profile/static_ak', 'ini_profile': 'profile/static_ak'}
    assert all(r['kms_keys'] == 1 for r in sync['results'].values())
    assert sync['results']['static_ak']['role'] == 'LazyEcsRole' and sync['results']['static_ak']['ecs'] == 1
    # ... and none of the deferred packages ran
    assert sync['loaded_for_real'] == []
    assert sync['heavy_imported'] == []
    assert sync['still_deferred'] == sorted(_sdk.DEFERRED_PACKAGES)
    assert sync['asyncio_binding_is_stand_in'] is True
    # the async path works through the same stand-ins, importing what it needs when it runs
    assert seen['async_role'] == 'LazyEcsRole'
    assert seen['aiohttp_real'] is True and {'asyncio', 'aiohttp'} <= set(seen['after_async'])


def test_without_the_finder_the_sdk_imports_the_heavy_packages(tmp_path):
    """The control: the assertions above can fail (the SDK as shipped imports all of it on the sync path)."""
    code = ('import sys, json\nimport alibabacloud_tea_openapi.client, alibabacloud_credentials.client, alibabacloud_credentials.provider\n'
            "print(json.dumps([m for m in ('aiohttp.client', 'apscheduler.schedulers.base', 'asyncio.events', 'websocket._core') if m in sys.modules]))")
    # the folder holding ansible_collections/ too: under plain pytest the collection is found by a loader, not sys.path
    collections_root = os.path.abspath(os.path.join(os.path.dirname(_sdk.__file__), *['..'] * 5))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([collections_root] + [p for p in sys.path if p]), HOME=str(tmp_path))
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == ['aiohttp.client', 'apscheduler.schedulers.base', 'asyncio.events', 'websocket._core']
