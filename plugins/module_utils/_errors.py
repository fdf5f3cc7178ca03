# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""One error type for everything that goes wrong talking to Alibaba Cloud.

Every SDK, credential or transport exception is turned into an AlicloudApiError that carries the API
error code, the service's message, the request id and the HTTP status, so that modules can fail with
all of it and nothing else (in particular never with a credential).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

# Codes given to failures that never reached the service (the SDK reports them with code None).
TRANSPORT_TIMEOUT = 'Transport.Timeout'
TRANSPORT_CONNECTION = 'Transport.ConnectionFailed'
TRANSPORT_UNREADABLE = 'Transport.UnreadableAnswer'
CREDENTIALS_ERROR = 'InvalidCredentials'
MASK = '********'

_UNREADABLE = re.compile(r'Failed to parse the value as json format|Expecting value|Unterminated string|Expecting .* delimiter')
# the credentials library's text for an AssumeRole answered with an error: `..., http_code: 500, result: {"Code": ...}`
_STS_FAILURE = re.compile(r'http_code: (?P<status>\d+), result: (?P<body>.*)$', re.S)
_SDK_MESSAGE = re.compile(r'^code: \d+, (?P<msg>.*?)(?: request id: \S+)?$', re.S)
_TIMEOUT_HINTS = ('timed out', 'timeout', 'Timeout')


class AlicloudError(Exception):
    """Base class of every error raised by the collection's module_utils."""


class AlicloudApiError(AlicloudError):
    """A failed Alibaba Cloud API call (or a failure to reach the API at all)."""

    def __init__(self, code, message, *, request_id=None, status=None, product=None, action=None,
                 retry_after=None, attempts=1):
        self.code = code or 'Unknown'
        # every text of an SDK may quote a request: never keep its query string, userinfo or credential fields
        self.message = scrub(message or '')
        self.request_id = request_id
        self.status = status
        self.product = product
        self.action = action
        self.retry_after = retry_after
        self.attempts = attempts
        super().__init__(str(self))

    def __str__(self):
        where = ' '.join(p for p in (self.product.upper() if self.product else None, self.action) if p)
        text = f'{where}: {self.code}: {self.message}' if where else f'{self.code}: {self.message}'
        extra = []
        if self.status:
            extra.append(f'HTTP {self.status}')
        if self.request_id:
            extra.append(f'request id {self.request_id}')
        if self.attempts > 1:
            extra.append(f'after {self.attempts} attempts')
        return f"{text} ({', '.join(extra)})" if extra else text

    def matches(self, *codes):
        """True when the code equals one of `codes` or is a dotted child of one (`EntityNotExist` matches `EntityNotExist.Role`)."""
        return any(self.code == c or self.code.startswith(c + '.') for c in codes)

    @property
    def is_transport(self):
        """No complete answer: the request may or may not have been carried out."""
        return self.code in (TRANSPORT_TIMEOUT, TRANSPORT_CONNECTION, TRANSPORT_UNREADABLE)

    def to_dict(self):
        """The error as returned to the user (snake_case keys, no credentials)."""
        return {
            'code': self.code,
            'message': self.message,
            'request_id': self.request_id,
            'http_status': self.status,
            'product': self.product,
            'action': self.action,
            'attempts': self.attempts,
        }


class AlicloudParameterError(AlicloudError):
    """A user input that was rejected before any API call; names the option and the rule."""

    def __init__(self, option, rule, value=None):
        self.option = option
        self.rule = rule
        self.value = value
        # values are quoted (a trailing space shows), URLs without their password
        shown = f' (got {scrub(repr(value))})' if value is not None else ''
        super().__init__(f'{option}: {rule}{shown}')


def _sdk_message(exc, data):
    if isinstance(data, dict):
        for key in ('Message', 'message'):
            if data.get(key):
                return str(data[key])
    text = str(getattr(exc, 'message', None) or exc)
    match = _SDK_MESSAGE.match(text)
    return match.group('msg') if match else text


