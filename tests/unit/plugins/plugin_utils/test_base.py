# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared options of plugins: one fragment for modules and plugins, env entries, the modules' precedence."""
from __future__ import annotations

import os

import pytest
import yaml

from ansible.plugins.loader import fragment_loader, lookup_loader
from ansible.utils.plugin_docs import get_docstring

from ansible_collections.alicloud.instance_ram.plugins.doc_fragments.auth import ModuleDocFragment
from ansible_collections.alicloud.instance_ram.plugins.module_utils import _client, _credentials
from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError
from ansible_collections.alicloud.instance_ram.plugins.plugin_utils import _base

OPTIONS = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
PLUGIN_ENV = yaml.safe_load(ModuleDocFragment.PLUGINS)
PLUGIN_FILES = {'lookup': 'plugins/lookup/kms_secret.py', 'inventory': 'plugins/inventory/ecs.py'}


def rendered(path, plugin_type):
    """The documentation of a plugin file as ansible-doc renders it, fragments merged."""
    import ansible_collections.alicloud.instance_ram as collection
    root = os.path.dirname(collection.__file__)
    doc = get_docstring(os.path.join(root, path), fragment_loader, collection_name='alicloud.instance_ram',
                        is_module=plugin_type == 'module', plugin_type=plugin_type)[0]
    return doc


def test_the_options_are_written_once_and_match_the_argument_spec():
    spec = _credentials.auth_argument_spec()
    assert list(OPTIONS['options']) == list(spec) == list(_base.AUTH_OPTIONS)
    for name, entry in spec.items():
        doc = OPTIONS['options'][name]
        assert doc['type'] == entry['type'], name
        assert doc.get('default') == entry.get('default'), name
        assert doc.get('aliases', []) == entry.get('aliases', []), name
        assert 'env' not in doc, name
    # the plugins' variant adds the env entries and nothing else: no second copy of a description
    assert set(PLUGIN_ENV) == {'options', 'notes'}
    assert set(PLUGIN_ENV['options']) == set(_credentials.ENV) & set(spec)
    for name, doc in PLUGIN_ENV['options'].items():
        assert list(doc) == ['env'], name
        # Ansible takes the last variable set in this list, the modules the first one in _credentials.ENV
        assert [e['name'] for e in doc['env']] == list(reversed(_credentials.ENV[name])), name


@pytest.mark.parametrize('plugin_type', sorted(PLUGIN_FILES))
def test_a_plugin_renders_every_option_with_its_description_and_env(plugin_type):
    doc = rendered(PLUGIN_FILES[plugin_type], plugin_type)
    for name, entry in OPTIONS['options'].items():
        assert doc['options'][name]['description'] == entry['description'], name
        assert doc['options'][name]['type'] == entry['type'], name
        assert doc['options'][name].get('env', []) == PLUGIN_ENV['options'].get(name, {}).get('env', []), name
    notes = ' '.join(doc['notes'])
    assert 'environment variables listed with it' in notes and 'action group' not in notes
    assert doc['requirements'][:len(OPTIONS['requirements'])] == OPTIONS['requirements']


def test_a_module_renders_the_options_without_env_and_with_the_action_group_note():
    doc = rendered('plugins/modules/ram_role.py', 'module')
    for name, entry in OPTIONS['options'].items():
        assert doc['options'][name]['description'] == entry['description'], name
        assert 'env' not in doc['options'][name], name
    notes = ' '.join(doc['notes'])
    assert 'action group' in notes and 'environment variables listed with it' not in notes


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
