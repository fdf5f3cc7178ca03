# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diff rule of every module that changes something (plugins/module_utils/_diff.py), module by module:
no `diff` without diff mode (check mode or not, changed or not), the same shape in diff mode, and the after of a
check run equal to the after of the real run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils import _ecs_instances
from ansible_collections.alicloud.instance_ram.plugins.module_utils._policy import ECS_TRUST_POLICY
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy
from ansible_collections.alicloud.instance_ram.plugins.modules import (
    ecs_instance,
    ecs_instance_ram_role,
    ram_policy,
    ram_role,
    ram_role_policy_attachment,
)
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support import ecs as ecs_support
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support import ram as ram_support
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ecs import REGION, ROLE, FakeClock, FakeEcs, FakeRam

SHAPE = {'before', 'after', 'before_header', 'after_header'}
DOC = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:GetSecretValue', 'Resource': 'acs:kms:*:*:secret/app-*'}]}
PASSWORD = 'Sup3r-Secret-Passw0rd'
IDS = ecs_support.fleet(3)


class RamCase:
    """A RAM module on the RAM fake: `change` makes a change, `undo` another one."""

    def __init__(self, main, header, change, undo, seed=None):
        self.main, self.header, self.change, self.undo, self.seed = main, header, change, undo, seed

    def setup(self, monkeypatch):
        self.cloud = ram_support.install(monkeypatch)
        if self.seed:
            self.seed(self.cloud)

    def run(self, capsys, monkeypatch, **args):
        return ram_support.run_module(self.main, capsys, **args)

    def writes(self):
        return self.cloud.writes()


class EcsCase(RamCase):
    """An ECS module on FakeEcs (`vpc`: its instances; behind the retry policy, on a fake clock) and FakeRam."""

    def __init__(self, main, header, change, undo, vpc=()):
        super().__init__(main, header, change, undo)
        self.vpc = vpc

    def setup(self, monkeypatch):
        clock = FakeClock()
        monkeypatch.setattr(_ecs_instances, 'time', clock)
        self.ecs = FakeEcs(vpc=self.vpc, policy=RetryPolicy(sleep=clock.sleep, rand=lambda: 1.0))
        self.ram = FakeRam({ROLE: ECS_TRUST_POLICY})

        def boot(fake):  # instances created by RunInstances run once time has passed
            if clock.now > 0:
                for inst in fake.instances.values():
                    inst['status'] = 'Running' if inst['status'] == 'Pending' else inst['status']
        self.ecs.before['DescribeInstances'] = boot
        self.ecs.before['DeleteInstances'] = boot

    def run(self, capsys, monkeypatch, **args):
        return ecs_support.run_module(self.main, capsys, monkeypatch, self.ecs, self.ram, **args)

    def writes(self):
        return self.ecs.writes()


CASES = {
    'ram_role': RamCase(ram_role.main, 'role EcsRamRoleTest',
                        {'name': 'EcsRamRoleTest', 'description': 'kms access', 'policies': ['AliyunKMSFullAccess']},
                        {'name': 'EcsRamRoleTest', 'state': 'absent'}),
    'ram_policy': RamCase(ram_policy.main, 'policy app',
                          {'name': 'app', 'policy_document': DOC, 'description': 'app secrets'},
                          {'name': 'app', 'state': 'absent'}),
    'ram_role_policy_attachment': RamCase(ram_role_policy_attachment.main, 'policies of role r',
                                          {'role_name': 'r', 'policies': ['AliyunKMSSecretUserAccess']},
                                          {'role_name': 'r', 'policies': ['AliyunKMSSecretUserAccess'], 'state': 'absent'},
                                          seed=lambda cloud: cloud.add_role('r', policies=['System/AliyunKMSFullAccess'])),
    'ecs_instance_ram_role': EcsCase(ecs_instance_ram_role.main, f'RAM roles of instances in {REGION}',
                                     {'role_name': ROLE, 'instance_ids': IDS},
                                     {'role_name': ROLE, 'instance_ids': IDS, 'state': 'absent'}, vpc=IDS),
    'ecs_instance': EcsCase(ecs_instance.main, f'instances named web in {REGION}',
                            {'name': 'web', 'tags': {'app': 'kms'}, 'count': 5, 'role_name': ROLE, 'image_id': 'img-1',
                             'instance_type': 'ecs.g7.large', 'vswitch_id': 'vsw-1', 'password': PASSWORD},
                            {'name': 'web', 'tags': {'app': 'kms'}, 'state': 'absent'}),
}


def test_every_module_that_changes_something_has_its_case():
    modules = Path(ram_role.__file__).parent
    changing = sorted(p.stem for p in modules.glob('*.py') if 'alicloud.instance_ram.attributes.actions' in p.read_text())
    assert changing == sorted(CASES)
    assert all('Diff(' in (modules / f'{name}.py').read_text() for name in changing)


@pytest.fixture(name='case', params=sorted(CASES))
def case_fixture(request, monkeypatch):
    case = CASES[request.param]
    case.setup(monkeypatch)
    return case


def test_no_diff_without_diff_mode(case, capsys, monkeypatch):
    code, checked = case.run(capsys, monkeypatch, check_mode=True, **case.change)
    assert code == 0 and checked['changed'] is True and 'diff' not in checked and case.writes() == []
    code, done = case.run(capsys, monkeypatch, **case.change)
    assert code == 0 and done['changed'] is True and 'diff' not in done and case.writes()
    code, again = case.run(capsys, monkeypatch, **case.change)
    assert code == 0 and again['changed'] is False and 'diff' not in again
    code, undone = case.run(capsys, monkeypatch, **case.undo)
    assert code == 0 and undone['changed'] is True and 'diff' not in undone


def test_diff_mode_same_shape_and_check_mode_predicts_the_real_after(case, capsys, monkeypatch):
    code, checked = case.run(capsys, monkeypatch, check_mode=True, diff=True, **case.change)
    assert code == 0 and checked['changed'] is True and case.writes() == []
    diff = checked['diff']
    assert set(diff) == SHAPE and diff['before_header'] == diff['after_header'] == case.header
    assert isinstance(diff['before'], dict) and isinstance(diff['after'], dict) and diff['before'] != diff['after']
    # plain data: the JSON the module printed is what the callbacks render, and no secret is in it
    assert PASSWORD not in json.dumps(checked)

    code, done = case.run(capsys, monkeypatch, diff=True, **case.change)
    assert code == 0 and done['changed'] is True and case.writes()
    assert done['diff'] == checked['diff']

    # the rerun in diff mode: a diff, with nothing changed in it
    code, again = case.run(capsys, monkeypatch, diff=True, **case.change)
    assert code == 0 and again['changed'] is False and set(again['diff']) == SHAPE
    assert again['diff']['before'] == again['diff']['after']

    # the way back: predicted, then done, the same diff; its before is the after of the change
    code, checked = case.run(capsys, monkeypatch, check_mode=True, diff=True, **case.undo)
    code2, undone = case.run(capsys, monkeypatch, diff=True, **case.undo)
    assert code == code2 == 0 and undone['changed'] is True and set(undone['diff']) == SHAPE
    assert undone['diff'] == checked['diff'] and undone['diff']['before'] != undone['diff']['after']
