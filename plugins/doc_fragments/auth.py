# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

# Credentials, region, endpoints and timeouts shared by every module and every plugin of the collection, written once:
# `alicloud.instance_ram.auth` holds every option; lookups and inventories also extend `alicloud.instance_ram.auth.plugins`,
# which adds only the `env:` entries Ansible reads for a plugin (Ansible merges a fragment's option into the option of
# the same name). tests/unit/plugins/plugin_utils/test_base.py keeps the options equal to the argument spec
# (_credentials.auth_argument_spec) and the env entries to the environment names of _credentials.ENV.


class ModuleDocFragment:
    # every option, for modules (their argument spec, auth_argument_spec, reads the environment itself) and plugins
    DOCUMENTATION = r"""
options:
  access_key_id:
    description:
      - AccessKey ID of a RAM user (or of a temporary STS credential, together with O(security_token)).
      - When neither this option nor O(profile) nor O(ecs_role_name) is set, the environment variable
        E(ALIBABA_CLOUD_ACCESS_KEY_ID) is used, then the older E(ALICLOUD_ACCESS_KEY).
      - "Credential precedence, first match wins: this option (with O(access_key_secret)); O(profile);
        O(ecs_role_name); the environment keys; E(ALIBABA_CLOUD_PROFILE) or E(ALICLOUD_PROFILE);
        E(ALIBABA_CLOUD_ECS_METADATA) or E(ALICLOUD_ECS_ROLE_NAME); finally the default chain of
        alibabacloud-credentials: the Alibaba Cloud CLI's current profile, the credentials INI file,
        then the RAM role of the ECS instance the module runs on. So a controller on ECS with a role needs no key at all."
      - O(assume_role_arn) is applied on top of whichever source was chosen.
    type: str
    aliases: [alicloud_access_key, access_key]
  access_key_secret:
    description:
      - AccessKey secret matching O(access_key_id). Never logged.
      - Falls back to E(ALIBABA_CLOUD_ACCESS_KEY_SECRET), then E(ALICLOUD_SECRET_KEY), E(ALICLOUD_SECRET_ACCESS_KEY)
        and E(ALICLOUD_ACCESS_KEY_SECRET), as O(access_key_id) does.
    type: str
    aliases: [alicloud_secret_key, secret_key, secret_access_key]
  security_token:
    description:
      - Security token of a temporary STS credential. Never logged.
      - Falls back to E(ALIBABA_CLOUD_SECURITY_TOKEN), then E(ALICLOUD_SECURITY_TOKEN), together with the environment keys.
    type: str
    aliases: [alicloud_security_token]
  profile:
    description:
      - Name of a profile in the Alibaba Cloud CLI configuration (C(~/.aliyun/config.json), or O(profile_file)),
        else in the credentials INI file (C(~/.alibabacloud/credentials.ini)).
      - All CLI modes are supported (C(AK), C(StsToken), C(RamRoleArn), C(EcsRamRole), C(ChainableRamRoleArn), ...).
      - Falls back to E(ALIBABA_CLOUD_PROFILE), then E(ALICLOUD_PROFILE), after the environment keys.
    type: str
    aliases: [alicloud_profile]
  profile_file:
    description:
      - Path of the Alibaba Cloud CLI configuration file holding O(profile).
      - Falls back to E(ALIBABA_CLOUD_CONFIG_FILE), then E(ALICLOUD_SHARED_CREDENTIALS_FILE); default C(~/.aliyun/config.json).
    type: path
    aliases: [shared_credentials_file]
  ecs_role_name:
    description:
      - For a controller that itself runs on an ECS instance. The temporary credentials of this RAM role
        are read from the instance metadata service, in hardened mode (a metadata token is always used).
      - Falls back to E(ALIBABA_CLOUD_ECS_METADATA), then E(ALICLOUD_ECS_ROLE_NAME), after the environment keys and profile.
    type: str
    aliases: [alicloud_ecs_role_name]
  assume_role_arn:
    description:
      - ARN of a RAM role to assume with STS AssumeRole, using the credentials chosen above,
        for example C(acs:ram::123456789012****:role/ansible-deployer).
      - Falls back to E(ALIBABA_CLOUD_ROLE_ARN), then E(ALICLOUD_ASSUME_ROLE_ARN).
    type: str
    aliases: [alicloud_assume_role_arn]
  assume_role_session_name:
    description:
      - Session name of the assumed role, visible in ActionTrail. Default C(ansible-alicloud-instance-ram).
      - Falls back to E(ALIBABA_CLOUD_ROLE_SESSION_NAME), then E(ALICLOUD_ASSUME_ROLE_SESSION_NAME).
    type: str
    aliases: [alicloud_assume_role_session_name]
  assume_role_duration:
    description:
      - Lifetime in seconds of the assumed role's credentials, 900 to 43200 (and at most the role's maximum session duration). Default 3600.
      - Falls back to E(ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION), then E(ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION).
    type: int
    aliases: [alicloud_assume_role_session_expiration, assume_role_session_expiration]
  region_id:
    description:
      - Region of the ECS and KMS resources, for example C(cn-hangzhou). RAM is global and does not need it.
      - Falls back to E(ALIBABA_CLOUD_REGION_ID), then E(ALICLOUD_REGION_ID) and E(ALICLOUD_REGION).
    type: str
    aliases: [alicloud_region, region]
  ram_endpoint:
    description:
      - RAM endpoint, as C(host[:port]) or C(https://host[:port]); default C(ram.aliyuncs.com).
      - C(http://) is accepted for a loopback address only (a local emulator or relay), because the security token travels in a header.
        A user name or password in an endpoint is refused (the APIs sign each request and take no basic authentication).
      - Falls back to E(ALIBABA_CLOUD_RAM_ENDPOINT).
    type: str
  ecs_endpoint:
    description:
      - ECS endpoint, same forms as O(ram_endpoint); default the regional endpoint of O(region_id).
      - Falls back to E(ALIBABA_CLOUD_ECS_ENDPOINT).
    type: str
  sts_endpoint:
    description:
      - STS endpoint used by O(assume_role_arn), same forms as O(ram_endpoint); default the regional endpoint.
      - Falls back to E(ALIBABA_CLOUD_STS_ENDPOINT).
    type: str
  kms_endpoint:
    description:
      - KMS endpoint, same forms as O(ram_endpoint); default C(kms.<region_id>.aliyuncs.com).
        Inside a VPC without internet access use C(kms-vpc.<region_id>.aliyuncs.com).
      - Falls back to E(ALIBABA_CLOUD_KMS_ENDPOINT).
    type: str
  metadata_proxy:
    description:
      - HTTP proxy through which the instance metadata service (C(100.100.100.200)) is reached.
        Leave unset on ECS. Useful when metadata is relayed, and to point the collection at a local emulator.
      - Unset, metadata requests go straight to C(100.100.100.200), never through E(HTTP_PROXY) (API calls honour
        E(HTTP_PROXY), E(HTTPS_PROXY) and E(NO_PROXY)). A password in it (C(http://user:password@host:port)) is never shown.
      - Falls back to E(ALIBABA_CLOUD_METADATA_PROXY).
    type: str
  connect_timeout:
    description:
      - Seconds to wait for a connection to an API endpoint (metadata requests use at most 5).
    type: float
    default: 5.0
  read_timeout:
    description:
      - Seconds to wait for an API response (metadata requests use at most 5).
    type: float
    default: 10.0

notes:
  - Calls are retried with jittered exponential backoff on throttling, service-unavailable, HTTP 5xx and
    transport errors, honouring the service's C(x-acs-retry-after) hint, within a bounded total wait.

requirements:
  - python >= 3.11
  - alibabacloud-credentials >= 1.0.12
  - alibabacloud-tea-openapi >= 0.4.6
"""

    # lookups and inventories extend both fragments: `auth` for the options, this one for the environment variables
    # Ansible reads for a plugin (merged into the same options; plugin_utils/_base.py reads them)
    PLUGINS = r"""
options:
  access_key_id:
    env:
      - name: ALICLOUD_ACCESS_KEY_ID
      - name: ALICLOUD_ACCESS_KEY
      - name: ALIBABA_CLOUD_ACCESS_KEY_ID
  access_key_secret:
    env:
      - name: ALICLOUD_ACCESS_KEY_SECRET
      - name: ALICLOUD_SECRET_ACCESS_KEY
      - name: ALICLOUD_SECRET_KEY
      - name: ALIBABA_CLOUD_ACCESS_KEY_SECRET
  security_token:
    env:
      - name: ALICLOUD_SECURITY_TOKEN
      - name: ALIBABA_CLOUD_SECURITY_TOKEN
  profile:
    env:
      - name: ALICLOUD_PROFILE
      - name: ALIBABA_CLOUD_PROFILE
  profile_file:
    env:
      - name: ALICLOUD_SHARED_CREDENTIALS_FILE
      - name: ALIBABA_CLOUD_CONFIG_FILE
  ecs_role_name:
    env:
      - name: ALICLOUD_ECS_ROLE_NAME
      - name: ALIBABA_CLOUD_ECS_METADATA
  assume_role_arn:
    env:
      - name: ALICLOUD_ASSUME_ROLE_ARN
      - name: ALIBABA_CLOUD_ROLE_ARN
  assume_role_session_name:
    env:
      - name: ALICLOUD_ASSUME_ROLE_SESSION_NAME
      - name: ALIBABA_CLOUD_ROLE_SESSION_NAME
  assume_role_duration:
    env:
      - name: ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION
      - name: ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION
  region_id:
    env:
      - name: ALICLOUD_REGION
      - name: ALICLOUD_REGION_ID
      - name: ALIBABA_CLOUD_REGION_ID
  ram_endpoint:
    env:
      - name: ALIBABA_CLOUD_RAM_ENDPOINT
  ecs_endpoint:
    env:
      - name: ALIBABA_CLOUD_ECS_ENDPOINT
  sts_endpoint:
    env:
      - name: ALIBABA_CLOUD_STS_ENDPOINT
  kms_endpoint:
    env:
      - name: ALIBABA_CLOUD_KMS_ENDPOINT
  metadata_proxy:
    env:
      - name: ALIBABA_CLOUD_METADATA_PROXY

notes:
  - Every option can also be set by the environment variables listed with it. For the credential options
    (O(access_key_id), O(access_key_secret), O(security_token), O(profile), O(ecs_role_name)) a variable counts
    only when no credential option is set at all, so the precedence is exactly that of the modules.
"""