_API_MODULE_PREFIXES = ('alibabacloud_', 'darabonba', 'Tea', 'aiohttp', 'requests', 'urllib3')


def is_api_exception(exc):
    """True for exceptions raised by the SDKs, the credentials library or the HTTP stack.

    Anything else (a KeyError in our own code, say) is a bug and must surface as such, never be
    retried or dressed up as an API error.
    """
    if isinstance(exc, (AlicloudApiError, OSError)):
        return True
    return any(cls.__module__.startswith(_API_MODULE_PREFIXES) for cls in type(exc).__mro__)


def wrapped_own_error(exc):
    """Our own AlicloudError raised inside an SDK call (while the SDK asked for the call's credentials) and wrapped
    by the SDK in its own exception, or None."""
    inner = getattr(exc, 'inner_exception', None)
    return inner if isinstance(inner, AlicloudError) else None


def from_exception(exc, *, product=None, action=None):
    """Translate any exception raised by an SDK call into an AlicloudApiError.

    Works by attribute inspection so that this file imports no SDK: tea-openapi's
    ClientException / ServerException / ThrottlingException carry `code`, `status_code`,
    `request_id`, `retry_after` and `data`; darabonba's UnretryableException wraps transport
    failures with code None; the credentials library raises CredentialException.
    """
    if isinstance(exc, AlicloudApiError):
        return exc
    own = wrapped_own_error(exc)
    if isinstance(own, AlicloudApiError):
        return own
    code = getattr(exc, 'code', None)
    data = getattr(exc, 'data', None)
    status = getattr(exc, 'status_code', None) or getattr(exc, 'statusCode', None)
    if status is None and isinstance(data, dict):
        status = data.get('statusCode')
    request_id = getattr(exc, 'request_id', None)
    if request_id is None and isinstance(data, dict):
        request_id = data.get('RequestId') or data.get('requestId')
    retry_after = getattr(exc, 'retry_after', None)
    if retry_after is not None:
        try:
            # tea-openapi reports x-acs-retry-after in milliseconds
            retry_after = max(float(retry_after) / 1000.0, 0.0)
        except (TypeError, ValueError):
            retry_after = None

    cls_name = type(exc).__name__
    if cls_name == 'CredentialException' or (code is None and 'Credential' in cls_name):
        return _credential_error(exc, product, action)
    if code in (None, 'None') and status is None:
        inner = getattr(exc, 'inner_exception', None) or getattr(exc, '__cause__', None) or exc
        detail = getattr(inner, 'message', None) or str(inner)
        if _UNREADABLE.search(detail):
            # a 200 whose body is empty or cut short: the service answered, the body is never quoted (it may hold a secret)
            return AlicloudApiError(TRANSPORT_UNREADABLE, 'the service sent an unreadable answer (an empty or incomplete JSON '
                                    'body)', product=product, action=action)
        text = f'{type(inner).__name__}: {detail}'
        is_timeout = any(h in text for h in _TIMEOUT_HINTS)
        return AlicloudApiError(TRANSPORT_TIMEOUT if is_timeout else TRANSPORT_CONNECTION,
                                f'could not reach the endpoint: {text}', product=product, action=action)
    code = str(code) if code not in (None, 'None') else f'HTTP{status}'
    return AlicloudApiError(code, _sdk_message(exc, data) + _missing_permission(code, exc, data),
                            request_id=request_id, status=int(status) if status else None,
                            product=product, action=action, retry_after=retry_after)


# Codes of a refusal whose permission the answer does not name (reference 0b.6)
_PERMISSION_OF_CODE = {'InvalidUser.PassRoleForbidden': 'ram:PassRole'}


def _missing_permission(code, exc, data):
    """` (missing permission: ram:CreateRole)` for a refusal: the `AccessDeniedDetail.AuthAction` of the answer
    (tea-openapi keeps it as `access_denied_detail`; some bodies carry it in `data`), or the permission a refusal code
    stands for; '' otherwise."""
    detail = getattr(exc, 'access_denied_detail', None)
    if not isinstance(detail, dict) and isinstance(data, dict):
        detail = data.get('AccessDeniedDetail') or data.get('accessDeniedDetail')
    action = detail.get('AuthAction') if isinstance(detail, dict) else None
    action = action or _PERMISSION_OF_CODE.get(code)
    return f' (missing permission: {action})' if isinstance(action, str) and action else ''


