# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils._diff import Diff, plain


class Module:
    def __init__(self, diff_mode):
        self.diff_mode = diff_mode


def test_the_one_shape_with_headers_and_empty_sides_for_a_thing_that_does_not_exist():
    diff = Diff('role r').view(None, {'role_name': 'r', 'policies': []})
    assert diff.as_dict() == {'before': {}, 'after': {'role_name': 'r', 'policies': []}, 'before_header': 'role r', 'after_header': 'role r'}
    assert Diff('policy p').view({'policy_name': 'p'}, {}).as_dict()['after'] == {}


def test_attached_in_diff_mode_only():
    diff = Diff('x').view({'a': 1}, {'a': 2})
    assert diff.attach(Module(False), {'changed': True}) == {'changed': True}
    result = {'changed': True}
    assert diff.attach(Module(True), result) is result and result['diff'] == diff.as_dict()


def test_entries_keep_the_order_given_and_both_sides_have_every_key():
    diff = Diff('roles').add('i-2', None, 'R').add('i-1', 'OLD', None)
    assert list(diff.before) == list(diff.after) == ['i-2', 'i-1']
    assert diff.before == {'i-2': None, 'i-1': 'OLD'} and diff.after == {'i-2': 'R', 'i-1': None}


def test_a_view_is_copied_so_a_later_change_of_the_module_state_does_not_leak_into_the_diff():
    role = {'role_name': 'r', 'policies': [{'name': 'a', 'type': 'System'}]}
    diff = Diff('role r').view(role, role)
    role['policies'].append({'name': 'b', 'type': 'Custom'})
    role['role_name'] = 'changed'
    assert diff.before == diff.after == {'role_name': 'r', 'policies': [{'name': 'a', 'type': 'System'}]}


def test_plain_data_only_tuples_become_lists():
    value = {'a': (1, 'x', None, True, 1.5), 'b': {'c': [{'d': ()}]}}
    assert plain(value) == {'a': [1, 'x', None, True, 1.5], 'b': {'c': [{'d': []}]}}
    assert json.loads(json.dumps(Diff('h').view(value, {}).as_dict()))['before'] == plain(value)


@pytest.mark.parametrize('value, where', [
    ({'a': {1: 'x'}}, 'before.a: key 1 is not a string'),
    ({'a': [{'b': {'x'}}]}, 'before.a[0].b: set is not plain data'),
    ({'a': b'bytes'}, 'before.a: bytes is not plain data'),
    ({'a': object()}, 'before.a: object is not plain data'),
])
def test_anything_else_is_refused_naming_where(value, where):
    with pytest.raises(TypeError) as err:
        Diff('h').view(value, {})
    assert str(err.value) == where


def test_an_entry_key_must_be_a_string():
    with pytest.raises(TypeError, match='not a string'):
        Diff('h').add(('i-1',), None, 'R')
    with pytest.raises(TypeError, match=r'after\.i-1: set is not plain data'):
        Diff('h').add('i-1', None, {'R'})
