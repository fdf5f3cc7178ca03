# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.alicloud.instance_ram.plugins.module_utils._errors import AlicloudApiError, AlicloudParameterError
from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy


class FakeSdkError(Exception):
    """Shaped like tea-openapi's ClientException / ServerException / ThrottlingException."""

    __module__ = 'alibabacloud_tea_openapi.exceptions._client'

    def __init__(self, code, status=400, retry_after=None):
        super().__init__(f'code: {status}, {code} happened request id: REQ-1')
        self.code = code
        self.status_code = status
        self.request_id = 'REQ-1'
        self.retry_after = retry_after
        self.data = {'Code': code, 'Message': f'{code} happened', 'RequestId': 'REQ-1', 'statusCode': status}


class Flaky:
    """Fails with the given exceptions in turn, then returns 'ok'."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return 'ok'


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def policy(sleeps):
    return RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=8.0, max_total_wait=30.0, sleep=sleeps.append, rand=lambda: 1.0)


@pytest.mark.parametrize('code, status', [
    ('Throttling', 400), ('Throttling.User', 400), ('Throttling.Api', 400), ('ServiceUnavailable', 503),
    ('InternalError', 500), ('SomethingNew', 502),
])
def test_retryable_errors_are_retried(policy, sleeps, code, status):
    func = Flaky(FakeSdkError(code, status), FakeSdkError(code, status))
    assert policy.run(func, product='ram', action='GetRole') == 'ok'
    assert func.calls == 3
    assert sleeps == [1.0, 2.0]  # exponential: base * 2**(attempt-1), full jitter with rand()=1


def test_transport_errors_are_retried(policy, sleeps):
    func = Flaky(ConnectionRefusedError('refused'), TimeoutError('timed out'))
    assert policy.run(func) == 'ok'
    assert func.calls == 3 and len(sleeps) == 2


@pytest.mark.parametrize('code', ['EntityNotExist.Role', 'InvalidParameter', 'Forbidden.RAM', 'SignatureDoesNotMatch'])
def test_non_retryable_errors_fail_at_once(policy, sleeps, code):
    func = Flaky(FakeSdkError(code, 404))
    with pytest.raises(AlicloudApiError) as exc:
        policy.run(func, product='ram', action='GetRole')
    assert func.calls == 1 and sleeps == []
    assert exc.value.code == code and exc.value.request_id == 'REQ-1' and exc.value.status == 404
    assert exc.value.message == f'{code} happened'
    assert exc.value.attempts == 1


def test_attempts_are_bounded(policy, sleeps):
    func = Flaky(*[FakeSdkError('Throttling') for dummy in range(10)])
    with pytest.raises(AlicloudApiError) as exc:
        policy.run(func)
    assert func.calls == 5 and len(sleeps) == 4
    assert exc.value.attempts == 5 and 'after 5 attempts' in str(exc.value)


def test_total_wait_is_bounded(sleeps):
    policy = RetryPolicy(max_attempts=100, base_delay=4.0, max_delay=8.0, max_total_wait=10.0, sleep=sleeps.append, rand=lambda: 1.0)
    func = Flaky(*[FakeSdkError('Throttling') for dummy in range(100)])
    with pytest.raises(AlicloudApiError):
        policy.run(func)
    assert sum(sleeps) <= 10.0
    assert sleeps == [4.0, 6.0]  # 4, then the remaining budget


def test_retry_after_is_honoured(policy, sleeps):
    # tea-openapi reports x-acs-retry-after in milliseconds
    func = Flaky(FakeSdkError('Throttling.User', 400, retry_after=3000))
    assert policy.run(func) == 'ok'
    assert sleeps == [pytest.approx(3.0 + 1.0)]  # the hint plus at most base_delay of jitter


def test_retry_after_is_capped_by_max_delay(policy, sleeps):
    func = Flaky(FakeSdkError('Throttling', 400, retry_after=600000))
    assert policy.run(func) == 'ok'
    assert sleeps == [8.0]


def test_jitter_spreads_delays(sleeps):
    values = iter([0.25, 0.5])
    policy = RetryPolicy(base_delay=1.0, sleep=sleeps.append, rand=lambda: next(values))
    func = Flaky(FakeSdkError('Throttling'), FakeSdkError('Throttling'))
    policy.run(func)
    assert sleeps == [0.25, 1.0]


def test_extra_codes_for_eventual_consistency(policy, sleeps):
    func = Flaky(FakeSdkError('InvalidRamRole.NotFound', 404), FakeSdkError('InvalidRamRole.NotFound', 404))
    assert policy.run(func, extra_codes=('InvalidRamRole.NotFound',), extra_timeout=20) == 'ok'
    assert func.calls == 3


def test_extra_codes_are_bounded_by_their_own_timeout(sleeps):
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, max_total_wait=300.0, sleep=sleeps.append, rand=lambda: 1.0)
    func = Flaky(*[FakeSdkError('InvalidRamRole.NotFound', 404) for dummy in range(100)])
    with pytest.raises(AlicloudApiError) as exc:
        policy.run(func, extra_codes=('InvalidRamRole.NotFound',), extra_timeout=12)
    assert exc.value.code == 'InvalidRamRole.NotFound'
    assert sum(sleeps) == pytest.approx(12)


def test_extra_codes_never_busy_loop(sleeps):
    policy = RetryPolicy(base_delay=0.5, sleep=sleeps.append, rand=lambda: 0.0)
    func = Flaky(*[FakeSdkError('EntityNotExist.Role', 404) for dummy in range(3)])
    policy.run(func, extra_codes=('EntityNotExist.Role',), extra_timeout=5)
    assert sleeps == [0.5, 0.5, 0.5]


def test_extra_code_prefix_matching(policy):
    func = Flaky(FakeSdkError('EntityNotExist.Role', 404))
    assert policy.run(func, extra_codes=('EntityNotExist',), extra_timeout=5) == 'ok'


def test_programming_errors_are_not_retried_or_disguised(policy, sleeps):
    func = Flaky(KeyError('RoleName'))
    with pytest.raises(KeyError):
        policy.run(func)
    assert func.calls == 1 and sleeps == []


@pytest.mark.parametrize('error', [TimeoutError('timed out'), ConnectionResetError('connection dropped')])
def test_a_write_not_safe_to_repeat_is_not_retried_after_a_transport_failure(policy, sleeps, error):
    # the request may have been carried out: sending it again could do the write twice
    func = Flaky(error)
    with pytest.raises(AlicloudApiError) as exc:
        policy.run(func, product='ram', action='CreatePolicyVersion', idempotent=False)
    assert func.calls == 1 and sleeps == []
    assert exc.value.is_transport and 'not sent again' in str(exc.value) and 'CreatePolicyVersion' in str(exc.value)


def test_a_write_not_safe_to_repeat_is_still_retried_when_refused_by_the_service(policy, sleeps):
    # throttling and 5xx answers mean the service did not carry the request out
    func = Flaky(FakeSdkError('Throttling'), FakeSdkError('ServiceUnavailable', 503))
    assert policy.run(func, idempotent=False) == 'ok'
    assert func.calls == 3


class FakeUnretryable(Exception):
    """Shaped like darabonba's UnretryableException: what the SDK raises when getting the credentials failed."""

    __module__ = 'darabonba.exceptions'

    def __init__(self, inner):
        super().__init__(str(inner))
        self.inner_exception = inner