# A query string in an error text (`...url: /?Action=AssumeRole&AccessKeyId=...&SecurityToken=...&Signature=...`).
_QUERY = re.compile(r'\?(?:[A-Za-z_][\w.-]*=[^\s&\'"]*&?){1,}')
# A field that holds a credential or a signature, in the forms error texts quote them: `SecurityToken=v`, `"SecurityToken": "v"`,
# and URL-encoded once or twice inside a string-to-sign (`SecurityToken%3Dv%26...`, `%253D`).
_CREDENTIAL_FIELD = re.compile(
    r'(?i)(?P<name>security_?token|sts_?token|access_?key_?secret|access_?key_?id|signature)'
    r'(?P<sep>=|%3D|%253D|\\?["\']\s*:\s*\\?["\']?)'
    r'(?P<value>[^\s&"\',;}<>\\]+?)(?=%26|%2526|&|["\'\s,;}<>\\]|$)')
# userinfo of a URL: `//user:password@host`
_USERINFO = re.compile(r'(?P<head>//[^/\s:@\'"]*:)[^@\s/\'"]+@')
# an STS security token wherever it stands (they all begin with CAIS), raw or URL-encoded
_STS_TOKEN = re.compile(r'CAIS[A-Za-z0-9+/=%_-]{16,}')


def scrub(text):
    """`text` without what may carry a credential: query strings, credential fields, URL passwords, STS tokens.

    Applied to every message of an error, whatever produced it: SDK texts quote whole request URLs (the
    credentials library's AssumeRole request carries the caller's AccessKeyId, SecurityToken and Signature).
    """
    if not text:
        return text
    text = _QUERY.sub('?' + MASK, text)
    text = _CREDENTIAL_FIELD.sub(lambda m: m.group('name') + m.group('sep') + MASK, text)
    text = _USERINFO.sub(lambda m: m.group('head') + MASK + '@', text)
    return _STS_TOKEN.sub(MASK, text)


def secret_forms(secret):
    """A secret as it may appear in a text: raw, URL-encoded once or twice, form-encoded."""
    once = quote(secret, safe='')
    return {secret, once, quote(once, safe=''), quote_plus(secret)}


def _credential_error(exc, product, action):
    """A failure of the credentials library. An AssumeRole the service answered with an error keeps the service's code:
    throttling and server errors (5xx) are then retried like any other call; anything else is InvalidCredentials."""
    text = str(getattr(exc, 'message', None) or exc)
    match = _STS_FAILURE.search(text)
    if not match:
        return AlicloudApiError(CREDENTIALS_ERROR, f'could not obtain credentials: {text}', product=product, action=action)
    status = int(match.group('status'))
    try:
        body = json.loads(match.group('body'))
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    code = str(body.get('Code') or f'HTTP{status}')
    message = str(body.get('Message') or 'no message')
    err = AlicloudApiError(code, f'the credentials library could not assume the role: {message}', request_id=body.get('RequestId'),
                           status=status, product='sts', action='AssumeRole')
    if code.startswith('Throttling') or status >= 500:
        return err
    return AlicloudApiError(CREDENTIALS_ERROR, f'could not obtain credentials: {err}', product=product, action=action)


def redact(text, secrets):
    """`text` scrubbed (see `scrub`), then every secret (of 4 characters or more), in any of its encodings, masked."""
    if not text:
        return text
    text = scrub(text)
    forms = {form for s in secrets if s and len(s) >= 4 for form in secret_forms(s)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def redact_error(error, secrets):
    """The structured `error` of a result with every text field redacted."""
    return {k: redact(v, secrets) if isinstance(v, str) else v for k, v in error.items()}
