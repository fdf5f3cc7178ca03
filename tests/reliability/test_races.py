# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Races: two `ansible-playbook playbooks/site.yml` started together on the same role and fleet.

Both end green (or one reports a clean conflict); one role exists; each policy was attached once and every
instance bound once (from the call log, role bindings replayed per instance); a third run changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml

from fleet import Fleet, recap
from scenario import emuctl, play
from harness import ACCOUNT_ID, ROOT, assert_writes_once
from test_role import assert_clean, converged_state, summary_lines

# Slow reads widen the window between "it is not there" and "create it": both runs read before either writes.
SLOW_READS = {'GetPolicy': 3000, 'GetRole': 3000, 'ListPoliciesForRole': 3000, 'DescribeInstanceRamRole': 2000}
ROUNDS = ['the guide (AliyunKMSFullAccess)', 'the guide, both runs reading before either writes',
          'least privilege (a custom policy the role creates), both runs reading before either writes',
          'the role exists without its policy, both runs reading before either writes']


@pytest.mark.parametrize('round_', ROUNDS)
def test_two_site_runs_at_once(h, round_, tmp_path):
    fleet = Fleet(h, f'rel-race-{ROUNDS.index(round_)}', hosts=2, extra=60)
    before = {i['instance_id']: i for i in h.control.instances(account_id=ACCOUNT_ID)}
    role = fleet.role.lower()
    wanted, policies = {}, ['System:AliyunKMSFullAccess']
    expected = [('CreateRole', role), ('AttachPolicyToRole', role, 'System', 'AliyunKMSFullAccess')]
    if 'least privilege' in round_:
        custom = f'{fleet.role}-kms-access'
        wanted = {'kms_access_policies': [], 'kms_access_key_ids': [fleet.key], 'kms_access_secret_names': [fleet.secret]}
        policies = [f'Custom:{custom}']
        expected = [('CreatePolicy', custom), ('CreateRole', role), ('AttachPolicyToRole', role, 'Custom', custom)]
    if round_.startswith('the role exists'):
        defaults = yaml.safe_load((ROOT / 'roles' / 'kms_access' / 'defaults' / 'main.yml').read_text(encoding='utf-8'))
        h.create_role(fleet.role, description=defaults['kms_access_role_description'])
        expected = [('AttachPolicyToRole', role, 'System', 'AliyunKMSFullAccess')]
    if 'reading before' in round_:
        for action, ms in SLOW_READS.items():
            h.control.set_latency(ms, action=action)
    # each ansible-playbook first runs a one-task playbook that waits for the other, then site.yml: both start it together
    gate = tmp_path / 'gate.yml'
    gate.write_text(json.dumps([play('start together', [emuctl('wait for the other run', 'barrier', '2')])]), encoding='utf-8')
    start = h.control.cursor()
    both = [fleet.start(f'race-{n}', before=gate, env={'RELIABILITY_BARRIER': str(tmp_path / 'barrier')}, **wanted) for n in 'ab']
    runs = [p.wait() for p in both]
    h.control.settings(latency_ms=0, action_latency_ms={})
    fleet.rescan(*runs)

    green = [r for r in runs if r.rc == 0]
    assert len(green) >= 1, 'both runs failed:\n' + runs[0].tail(30)
    for run in runs:
        if run.rc != 0:
            assert_clean(run, f'{round_}: the run that lost')
        else:
            hosts = len(fleet.host_ids)
            assert f'verification: {hosts} of {hosts} host(s) passed' in summary_lines(run)
    calls = h.control.calls(since=start)
    bound = converged_state(h, fleet, policies)
    expected += [('AttachInstanceRamRole', i, role) for i in fleet.ids]
    assert_writes_once(calls, before, expected, bound, where=round_)

    again = fleet.run('race-after', **wanted)
    assert again.rc == 0 and sum(c['changed'] for c in recap(again).values()) == 0, again.tail()
    assert not [c for c in h.control.calls(since=calls[-1]['seq']) if c['write']], 'a run after the race wrote'
    # the race was real where both runs sent the same write: the loser was answered "already exists / attached"
    sent = Counter(c['action'] for c in calls if c['write'])
    needed = Counter(key[0] for key in expected if key[0] != 'AttachInstanceRamRole')
    needed['AttachInstanceRamRole'] = 1  # one call for all the instances
    contested = sorted(a for a in needed if sent[a] > needed[a])
    h.ledger.add('race', round_, runs_green=len(green), clean_conflicts=len(runs) - len(green), calls=len(calls),
                 lost_writes=sum(sent[a] - needed[a] for a in contested), contested=', '.join(contested) or 'none (the runs did not overlap)',
                 instances=len(fleet.ids))