def test_an_invalid_option_met_while_signing_is_the_users_error_not_a_transport_failure(policy, sleeps):
    # credentials are built on the first call: a half key pair surfaces inside the SDK call
    func = Flaky(FakeUnretryable(AlicloudParameterError('access_key_id', 'access_key_id and access_key_secret must be given together')))
    with pytest.raises(AlicloudParameterError) as exc:
        policy.run(func, product='ram', action='GetRole')
    assert func.calls == 1 and sleeps == [] and exc.value.option == 'access_key_id'


# ---------------------------------------------------------------- HTTP 429 and KMS throttling (reference section 0b.1)

def tea_exception(kind, code, status, retry_after=None):
    """A real tea-openapi exception, as the SDK raises it for an error answer (ThrottlingException when x-acs-retry-after is set)."""
    from alibabacloud_tea_openapi.exceptions import ClientException, ThrottlingException
    data = {'Code': code, 'Message': 'QPS Limit Exceeded', 'RequestId': 'REQ-429', 'statusCode': status}
    options = {'status_code': status, 'code': code, 'message': f'code: {status}, QPS Limit Exceeded request id: REQ-429',
               'request_id': 'REQ-429', 'data': data}
    if kind == 'throttling':
        return ThrottlingException(retry_after=retry_after, **options)
    return ClientException(**options)


@pytest.mark.parametrize('code', ['Rejected.Throttling', 'Throttling.Resource', 'QpsLimitExceeded', 'TooManyRequests'])
def test_any_http_429_is_throttling_on_every_product(policy, sleeps, code):
    # KMS answers Rejected.Throttling with HTTP 429; newer gateways send any throttling code as 429
    func = Flaky(tea_exception('client', code, 429), tea_exception('client', code, 429))
    assert policy.run(func, product='kms', action='GetSecretValue') == 'ok'
    assert func.calls == 3 and sleeps == [1.0, 2.0]


def test_kms_rejected_throttling_is_retried_even_with_a_400(policy, sleeps):
    func = Flaky(FakeSdkError('Rejected.Throttling', 400))
    assert policy.run(func, product='kms', action='Decrypt') == 'ok'
    assert func.calls == 2


def test_kms_rejected_throttling_honours_x_acs_retry_after(policy, sleeps):
    # the SDK raises ThrottlingException with retry_after in milliseconds when the answer carries x-acs-retry-after
    func = Flaky(tea_exception('throttling', 'Rejected.Throttling', 429, retry_after=5000))
    assert policy.run(func, product='kms', action='GetSecretValue') == 'ok'
    assert func.calls == 2 and sleeps == [pytest.approx(5.0 + 1.0)]


def test_http_429_on_a_write_not_safe_to_repeat_is_retried(policy, sleeps):
    # a throttled request was refused, not carried out: sending it again cannot do it twice
    func = Flaky(tea_exception('client', 'Rejected.Throttling', 429))
    assert policy.run(func, product='ram', action='CreatePolicyVersion', idempotent=False) == 'ok'
    assert func.calls == 2


def test_kms_throttling_that_never_ends_is_bounded(policy, sleeps):
    func = Flaky(*[tea_exception('client', 'Rejected.Throttling', 429) for dummy in range(20)])
    with pytest.raises(AlicloudApiError) as exc:
        policy.run(func, product='kms', action='GetSecretValue')
    assert func.calls == 5 and exc.value.code == 'Rejected.Throttling' and exc.value.status == 429
    assert 'after 5 attempts' in str(exc.value)


@pytest.mark.parametrize('status', [400, 403, 404, 409])
def test_other_4xx_with_an_unknown_code_are_not_retried(policy, sleeps, status):
    func = Flaky(tea_exception('client', 'TooManyRequests', status))
    with pytest.raises(AlicloudApiError):
        policy.run(func)
    assert func.calls == 1 and sleeps == []
