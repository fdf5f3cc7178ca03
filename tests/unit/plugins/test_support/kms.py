# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The KMS fake: a client whose answers are given per action, a round trip of Encrypt/Decrypt, and the errors KMS answers
(from the emulator's contract, see errors.py) for a denial, a missing key and a missing secret."""

from __future__ import annotations

from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.errors import api_error, contract

SECRET_VALUE = 'db-password-value-DoNotLeak'
DENIED = api_error(contract.KMS_DENIED, product='kms', action='GetSecretValue')
KEY_NOT_FOUND = api_error(contract.KEY_NOT_FOUND, product='kms', action='Encrypt')
SECRET_NOT_FOUND = api_error(contract.SECRET_NOT_FOUND, product='kms', action='GetSecretValue')


class FakeKms:
    """A KMS client: `answers[action]` is a body, an exception to raise, or a function of the params."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls = []

    def call(self, action, params=None, **kw):
        self.calls.append((action, {k: v for k, v in (params or {}).items() if v is not None}))
        answer = self.answers[action]
        if isinstance(answer, Exception):
            raise answer
        return answer(params) if callable(answer) else answer


def round_trip(**extra):
    return FakeKms(Encrypt=lambda p: {'CiphertextBlob': 'blob:' + p['Plaintext'], 'KeyId': 'key-1', 'KeyVersionId': 'kv-1'},
                   Decrypt=lambda p: {'Plaintext': p['CiphertextBlob'][5:]}, **extra)
