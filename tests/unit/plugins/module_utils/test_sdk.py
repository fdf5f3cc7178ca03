# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lazy `models` package of the SDKs (_sdk.lazy_models): a model's file is imported on first use only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _sdk
from ansible_collections.alicloud.instance_ram.plugins.module_utils._sdk import lazy_models, model_index

# the folder holding ansible_collections/alicloud/instance_ram (ansible-test puts it on sys.path, plain pytest need not)
COLLECTIONS_ROOT = str(Path(_sdk.__file__).resolve().parents[5])


@pytest.mark.parametrize('source, expected', [
    ('from ._get_role_request import GetRoleRequest\n', {'GetRoleRequest': '_get_role_request'}),
    ('from __future__ import annotations\n\nfrom ._a import A\nfrom ._b_body import BBody, BBodyRole\n',
     {'A': '_a', 'BBody': '_b_body', 'BBodyRole': '_b_body'}),
    ('from ._c import (\n    C,\n    CItem,\n)\nfrom ._d import D\n', {'C': '_c', 'CItem': '_c', 'D': '_d'}),
    ('from darabonba.model import DaraModel\nimport os\n__all__ = [\n    A\n]\n', {}),
])
def test_model_index(source, expected):
    assert model_index(source) == expected


def make_sdk(root, name):
    """A fake SDK package `name` whose models/__init__.py imports every model file eagerly, as the real ones do."""
    models = root / name / 'models'
    models.mkdir(parents=True)
    (root / name / '__init__.py').write_text('')
    (models / '__init__.py').write_text(textwrap.dedent('''\
        from __future__ import annotations

        from ._ping_request import PingRequest
        from ._ping_response import PingResponse, PingResponseBody
        from ._other import Other

        LOADED_EAGERLY = True
        '''))
    (models / '_ping_request.py').write_text(f'from {name} import models as main_models\n\nclass PingRequest:\n    pass\n')
    (models / '_ping_response.py').write_text(
        f'from {name} import models as main_models\n\nclass PingResponseBody:\n    pass\n\n'
        'class PingResponse:\n    def body(self):\n        return main_models.PingResponseBody()\n')
    (models / '_other.py').write_text('class Other:\n    pass\n')


@pytest.fixture
def fake_sdk(tmp_path, monkeypatch):
    name = 'fake_sdk_' + os.path.basename(str(tmp_path)).replace('-', '_')
    make_sdk(tmp_path, name)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(name + '.')]:
        del sys.modules[module]


def loaded(name):
    return sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith(name + '.models.'))


def test_a_model_file_is_imported_on_first_use_only(fake_sdk):
    models = lazy_models(fake_sdk)
    assert loaded(fake_sdk) == []
    assert models.PingRequest.__name__ == 'PingRequest'
    assert loaded(fake_sdk) == ['_ping_request']
    # what the SDK's client and the model files see under the package's name is the lazy module
    assert getattr(__import__(fake_sdk + '.models', fromlist=['PingRequest']), 'PingRequest') is models.PingRequest
    assert sys.modules[fake_sdk + '.models'] is models
    # a model that refers to another one through `main_models` gets it lazily too
    assert type(models.PingResponse().body()).__name__ == 'PingResponseBody'
    assert loaded(fake_sdk) == ['_ping_request', '_ping_response']
    assert lazy_models(fake_sdk) is models


def test_a_name_outside_the_index_runs_the_original_init(fake_sdk):
    models = lazy_models(fake_sdk)
    assert models.LOADED_EAGERLY is True
    assert loaded(fake_sdk) == ['_other', '_ping_request', '_ping_response']
    with pytest.raises(AttributeError):
        models.NoSuchModel  # pylint: disable=pointless-statement


def test_an_unknown_name_is_an_attribute_error(fake_sdk):
    models = lazy_models(fake_sdk)
    with pytest.raises(AttributeError):
        getattr(models, 'NoSuchModel')
    assert models.Other.__name__ == 'Other'


def test_an_already_imported_models_package_is_left_alone(fake_sdk):
    eager = __import__(fake_sdk + '.models', fromlist=['PingRequest'])
    assert lazy_models(fake_sdk) is eager
    assert loaded(fake_sdk) == ['_other', '_ping_request', '_ping_response']


REAL_SDK_CHECK = '''
import json, sys
from ansible_collections.alicloud.instance_ram.plugins.module_utils._client import ClientFactory
factory = ClientFactory({'access_key_id': 'AK', 'access_key_secret': 'SECRET', 'region_id': 'cn-hangzhou',
                         'ecs_endpoint': 'http://127.0.0.1:9', 'ram_endpoint': 'http://127.0.0.1:9'})
ecs = factory.client('ecs')
before = sorted(m for m in sys.modules if m.startswith('alibabacloud_ecs20140526.models.'))
request = ecs._models.DescribeInstanceRamRoleRequest().from_map({'RegionId': 'cn-hangzhou', 'PageSize': 50})
response = ecs._models.DescribeInstanceRamRoleResponse().from_map(
    {'body': {'TotalCount': 1, 'InstanceRamRoleSets': {'InstanceRamRoleSet': [{'InstanceId': 'i-1', 'RamRoleName': 'R'}]}}})
after = sorted(m for m in sys.modules if m.startswith('alibabacloud_ecs20140526.models.'))
print(json.dumps({'before': before, 'after': after, 'request': request.to_map(), 'body': response.body.to_map(),
                  'same': sys.modules['alibabacloud_ecs20140526.client'].main_models is ecs._models,
                  'ram': len([m for m in sys.modules if m.startswith('alibabacloud_ram20150501.models.')])}))
'''


def test_the_ecs_sdk_loads_only_the_models_a_call_needs():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([COLLECTIONS_ROOT] + [p for p in sys.path if p]))
    output = subprocess.run([sys.executable, '-c', REAL_SDK_CHECK], env=env, capture_output=True, text=True, check=True).stdout
    seen = json.loads(output)
    assert seen['before'] == []
    # three files of 1152: the request, the response and its body (the nested classes live in the body's file)
    assert [m.rsplit('.', 1)[1] for m in seen['after']] == [
        '_describe_instance_ram_role_request', '_describe_instance_ram_role_response', '_describe_instance_ram_role_response_body']
    assert seen['request'] == {'RegionId': 'cn-hangzhou', 'PageSize': 50}
    assert seen['body']['InstanceRamRoleSets']['InstanceRamRoleSet'] == [{'InstanceId': 'i-1', 'RamRoleName': 'R'}]
    assert seen['same'] is True
    assert seen['ram'] == 0
