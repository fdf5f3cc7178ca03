# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The peer comparison's call counts (run by tools/bench.sh once the peer's venv exists; not a test_*.py file, so that
`make test`, which has no peer installed, neither collects nor skips it)."""
from __future__ import annotations

import bench  # pytest puts this folder on sys.path (prepend import mode, no __init__.py)


def test_the_peer_comparison_makes_the_calls_each_tool_is_known_for():
    """Call counts only: 2 instances, latency 0, one pass of each tool (what `make bench` times)."""
    results = bench.peer_compare(latency_ms=0, forks=5, repeats=1, n=2, log=lambda line: None)
    runs = results['runs']
    assert all(row[tool]['rc'] == 0 for row in runs.values() for tool in ('ours', 'peer'))
    assert results['bound'] == {'ours': [2], 'peer': [2]}
    # ours: GetRole + CreateRole; the rerun one GetRole and ListPoliciesForRole, no write
    assert runs['step 1/first']['ours']['write_calls'] == {'CreateRole': 1}
    assert runs['step 1/rerun']['ours']['writes'] == 0 and runs['step 2b/rerun']['ours']['writes'] == 0
    # the peer: one ListRoles page for the role; per instance a DescribeUserData and a DescribeDisks on every run
    assert runs['step 1/first']['peer']['calls'] == {'CreateRole': 1, 'ListRoles': 1}
    assert runs['step 2b/first']['peer']['write_calls'] == {'RunInstances': 1}
    assert runs['step 2b/rerun']['peer']['calls'] == {'DescribeDisks': 2, 'DescribeInstances': 2, 'DescribeUserData': 4}
    assert runs['step 2b/rerun']['peer']['writes'] == 0
    assert runs['step 2b/rerun']['ours']['total_calls'] < runs['step 2b/rerun']['peer']['total_calls']
