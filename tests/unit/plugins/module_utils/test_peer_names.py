# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The option names and environment variables of alibaba.alicloud: each one accepted, or refused naming the replacement.

PEER_OPTIONS and PEER_ENV are what alibaba.alicloud documents (plugins/doc_fragments/alicloud.py and
plugins/module_utils/alicloud_ecs.py of alibaba/alibaba.alicloud). The README's table is rendered here from the
argument spec and must match it.
"""

from __future__ import annotations

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.alicloud.instance_ram.plugins.module_utils._credentials import ENV, auth_argument_spec, resolve_credential_source
from ansible_collections.alicloud.instance_ram.plugins.module_utils._module import REFUSED_PEER_OPTIONS, AlicloudModule

# option: its aliases, as alibaba.alicloud declares them
PEER_OPTIONS = {
    'alicloud_access_key': ['access_key_id', 'access_key'],
    'alicloud_secret_key': ['secret_access_key', 'secret_key'],
    'alicloud_region': ['region', 'region_id'],
    'alicloud_security_token': ['security_token'],
    'alicloud_assume_role': ['assume_role'],
    'alicloud_assume_role_arn': ['assume_role_arn'],
    'alicloud_assume_role_session_name': ['assume_role_session_name'],
    'alicloud_assume_role_session_expiration': ['assume_role_session_expiration'],
    'ecs_role_name': ['role_name'],
    'profile': [],
    'shared_credentials_file': [],
    'alicloud_protocol': ['protocol'],
}
PEER_ENV = ('ALICLOUD_ACCESS_KEY', 'ALICLOUD_ACCESS_KEY_ID', 'ALICLOUD_SECRET_KEY', 'ALICLOUD_SECRET_ACCESS_KEY', 'ALICLOUD_REGION',
            'ALICLOUD_REGION_ID', 'ALICLOUD_SECURITY_TOKEN', 'ALICLOUD_ECS_ROLE_NAME', 'ALICLOUD_SHARED_CREDENTIALS_FILE',
            'ALICLOUD_PROFILE', 'ALICLOUD_ASSUME_ROLE_ARN', 'ALICLOUD_ASSUME_ROLE_SESSION_NAME', 'ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION')
BEGIN = '<!-- peer-names: rendered from the argument spec; tests/unit/plugins/module_utils/test_peer_names.py checks it -->'
END = '<!-- /peer-names -->'
README = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'README.md')


def option_of(name, spec):
    for option, entry in spec.items():
        if name == option or name in entry.get('aliases', ()):
            return option
    return None


def env_option(variable):
    return next((option for option, names in ENV.items() if variable in names), None)


def render():
    spec = auth_argument_spec()
    rows = ['| alibaba.alicloud | here |', '| --- | --- |']
    for peer, aliases in PEER_OPTIONS.items():
        for name in [peer, *aliases]:
            option = option_of(name, spec)
            if option is not None:
                here = f'`{option}`' if option == name else f'`{option}` (alias `{name}`)'
            else:
                here = 'refused, naming the replacement: ' + REFUSED_PEER_OPTIONS[name]
            rows.append(f'| option `{name}` | {here} |')
    for variable in PEER_ENV:
        rows.append(f'| environment `{variable}` | `{env_option(variable)}` |')
    return '\n'.join([BEGIN, *rows, END])


def test_every_peer_option_is_accepted_or_refused_naming_the_replacement():
    spec = auth_argument_spec()
    for peer, aliases in PEER_OPTIONS.items():
        for name in [peer, *aliases]:
            assert option_of(name, spec) or name in REFUSED_PEER_OPTIONS, name


def test_every_peer_environment_variable_is_read():
    assert [v for v in PEER_ENV if env_option(v) is None] == []


def test_the_peer_secret_variable_is_read_with_its_key():
    source = resolve_credential_source({}, {'ALICLOUD_ACCESS_KEY': 'LTAIpeer', 'ALICLOUD_SECRET_ACCESS_KEY': 'peer-secret'})
    assert (source['access_key_id'], source['access_key_secret']) == ('LTAIpeer', 'peer-secret')


def run(args, capsys, spec=None):
    seen = {}

    def body(module):
        seen.update(module.params)
        module.exit_json(changed=False)

    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            AlicloudModule(spec or {}).run(body)
    return exit_info.value.code, json.loads(capsys.readouterr().out), seen


@pytest.mark.parametrize('alias, option, value', [
    ('secret_access_key', 'access_key_secret', 'peer-secret-value'),
    ('assume_role_session_expiration', 'assume_role_duration', 900),
    ('alicloud_assume_role_session_name', 'assume_role_session_name', 'ci'),
])
def test_peer_aliases_are_options(capsys, alias, option, value):
    code, out, seen = run({alias: value}, capsys)
    assert code == 0 and seen[option] == value, out
    assert 'peer-secret-value' not in json.dumps(out)


@pytest.mark.parametrize('name, words', [
    ('alicloud_assume_role', 'assume_role_arn'),
    ('assume_role', 'assume_role_arn'),
    ('alicloud_protocol', 'endpoint options'),
    ('role_name', 'ecs_role_name'),
])
def test_peer_options_not_taken_are_refused_naming_the_replacement(capsys, name, words):
    code, out, _seen = run({name: {'role_arn': 'acs:ram::1:role/r'} if 'assume' in name else 'x'}, capsys)
    assert code == 1 and f"option '{name}' of alibaba.alicloud is not supported" in out['msg'] and words in out['msg']


def test_role_name_stays_the_managed_role_where_a_module_has_it(capsys):
    code, _out, seen = run({'role_name': 'app'}, capsys, spec={'name': {'type': 'str', 'aliases': ['role_name']}})
    assert code == 0 and seen['name'] == 'app'


def test_the_readme_table_is_the_argument_spec():
    with open(README, encoding='utf-8') as handle:
        text = handle.read()
    assert BEGIN in text and END in text, 'the README has no peer-names table'
    shown = text[text.index(BEGIN):text.index(END) + len(END)]
    assert shown == render(), 'README.md is out of date; the table should read:\n' + render()
