# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fact kms_access_binding built by the filter binding_outcome from the role's registered per-region calls."""
from __future__ import annotations

from ansible_collections.alicloud.instance_ram.plugins.filter.binding_outcome import FilterModule, binding_outcome


def result(iid, action, before=None, after='R', code=None, message=None, request_id=None):
    return {'instance_id': iid, 'action': action, 'role_before': before, 'role_after': after, 'code': code, 'message': message,
            'request_id': request_id}


def test_rows_in_call_order_with_hosts_and_regions():
    calls = [{'item': 'cn-hangzhou', 'changed': True, 'results': [result('i-1', 'attached'), result('i-2', 'unchanged', 'R')]},
             {'item': 'cn-shanghai', 'changed': False, 'results': [result('i-3', 'failed', None, None, 'Forbidden', 'no', 'req-1')]}]
    wanted = {'i-1': 'cn-hangzhou', 'i-2': 'cn-hangzhou', 'i-3': 'cn-shanghai'}
    out = binding_outcome(calls, wanted, {'i-1': 'web1', 'i-3': 'db1'}, role_name='R', check_mode=False)
    assert out['role_name'] == 'R' and out['check_mode'] is False
    assert [r['instance_id'] for r in out['instances']] == ['i-1', 'i-2', 'i-3']
    assert out['instances'][0] == {'instance_id': 'i-1', 'region_id': 'cn-hangzhou', 'host': 'web1', 'action': 'attached',
                                   'role_before': None, 'role_after': 'R', 'code': None, 'message': None, 'request_id': None}
    assert out['instances'][1]['host'] is None
    assert out['instances'][2]['code'] == 'Forbidden' and out['instances'][2]['request_id'] == 'req-1'
    # where each host's row is (hosts only: a row is in the fact once), and the failures nobody's host reports
    assert out['host_rows'] == {'i-1': 0, 'i-3': 2}
    assert out['failed_without_host'] == []
    assert out['regions'] == {
        'cn-hangzhou': {'total': 2, 'attached': 1, 'detached': 0, 'replaced': 0, 'unchanged': 1, 'skipped': 0, 'failed': 0,
                        'changed': True, 'error': None},
        'cn-shanghai': {'total': 1, 'attached': 0, 'detached': 0, 'replaced': 0, 'unchanged': 0, 'skipped': 0, 'failed': 1,
                        'changed': False, 'error': None}}
    assert list(out['regions']['cn-hangzhou']) == ['total', *('attached', 'detached', 'replaced', 'unchanged', 'skipped', 'failed'),
                                                   'changed', 'error']


def test_a_call_failed_as_a_whole_fails_each_instance_of_its_region_only():
    long = 'AccessDenied: ' + 'word ' * 100 + '\nTraceback line 2\nline 3'
    calls = [{'item': 'cn-hangzhou', 'changed': False, 'failed': True, 'msg': long,
              'error': {'code': 'Forbidden.RAM', 'request_id': 'req-9'}},
             {'item': 'cn-beijing', 'changed': True, 'results': [result('i-9', 'attached')]}]
    wanted = {'i-1': 'cn-hangzhou', 'i-9': 'cn-beijing', 'i-2': 'cn-hangzhou'}
    out = binding_outcome(calls, wanted, {'i-2': 'web2'}, role_name='R', check_mode=True)
    assert [r['instance_id'] for r in out['instances']] == ['i-1', 'i-2', 'i-9']
    failed = out['instances'][1]
    assert failed['action'] == 'failed' and failed['host'] == 'web2' and failed['region_id'] == 'cn-hangzhou'
    assert failed['code'] == 'Forbidden.RAM' and failed['request_id'] == 'req-9'
    assert failed['role_before'] is None and failed['role_after'] is None
    # the first line only, cut to 300 characters at a word (Jinja's truncate: '...' and a leeway of 5)
    assert failed['message'].startswith('not attempted: the binding call of cn-hangzhou failed - AccessDenied: word word')
    first_line = failed['message'].split(' failed - ', 1)[1]
    assert first_line.endswith('...') and len(first_line) <= 300 and 'Traceback' not in first_line
    assert out['regions']['cn-hangzhou']['failed'] == 2 and out['regions']['cn-hangzhou']['total'] == 2
    assert out['regions']['cn-hangzhou']['error'] == first_line
    assert out['regions']['cn-beijing']['error'] is None and out['check_mode'] is True
    assert out['host_rows'] == {'i-2': 1}
    assert out['failed_without_host'] == [{'instance_id': 'i-1', 'code': 'Forbidden.RAM'}]


def test_the_one_call_of_a_single_region_registered_as_it_is():
    call = {'changed': True, 'results': [result('i-1', 'attached'), result('i-2', 'failed', None, None, 'InvalidInstanceId.NotFound')]}
    out = binding_outcome([call], {'i-1': 'cn-hangzhou', 'i-2': 'cn-hangzhou'}, {'i-1': 'web1'}, region='cn-hangzhou')
    assert [r['region_id'] for r in out['instances']] == ['cn-hangzhou', 'cn-hangzhou']
    assert out['regions']['cn-hangzhou']['total'] == 2 and out['regions']['cn-hangzhou']['failed'] == 1
    assert out['failed_without_host'] == [{'instance_id': 'i-2', 'code': 'InvalidInstanceId.NotFound'}]
    # an item wins over the region given for calls without one
    out = binding_outcome([{**call, 'item': 'cn-beijing'}], {'i-1': 'cn-beijing', 'i-2': 'cn-beijing'}, region='cn-hangzhou')
    assert list(out['regions']) == ['cn-beijing'] and out['host_rows'] == {}


def test_a_single_region_call_that_failed_as_a_whole():
    out = binding_outcome([{'failed': True, 'msg': 'Throttling'}], {'i-1': 'cn-hangzhou', 'i-2': 'cn-hangzhou'}, region='cn-hangzhou')
    assert [r['action'] for r in out['instances']] == ['failed', 'failed'] and out['regions']['cn-hangzhou']['error'] == 'Throttling'
    assert [r['instance_id'] for r in out['failed_without_host']] == ['i-1', 'i-2']


def test_a_failed_call_without_error_details():
    out = binding_outcome([{'item': 'cn-hangzhou', 'msg': 'short'}], {'i-1': 'cn-hangzhou'})
    assert out['instances'][0]['code'] == 'Unknown' and out['instances'][0]['request_id'] is None
    assert out['instances'][0]['message'] == 'not attempted: the binding call of cn-hangzhou failed - short'
    assert out['regions']['cn-hangzhou']['changed'] is False and out['regions']['cn-hangzhou']['error'] == 'short'


def test_no_call_at_all():
    assert binding_outcome([], {}) == {'role_name': None, 'check_mode': False, 'regions': {}, 'instances': [], 'host_rows': {},
                                       'failed_without_host': []}


def test_registered_as_a_filter():
    assert FilterModule().filters()['binding_outcome'] is binding_outcome
