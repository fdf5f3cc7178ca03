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


class ExpiredToken(Exception):
    """What tea-openapi raises for an expired STS token: a ClientException with code and status."""
    __module__ = 'alibabacloud_tea_openapi.exceptions'

    def __init__(self):
        super().__init__('code: 400, Specified SecurityToken is expired.')
        self.code = 'InvalidSecurityToken.Expired'
        self.status_code = 400
        self.data = {'Message': 'Specified SecurityToken is expired.', 'RequestId': 'R-exp'}


class SigningKms:
    """KMS at the SDK's level, under the collection's real ApiClient: every call signs with the factory's credentials.

    `answers[action]` is a body, an exception to raise, or a function of (params, credential); `signed` lists
    (action, access key id, security token) of every call, so a test sees which credentials each call used.
    """

    def __init__(self, **answers):
        self.answers = answers
        self.signed = []
        self.credential = None  # the factory's _FactoryCredential, as the SDK client holds it

    def install(self, monkeypatch):
        """Make every module's KMS client this fake, behind a real ApiClient (retry policy without sleeping, refresh)."""
        # pylint: disable=import-outside-toplevel
        from ansible_collections.alicloud.instance_ram.plugins.module_utils import _client
        from ansible_collections.alicloud.instance_ram.plugins.module_utils._retry import RetryPolicy
        fake = self

        class Models:
            def __getattr__(self, name):
                return type(name, (), {'from_map': staticmethod(lambda data: data)})

        def client(factory, product):
            assert product == 'kms'
            fake.credential = _client._FactoryCredential(factory)  # pylint: disable=protected-access
            return _client.ApiClient('kms', fake, Models(), None, RetryPolicy(sleep=lambda s: None, rand=lambda: 0.0),
                                     refresh_credentials=factory.refresh_credentials)

        monkeypatch.setattr(_client.ClientFactory, 'client', client)
        return self

    def __getattr__(self, method):
        if not method.endswith('_with_options'):
            raise AttributeError(method)
        action = ''.join(part.capitalize() for part in method[:-len('_with_options')].split('_'))

        def call(request, runtime):
            signer = self.credential.get_credential()
            self.signed.append((action, signer.access_key_id, signer.security_token))
            answer = self.answers[action]
            if callable(answer) and not isinstance(answer, type):
                answer = answer(request, signer)
            if isinstance(answer, Exception):
                raise answer
            body = type('Body', (), {'to_map': staticmethod(lambda: answer)})
            return type('Response', (), {'body': body})()
        return call
