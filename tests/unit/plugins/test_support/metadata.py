# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metadata-service fake: a table of (method, path, token?) -> (status, body) that records every request; its own
answers (a bad token, no role, an unknown path) are those of the emulator's contract (see errors.py)."""

from __future__ import annotations

import json

from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.errors import contract

from ansible_collections.alicloud.instance_ram.plugins.module_utils._imds import CREDENTIALS_PATH, TOKEN_HEADER, TOKEN_PATH, parse_time

NOW = parse_time('2026-11-27T22:00:00Z')
ROLE = 'EcsRamRoleTest'
SECRET = 'InstanceRoleSecretDoNotLeak0123456789'
TOKEN = 'CAISInstanceRoleTokenDoNotLeak'
DOCUMENT = {'Code': 'Success', 'AccessKeyId': 'STS.instance', 'AccessKeySecret': SECRET, 'SecurityToken': TOKEN,
            'Expiration': '2026-11-28T04:00:00Z', 'LastUpdated': '2026-11-27T21:59:00Z'}


class FakeService:
    """The metadata service as a table: (method, path, token?) -> (status, body); records every request."""

    def __init__(self, token_status=200, tokenless_status=200, role=ROLE, document=None, unreachable=False):
        self.token_status = token_status
        self.tokenless_status = tokenless_status
        self.role = role
        self.document = DOCUMENT if document is None else document
        self.unreachable = unreachable
        self.requests = []

    def __call__(self, method, path, headers, runtime):
        self.requests.append((method, path, dict(headers)))
        if self.unreachable:
            raise OSError('timed out')
        if method == 'PUT':
            assert path == TOKEN_PATH
            return (200, 'metadata-token') if self.token_status == 200 else (self.token_status, 'refused')
        if headers.get(TOKEN_HEADER) not in (None, 'metadata-token'):
            return contract.IMDS_BAD_TOKEN
        if TOKEN_HEADER not in headers and self.tokenless_status != 200:
            return self.tokenless_status, 'hardened mode required'
        if path == CREDENTIALS_PATH:
            return (200, self.role) if self.role else contract.IMDS_NO_ROLE
        if self.role and path == CREDENTIALS_PATH + self.role:
            return 200, self.document if isinstance(self.document, str) else json.dumps(self.document)
        return contract.IMDS_NOT_FOUND


SECOND_SECRET = 'RenewedInstanceRoleSecretDoNotLeak'
SECOND_TOKEN = 'CAISRenewedInstanceRoleTokenDoNotLeak'
RENEWED = {**DOCUMENT, 'AccessKeyId': 'STS.renewed', 'AccessKeySecret': SECOND_SECRET, 'SecurityToken': SECOND_TOKEN,
           'Expiration': '2026-11-28T05:00:00Z', 'LastUpdated': '2026-11-27T22:00:00Z'}


class RenewingService(FakeService):
    """Serves `documents` one after the other, a read each (the last one again after that): credentials that were renewed."""

    def __init__(self, documents=(DOCUMENT, RENEWED), **kwargs):
        super().__init__(**kwargs)
        self.documents = list(documents)

    def __call__(self, method, path, headers, runtime):
        if self.role and path == CREDENTIALS_PATH + self.role and len(self.documents) > 1:
            self.document = self.documents.pop(0)
        elif self.role and path == CREDENTIALS_PATH + self.role:
            self.document = self.documents[0]
        return super().__call__(method, path, headers, runtime)


class LateRole(FakeService):
    """No role for the first `late` GETs (a binding that has not propagated yet): 404, then as FakeService."""

    def __init__(self, late, **kwargs):
        super().__init__(**kwargs)
        self.late = late

    def __call__(self, method, path, headers, runtime):
        if method == 'GET' and self.late > 0:
            self.late -= 1
            self.requests.append((method, path, dict(headers)))
            return contract.IMDS_NOT_FOUND
        return super().__call__(method, path, headers, runtime)
