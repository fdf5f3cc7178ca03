# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/site.yml (the kms_access role) against the emulator: a fleet, its inventory, and what a run did.

The inventory has one host per instance of the fleet (local connection, its instance id, its own metadata
service), and more instances are bound by id only. Credentials and endpoints reach the role's modules through
the environment, the way the README tells users to run site.yml.
"""

from __future__ import annotations

import re

from harness import ROOT

SITE = ROOT / 'playbooks' / 'site.yml'
RECAP = re.compile(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


class Fleet:
    """Instances for one site.yml scenario: `hosts` (inventory hosts) and `extra` (bound by id), a key and a secret."""

    def __init__(self, h, prefix, hosts=2, extra=30, role=None, **seed):
        self.h = h
        self.prefix = prefix
        self.role = role or f'{prefix}-role'
        self.host_ids = h.seed_instances(count=hosts, prefix=f'{prefix}-host-', **seed)
        self.extra = h.seed_instances(count=extra, prefix=f'{prefix}-', **seed) if extra else []
        self.key = h.create_key(f'alias/{prefix}-key')
        self.secret = f'{prefix}-secret'
        h.create_secret(self.secret)

    @property
    def ids(self):
        return self.host_ids + self.extra

    def inventory(self):
        return {f'{self.prefix}-host-{n}': {'instance_id': iid, 'metadata_proxy': self.h.control.metadata_proxy(iid)}
                for n, iid in enumerate(self.host_ids, 1)}

    def variables(self, **more):
        return {'kms_access_hosts': 'all', 'kms_access_role_name': self.role, 'kms_access_region_id': 'cn-hangzhou',
                'kms_access_instance_ids': self.extra, 'kms_access_kms_endpoint': self.h.url,
                'kms_access_verify_key_id': self.key, 'kms_access_verify_secret_name': self.secret, **more}

    def start(self, name, before=None, env=None, **more):
        """Start site.yml (after the playbook `before`, if given, in the same ansible-playbook)."""
        return self.h.start(None, name, playbook=[before, SITE] if before else SITE, inventory=self.inventory(),
                            extra_vars=self.variables(**more), env={**self.h.environment, **(env or {})})

    def run(self, name, **more):
        return self.start(name, **more).wait()

    def rescan(self, *runs):
        """Scan `runs` again for the credentials the hosts' metadata services serve now (minted during the runs)."""
        for iid in self.host_ids:
            if self.h.instance_roles([iid])[iid]:
                self.h.instance_credentials(iid)
        for run in runs:
            self.h.rescan(run)


def recap(run):
    """{host: {ok, changed, unreachable, failed}} from the PLAY RECAP."""
    return {m[0]: {'ok': int(m[1]), 'changed': int(m[2]), 'unreachable': int(m[3]), 'failed': int(m[4])} for m in RECAP.findall(run.output)}


def failures(run):
    """The failed tasks of a run: (task, host, message)."""
    return [(r['task'], r['host'], r['result'].get('msg', '')) for r in run.records if r['status'] == 'failed']
