# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACS3-HMAC-SHA256 (V3) and HMAC-SHA1 (V1, both encodings) signatures, computed server-side."""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from .errors import ApiError

V3_ALGORITHM = 'ACS3-HMAC-SHA256'
V3_REQUIRED_SIGNED = ('host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256')
EMPTY_SHA256 = hashlib.sha256(b'').hexdigest()


def incomplete(detail: str) -> ApiError:
    return ApiError('IncompleteSignature', f'The request signature does not conform to Aliyun standards. {detail}')


def mismatch(detail: str = '') -> ApiError:
    text = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'
    return ApiError('SignatureDoesNotMatch', f'{text} {detail}'.strip())


def percent_encode(value: str) -> str:
    """RFC 3986: only ``A-Za-z0-9-_.~`` stay unescaped (space -> %20, * -> %2A, / -> %2F)."""
    return quote(value, safe='~')


@dataclass
class V3Authorization:
    credential: str
    signed_headers: list[str]
    signature: str


def parse_v3_authorization(header: str, present_headers: set[str]) -> V3Authorization:
    scheme, dummy, rest = header.strip().partition(' ')
    if scheme != V3_ALGORITHM:
        raise incomplete(f'Unsupported signature algorithm "{scheme}".')
    fields = {}
    for part in rest.split(','):
        key, sep, value = part.strip().partition('=')
        if sep:
            fields[key] = value
    if not all(fields.get(k) for k in ('Credential', 'SignedHeaders', 'Signature')):
        raise incomplete('Authorization must carry Credential, SignedHeaders and Signature.')
    signed = fields['SignedHeaders'].split(';')
    required = set(V3_REQUIRED_SIGNED) | {h for h in present_headers if h.startswith('x-acs-')}
    unsigned = sorted(required - set(signed))
    if unsigned:
        raise incomplete(f'Headers {", ".join(unsigned)} must be signed.')
    absent = sorted(set(signed) - present_headers)
    if absent:
        raise incomplete(f'Signed headers {", ".join(absent)} are missing from the request.')
    return V3Authorization(fields['Credential'], signed, fields['Signature'])


def v3_signature(method: str, path: str, query: list[tuple[str, str]], header_values: dict[str, list[str]],
                 signed_headers: list[str], payload_hash: str, secret: str) -> str:
    canonical_query = '&'.join(f'{percent_encode(k)}={percent_encode(v)}' for k, v in sorted(query, key=lambda kv: kv[0]))
    canonical_headers = ''.join(
        f'{name}:{",".join(sorted(v.strip() for v in header_values[name]))}\n' for name in signed_headers)
    canonical_request = '\n'.join((method.upper(), path, canonical_query, canonical_headers, ';'.join(signed_headers), payload_hash))
    string_to_sign = f'{V3_ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}'
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def v1_signatures(method: str, params: dict[str, str], secret: str) -> list[str]:
    """The signatures an RPC V1 client may have sent: RFC 3986 encoding (tea-openapi) and quote_plus (credentials lib)."""
    items = sorted((k, v) for k, v in params.items() if k != 'Signature')
    results = []
    for encode in (percent_encode, quote_plus):
        canonical = '&'.join(f'{encode(k)}={encode(v)}' for k, v in items)
        string_to_sign = f'{method.upper()}&{percent_encode("/")}&{encode(canonical)}'
        digest = hmac.new(f'{secret}&'.encode(), string_to_sign.encode(), hashlib.sha1).digest()
        results.append(base64.b64encode(digest).decode())
    return results


def constant_time_in(candidate: str, expected: list[str]) -> bool:
    return any(hmac.compare_digest(candidate.encode(), e.encode()) for e in expected)
