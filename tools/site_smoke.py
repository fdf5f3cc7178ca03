"""Run the installed collection's playbook, `ansible-playbook alicloud.instance_ram.site`, against the emulator.

    python tools/site_smoke.py        (ANSIBLE_COLLECTIONS_PATH must point at the installed collection)

Seeds five VPC instances, runs the site playbook on the controller for them (verification off), then runs it
again: the first run must change things, the rerun must report changed=0 and make no write call.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile

from alicloud_emulator.testing import EmulatorProcess, emulator_settings


def run_site(env, inventory, extra):
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
               'alicloud.instance_ram.site', '-e', '@' + extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    recap = re.search(r'changed=(\d+).*failed=(\d+)', done.stdout)
    if done.returncode != 0 or recap is None or recap.group(2) != '0':
        sys.exit(f'site_smoke: {" ".join(command)} failed (rc {done.returncode})\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}')
    return int(recap.group(1))


def main():
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        ids = emulator.control.seed_instances(count=5, prefix='site-smoke')
        inventory = os.path.join(tmp, 'inventory.json')
        extra = os.path.join(tmp, 'vars.json')
        with open(inventory, 'w', encoding='utf-8') as handle:
            json.dump({'kms_access_fleet': {'hosts': {'localhost': {
                'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}}, handle)
        with open(extra, 'w', encoding='utf-8') as handle:
            # the controller alone, the instances by id: no discovery on the controller (it is no ECS instance)
            json.dump({'kms_access_instance_ids': ids, 'kms_access_verify': False, 'kms_access_discover': 'never'}, handle)
        env = {**os.environ, **emulator_settings(emulator)[1], 'ANSIBLE_NOCOLOR': '1'}
        first = run_site(env, inventory, extra)
        cursor = emulator.control.cursor()
        again = run_site(env, inventory, extra)
        writes = [c['action'] for c in emulator.control.calls(since=cursor, write=True)]
        bound = [i['instance_id'] for i in emulator.control.instances(ram_role_name='EcsRamRoleTest')]
        if first == 0 or again != 0 or writes or sorted(bound) != sorted(ids):
            sys.exit(f'site_smoke: first run changed={first}, rerun changed={again}, rerun writes={writes}, bound {len(bound)} of {len(ids)}')
        print(f'site_smoke: alicloud.instance_ram.site from the installed collection bound {len(bound)} of {len(ids)} instances '
              f'(changed={first}); the rerun: changed=0, no write call')


if __name__ == '__main__':
    main()
