# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.alicloud.instance_ram.plugins.module_utils._propagation import until_propagated
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.ecs import FakeClock as Clock


def test_retries_until_the_answer_is_final_with_growing_pauses():
    clock = Clock()
    answers = iter(['pending', 'pending', 'pending', 'done'])
    outcome, attempts = until_propagated(lambda: next(answers), lambda o: o == 'pending', 60, sleep=clock.sleep, clock=clock)
    assert (outcome, attempts) == ('done', 4) and clock.sleeps == [1.0, 2.0, 3.0]


def test_gives_the_last_answer_when_the_time_runs_out_and_never_sleeps_past_it():
    clock = Clock()
    outcome, attempts = until_propagated(lambda: 'pending', lambda o: True, 20, sleep=clock.sleep, clock=clock)
    assert outcome == 'pending' and clock.now == 20
    assert clock.sleeps == [1.0, 2.0, 3.0, 5.0, 5.0, 4.0] and attempts == 7


def test_zero_means_one_attempt():
    clock = Clock()
    calls = []
    outcome, attempts = until_propagated(lambda: calls.append(1) or 'pending', lambda o: True, 0, sleep=clock.sleep, clock=clock)
    assert attempts == 1 and calls == [1] and clock.sleeps == []


def test_a_final_answer_at_once_is_not_repeated():
    clock = Clock()
    outcome, attempts = until_propagated(lambda: 'denied for good', lambda o: False, 60, sleep=clock.sleep, clock=clock)
    assert attempts == 1 and clock.sleeps == []
