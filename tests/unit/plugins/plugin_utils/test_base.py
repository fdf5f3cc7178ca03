# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared options of plugins: one fragment for modules and plugins, env entries, the modules' precedence."""
from __future__ import annotations

import yaml

from ansible.plugins.loader import lookup_loader

from ansible_collections.alicloud.instance_ram.plugins.doc_fragments.auth import ModuleDocFragment
from ansible_collections.alicloud.instance_ram.plugins.module_utils import _client, _credentials
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.plugin_utils import _base

MODULES = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
PLUGINS = yaml.safe_load(ModuleDocFragment.PLUGINS)


def test_one_set_of_options_for_modules_and_plugins_matching_the_argument_spec():
    spec = _credentials.auth_argument_spec()
    assert list(MODULES['options']) == list(PLUGINS['options']) == list(spec) == list(_base.AUTH_OPTIONS)
    for name, entry in spec.items():
        for doc in (MODULES['options'][name], PLUGINS['options'][name]):
            assert doc['type'] == entry['type'], name
            assert doc.get('default') == entry.get('default'), name
            assert doc.get('aliases', []) == entry.get('aliases', []), name
            assert doc['description'] == MODULES['options'][name]['description'], name


def test_plugins_list_every_environment_variable_oldest_first_and_modules_none():
    for name, doc in PLUGINS['options'].items():
        # Ansible takes the last variable set in this list, the modules the first one in _credentials.ENV
        assert [e['name'] for e in doc.get('env', [])] == list(reversed(_credentials.ENV.get(name, ()))), name
        assert 'env' not in MODULES['options'][name]
    assert 'action group' in ' '.join(MODULES['notes']) and 'action group' not in ' '.join(PLUGINS['notes'])
    assert PLUGINS['requirements'] == MODULES['requirements']


def _plugin(**direct):
    plugin = lookup_loader.get('alicloud.instance_ram.kms_secret')
    plugin.set_options(direct=direct)
    return plugin


def test_auth_params_take_options_and_non_credential_environment(monkeypatch):
    monkeypatch.setenv('ALICLOUD_REGION', 'cn-shanghai')
    monkeypatch.setenv('ALIBABA_CLOUD_REGION_ID', 'cn-beijing')
    monkeypatch.setenv('ALIBABA_CLOUD_ECS_ENDPOINT', 'http://127.0.0.1:9')
    params = _base.auth_params(_plugin(access_key_id='LTAIopt', access_key_secret='opt-secret', read_timeout=3.0))
    assert set(params) == set(_base.AUTH_OPTIONS)
    assert params['access_key_id'] == 'LTAIopt' and params['access_key_secret'] == 'opt-secret'
    assert params['region_id'] == 'cn-beijing', 'the newer name wins, as in the modules'
    assert params['ecs_endpoint'] == 'http://127.0.0.1:9' and params['read_timeout'] == 3.0


def test_credentials_of_the_environment_stay_with_the_modules_precedence(monkeypatch):
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_ID', 'LTAIenv')
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'env-secret')
    params = _base.auth_params(_plugin(profile='deploy'))
    assert params['access_key_id'] is None and params['access_key_secret'] is None
    assert _credentials.resolve_credential_source(params)['kind'] == 'profile', 'an explicit profile beats keys of the environment'
    params = _base.auth_params(_plugin())
    source = _credentials.resolve_credential_source(params)
    assert (source['origin'], source['variable'], source['access_key_id']) == ('environment', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'LTAIenv')


def test_client_factory_overrides_and_error_text_masks_secrets():
    factory = _base.client_factory(_plugin(access_key_id='LTAIopt', access_key_secret='opt-secret-1234'), region_id='eu-central-1')
    assert factory.params['region_id'] == 'eu-central-1' and factory.params['access_key_id'] == 'LTAIopt'
    err = AlicloudApiError('Forbidden.RAM', 'denied for opt-secret-1234', request_id='R-9', status=403, product='ecs',
                           action='DescribeInstances')
    text = _base.error_text(err, factory, 'region eu-central-1')
    assert text.startswith('region eu-central-1: ECS DescribeInstances: Forbidden.RAM') and 'R-9' in text and 'HTTP 403' in text
    assert 'opt-secret-1234' not in text
    assert 'alibabacloud-ecs20140526' in _base.missing_sdk('ecs', 'alibabacloud-ecs20140526', ImportError('x'))


def test_a_factory_per_region_shares_one_credential_client(monkeypatch):
    built = []

    class Provider:
        @staticmethod
        def get_provider_name():
            return 'static_ak'

    monkeypatch.setattr(_client, 'build_credentials_provider', lambda params, source=None, seen=None: built.append(params) or Provider())
    factory = _base.client_factory(_plugin(access_key_id='LTAIopt', access_key_secret='opt-secret-1234'))
    regional = [factory.for_region(region) for region in ('cn-hangzhou', 'eu-central-1')]
    assert [f.params['region_id'] for f in regional] == ['cn-hangzhou', 'eu-central-1']
    assert all(f.credential_client is factory.credential_client for f in regional) and len(built) == 1
    assert all(f.policy is factory.policy for f in regional) and factory.params['region_id'] is None
