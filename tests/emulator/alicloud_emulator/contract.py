# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract of the emulator and the unit-test fakes: the errors both answer, and which actions are writes.

The emulator's handlers raise these errors (``ApiError(*ROLE_NOT_FOUND)``); the fakes of the collection's unit
tests (``tests/unit/plugins/test_support/``) import them and raise them as ``AlicloudApiError``. A fake never
invents a code: it imports it from here. ``tests/emulator/tests/test_parity.py`` plays one scenario table through
the fakes and through the emulator and compares code, HTTP status, message and the body fields the collection reads.

Each error names the reference section it follows (``alibaba-api.md``; section 0b overrides older ones).
"assumption" marks a code no public source gives (listed in tests/emulator/README.md, Fidelity assumptions).
Parameter-validation codes (``InvalidParameter.<Name>.Length`` ...) stay beside their checks in the handlers:
no fake raises them. The collection itself never imports this module (it is a test tool); the parity test checks
that the collection's own write classification (``_client.is_write``) agrees with :func:`is_write`.

Standard library only: the fakes import it under ``ansible-test units``.
"""
from __future__ import annotations

from typing import NamedTuple


class Error(NamedTuple):
    """One API error: ``Code``, ``Message`` and HTTP status of the answer (``ApiError(*error)`` raises it)."""

    code: str
    message: str
    status: int

    def but(self, **changes) -> Error:
        """The same error with another message or status (``NOT_ECS_ROLE.but(status=401)``)."""
        return self._replace(**changes)


# ------------------------------------------------------------------------------------ RAM (reference 1.4)
ROLE_NOT_FOUND = Error('EntityNotExist.Role', 'The role does not exist.', 404)
ROLE_EXISTS = Error('EntityAlreadyExists.Role', 'The role does already EXIST.', 409)
ROLE_LIMIT = Error('LimitExceeded.Role', 'The count of roles beyond the current limits.', 409)
ROLE_HAS_POLICIES = Error('DeleteConflict.Role.Policy', 'The role CAN NOT has any attached policy while deleting the role.', 409)  # 1.4, 0b.7
POLICY_NOT_FOUND = Error('EntityNotExist.Policy', 'The policy does not exist.', 404)
POLICY_EXISTS = Error('EntityAlreadyExists.Policy', 'The policy already exists.', 409)
POLICY_LIMIT = Error('LimitExceeded.Policy', 'The count of policies beyond the current limits.', 409)
POLICY_TYPE_INVALID = Error('InvalidParameter.PolicyType', 'The parameter - "PolicyType" is incorrect.', 400)
VERSION_LIMIT = Error('LimitExceeded.Policy.Version', 'The count of policy version beyond the current limits.', 409)  # 1.3: 5
VERSION_NOT_FOUND = Error('EntityNotExist.Policy.Version', 'The policy version does not exist.', 404)
VERSION_ID_INVALID = Error('InvalidParameter.VersionId.Format', 'The parameter - "VersionId" is not in a valid format.', 400)
DEFAULT_VERSION_DELETE = Error('DeleteConflict.Policy.Version.Default',
                               'The default policy version CAN NOT been deleted directly.', 409)
POLICY_HAS_VERSIONS = Error('DeleteConflict.Policy.Version',
                            'The policy CAN NOT has any version except the default version.', 409)
POLICY_ATTACHED_TO_USER = Error('DeleteConflict.Policy.User', 'The policy CAN NOT be deleted while it is attached to any user.', 409)
# assumption: the documented DeletePolicy codes name users, groups and versions only (1.4, 0b.7)
POLICY_ATTACHED_TO_ROLE = Error('DeleteConflict.Policy.Role', 'The policy CAN NOT be deleted while it is attached to a role.', 409)
# attachments (1.4: EntityAlreadyExists.Role.Policy 409 and EntityNotExist.Role.Policy 404 by analogy with users)
ROLE_POLICY_ATTACHED = Error('EntityAlreadyExists.Role.Policy', 'The policy has already been attached to the role.', 409)
ROLE_POLICY_NOT_ATTACHED = Error('EntityNotExist.Role.Policy', 'The policy is not attached to the role.', 404)
ROLE_POLICY_LIMIT = Error('LimitExceeded.Role.Policy', 'The count of policies attached to the role beyond the current limits.', 409)
# users and their access keys
USER_NOT_FOUND = Error('EntityNotExist.User', 'The user does not exist.', 404)
USER_EXISTS = Error('EntityAlreadyExists.User', 'The user does already EXIST.', 409)
USER_LIMIT = Error('LimitExceeded.User', 'The count of users beyond the current limits.', 409)
USER_POLICY_ATTACHED = Error('EntityAlreadyExists.User.Policy', 'The policy has already been attached to the user.', 409)
USER_POLICY_NOT_ATTACHED = Error('EntityNotExist.User.Policy', 'The policy is not attached to the user.', 404)
USER_POLICY_LIMIT = Error('LimitExceeded.User.Policy', 'The count of policies attached to the user beyond the current limits.', 409)
USER_HAS_KEYS = Error('DeleteConflict.User.AccessKey', 'The user CAN NOT has any access key while deleting the user.', 409)
USER_HAS_POLICIES = Error('DeleteConflict.User.Policy', 'The user CAN NOT has any attached policy while deleting the user.', 409)
ACCESS_KEY_NOT_FOUND = Error('EntityNotExist.User.AccessKey', 'The AccessKey does not exist.', 404)
ACCESS_KEY_LIMIT = Error('LimitExceeded.User.AccessKey', 'The count of AccessKeys of the user beyond the current limits.', 409)
# AttachPolicyTo<Kind> / DetachPolicyFrom<Kind> by kind
ATTACHED = {'Role': ROLE_POLICY_ATTACHED, 'User': USER_POLICY_ATTACHED}
NOT_ATTACHED = {'Role': ROLE_POLICY_NOT_ATTACHED, 'User': USER_POLICY_NOT_ATTACHED}
ATTACH_LIMIT = {'Role': ROLE_POLICY_LIMIT, 'User': USER_POLICY_LIMIT}
RAM_DENIED = Error('NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.', 403)

# ------------------------------------------------------------------------------------ ECS (reference 2.3, 0b.2-0b.5)
INSTANCE_NOT_FOUND = Error('InvalidInstanceId.NotFound', 'The specified instanceId does not exist', 404)  # 2.3, 0b.5
INSTANCES_NOT_FOUND = Error('InvalidInstanceIds.NotFound', 'The specified InstanceIds does not exist.', 404)  # 0b.2
INSTANCE_IDS_MALFORMED = Error('InvalidInstanceIds.Malformed', 'The specified instanceIds are not valid.', 400)  # 2.3
CLASSIC_NETWORK = Error('InvalidNetworkType.MismatchRamRole',
                        'Ram role cannot be applied to instances of Classic network type.', 403)  # 2.3, 0b.5
RAM_ROLE_NOT_FOUND = Error('InvalidRamRole.NotFound', 'The specified RAMRoleName does not exist.', 404)  # 2.3, 0b.4
NOT_ECS_ROLE = Error('InvalidRamRole.NotEcsRole',
                     'The specified ram role is not authorized for ecs, please check your role policy.', 404)  # 401 from RunInstances
PASS_ROLE_FORBIDDEN = Error('InvalidUser.PassRoleForbidden', 'The RAM user does not have the privilege to pass a RAM role.', 403)  # 0b.6
ALL_EMPTY = Error('InvalidParameter.AllEmpty', 'At least one of InstanceIds and RamRoleName must be specified.', 403)  # 2.3
INITIALIZING = Error('IncorrectInstanceStatus.Initializing', 'The specified instance is in initializing status.', 403)  # 0b.2
INCORRECT_STATUS = Error('IncorrectInstanceStatus', 'The current status of the resource does not support this operation.', 403)
LAST_TOKEN_PROCESSING = Error('LastTokenProcessing', 'The last token request is processing.', 400)  # 0b.3 (status assumed)
ECS_DENIED = Error('Forbidden.RAM', "User not authorized to operate on the specified resource, or this API doesn't support RAM.", 403)
# per-instance rows of Attach/DetachInstanceRamRole (an HTTP 200 answer; `status` is that of the same failure as a
# whole-call error, unused in a row). All three are assumptions: no source gives a code (2.3).
ROLE_ALREADY_ATTACHED = Error('InvalidInstance.RamRoleAlreadyAttached',
                              'The instance already has a RAM role attached; detach it before attaching another one.', 403)
ROLE_NOT_ATTACHED = Error('InvalidInstance.RamRoleNotAttached', 'The instance has no RAM role attached.', 403)
ROLE_MISMATCH = Error('InvalidInstance.RamRoleMismatch', 'The RAM role attached to the instance is not the specified RamRoleName.', 403)
ROW_OK_CODE = '200'  # a successful row (2.2): Code "200", Message "success" (Attach) / "Success" (Detach)
ATTACH_OK_MESSAGE = 'success'
DETACH_OK_MESSAGE = 'Success'
DESCRIBE_RAM_ROLE_MAX_IDS = 50  # 0b.4 (the other plausible answer, 100, is an emulator setting)

# ------------------------------------------------------------------------------------ KMS (reference 6.2)
KEY_NOT_FOUND = Error('Forbidden.KeyNotFound', 'The specified Key is not found.', 404)
ALIAS_NOT_FOUND = Error('Forbidden.AliasNotFound', 'The specified Alias is not found.', 404)
KEY_DISABLED = Error('Rejected.Disabled', 'The key is not enabled.', 409)
SECRET_NOT_FOUND = Error('Forbidden.ResourceNotFound', 'Resource not found.', 404)  # assumption for GetSecretValue (6.2)
SECRET_VERSION_NOT_FOUND = Error('Forbidden.ResourceNotFound', 'The specified secret version is not found.', 404)
RESOURCE_EXISTS = Error('Rejected.ResourceExist', 'The resource already exists.', 409)
ALIAS_EXISTS = Error('Rejected.AlreadyExists', 'The alias already exists.', 409)
KMS_DENIED = Error('Forbidden.NoPermission', 'This operation is forbidden by permission system.', 403)

# ------------------------------------------------------------------------------------ STS (reference 3.7, 0b.8)
ROOT_CANNOT_ASSUME = Error('NoPermission', 'Roles may not be assumed by root accounts.', 403)
STS_ROLE_NOT_FOUND = Error('EntityNotExist.Role', 'The specified Role not exists .', 404)
STS_DENIED = RAM_DENIED

# ------------------------------------------------------------------------------------ the metadata service (reference 0b.9, 5)
# (HTTP status, text body): no codes, the SDK and the collection read the status only
IMDS_FORWARDED = (403, 'A token request must not carry X-Forwarded-For.')
IMDS_TOKEN_REQUIRED = (403, 'This instance requires a metadata token (security hardening mode).')
IMDS_BAD_TOKEN = (401, 'The metadata token is invalid or expired.')
IMDS_NO_ROLE = (404, 'No RAM role is attached to this instance.')  # assumption: 404 for "no role", as for a missing item
IMDS_NOT_FOUND = (404, 'Not found.')

# ------------------------------------------------------------------------------------ throttling and server errors
# (reference 0b.1, 3.8): code -> message; statuses are the fault's (KMS 429, others the `throttle_status` setting)
KMS_THROTTLING = 'Rejected.Throttling'
TRANSIENT_MESSAGES = {
    'Throttling': 'Request was denied due to request throttling.',
    'Throttling.User': 'Request was denied due to user flow control.',
    'Throttling.Api': 'Request was denied due to api flow control.',
    'Throttling.Resource': 'Request was denied due to resource flow control.',
    KMS_THROTTLING: 'QPS Limit Exceeded',
    'InternalError': 'The request processing has failed due to some unknown error, exception or failure.',
    'ServiceUnavailable': 'The request has failed due to a temporary failure of the server.',
}

# ------------------------------------------------------------------------------------ writes
WRITE_PREFIXES = ('Create', 'Update', 'Delete', 'Attach', 'Detach', 'Set', 'Modify', 'Run')


def is_write(action: str) -> bool:
    """Create*, Update*, Delete*, Attach*, Detach*, Set*, Modify*, Run* change state; nothing else does.

    Reads are Describe*, List*, Get*, the cryptographic KMS calls (Encrypt, Decrypt, GenerateDataKey), STS
    AssumeRole (it issues credentials and changes nothing) and the metadata service. A write is a write whether
    it succeeds or fails: the emulator's call log and the fakes' ``writes()`` list every attempt.
    """
    return action.startswith(WRITE_PREFIXES)
