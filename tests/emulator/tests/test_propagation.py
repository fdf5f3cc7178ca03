# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The propagation delay (setting `propagation_delay`): a fresh binding and a fresh policy attachment take a while.

Reference §0b.15: after AttachInstanceRamRole the metadata service does not serve the role at once, and after
AttachPolicyToRole KMS does not honour the policy at once. Seeded bindings and older attachments are not delayed.
"""
from __future__ import annotations

import json
import time

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_kms20160120.client import Client as KmsClient
from alibabacloud_ram20150501 import models as ram_models

from helpers import api_error, client_for
from test_metadata import CREDS, imds

DELAY = 1.5


def _token(emu, instance_id):
    status, token = imds(emu, instance_id, '/latest/api/token', 'PUT', {'X-aliyun-ecs-metadata-token-ttl-seconds': '60'})
    assert status == 200
    return {'X-aliyun-ecs-metadata-token': token}


def _role_served(emu, instance_id):
    status, body = imds(emu, instance_id, CREDS, headers=_token(emu, instance_id))
    return body if status == 200 else None


def test_a_fresh_binding_is_served_after_the_delay_a_seeded_one_at_once(emu, control):
    control.create_role('FreshBind')
    control.set_propagation_delay(DELAY)
    seeded = control.seed_instances(count=1, ram_role_name='FreshBind')[0]
    fresh = control.seed_instances(count=1)[0]
    client_for(EcsClient, emu).attach_instance_ram_role(ecs_models.AttachInstanceRamRoleRequest(
        region_id='cn-hangzhou', ram_role_name='FreshBind', instance_ids=json.dumps([fresh])))
    assert _role_served(emu, seeded) == 'FreshBind'
    # the binding exists for ECS at once (DescribeInstanceRamRole), the metadata service does not serve it yet
    assert control.instance(fresh)['ram_role'] == 'FreshBind'
    assert _role_served(emu, fresh) is None
    status, dummy = imds(emu, fresh, CREDS + 'FreshBind', headers=_token(emu, fresh))
    assert status == 404
    time.sleep(DELAY + 0.2)
    assert _role_served(emu, fresh) == 'FreshBind'
    status, body = imds(emu, fresh, CREDS + 'FreshBind', headers=_token(emu, fresh))
    assert status == 200 and json.loads(body)['Code'] == 'Success'


def test_a_fresh_policy_attachment_is_honoured_after_the_delay(emu, control, ram, kms):
    control.create_role('FreshPolicy')
    instance_id = control.seed_instances(count=1, ram_role_name='FreshPolicy')[0]
    control.set_propagation_delay(DELAY)
    status, body = imds(emu, instance_id, CREDS + 'FreshPolicy', headers=_token(emu, instance_id))
    creds = json.loads(body)
    session = client_for(KmsClient, emu, access_key_id=creds['AccessKeyId'], access_key_secret=creds['AccessKeySecret'],
                         security_token=creds['SecurityToken'])
    api_error('Forbidden.NoPermission', 403, session.list_keys, kms_models.ListKeysRequest())
    ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(policy_type='System', policy_name='AliyunKMSFullAccess',
                                                                   role_name='FreshPolicy'))
    api_error('Forbidden.NoPermission', 403, session.list_keys, kms_models.ListKeysRequest())
    # the iso attach date has whole seconds: the delay is honoured within one second
    time.sleep(DELAY + 1.1)
    assert session.list_keys(kms_models.ListKeysRequest()).status_code == 200
    assert control.settings()['propagation_delay'] == DELAY


def test_no_delay_by_default(emu, control):
    assert control.settings()['propagation_delay'] == 0
    control.create_role('NoDelay', policies=['AliyunKMSFullAccess'])
    instance_id = control.seed_instances(count=1)[0]
    client_for(EcsClient, emu).attach_instance_ram_role(ecs_models.AttachInstanceRamRoleRequest(
        region_id='cn-hangzhou', ram_role_name='NoDelay', instance_ids=json.dumps([instance_id])))
    assert _role_served(emu, instance_id) == 'NoDelay'
