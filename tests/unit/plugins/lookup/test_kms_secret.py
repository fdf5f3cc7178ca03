# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
import yaml

from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.alicloud.instance_ram.plugins.lookup import kms_secret
from ansible_collections.alicloud.instance_ram.plugins.module_utils import _client
from ansible_collections.alicloud.instance_ram.plugins.plugin_utils import _base
from ansible_collections.alicloud.instance_ram.tests.unit.plugins.test_support.kms import DENIED, SECRET_VALUE, FakeKms

DOC = yaml.safe_load(kms_secret.DOCUMENTATION)
KEYS = {'access_key_id': 'LTAIlookup', 'access_key_secret': 'lookup-secret-DoNotLeak', 'region_id': 'cn-hangzhou'}


@pytest.fixture
def fake_kms(monkeypatch):
    seen = {}
    kms = FakeKms(GetSecretValue=lambda p: {'SecretData': f"{SECRET_VALUE}:{p['SecretName']}", 'VersionId': 'v1'})

    def client(self, product):
        seen.update(self.params)
        assert product == 'kms'
        return kms

    monkeypatch.setattr(_client.ClientFactory, 'client', client)
    kms.params = seen
    return kms


def lookup():
    return lookup_loader.get('alicloud.instance_ram.kms_secret')


def test_values_in_the_order_of_the_terms(fake_kms):
    assert lookup().run(['db', 'api'], {}, **KEYS) == [f'{SECRET_VALUE}:db', f'{SECRET_VALUE}:api']
    assert fake_kms.calls == [('GetSecretValue', {'SecretName': 'db'}), ('GetSecretValue', {'SecretName': 'api'})]
    assert fake_kms.params['access_key_id'] == 'LTAIlookup' and fake_kms.params['connect_timeout'] == 5.0


def test_stage_and_version(fake_kms):
    lookup().run(['db'], {}, version_stage='ACSPrevious', **KEYS)
    lookup().run(['db'], {}, version_id='v3', **KEYS)
    assert [p for a, p in fake_kms.calls] == [{'SecretName': 'db', 'VersionStage': 'ACSPrevious'}, {'SecretName': 'db', 'VersionId': 'v3'}]


def test_environment_fallbacks_like_the_modules(fake_kms, monkeypatch):
    monkeypatch.setenv('ALICLOUD_REGION', 'cn-shanghai')
    monkeypatch.setenv('ALIBABA_CLOUD_REGION_ID', 'cn-beijing')  # the newer name wins, as in the modules
    monkeypatch.setenv('ALIBABA_CLOUD_KMS_ENDPOINT', 'http://127.0.0.1:9')
    monkeypatch.setenv('ALIBABA_CLOUD_ACCESS_KEY_ID', 'LTAIenv')  # credentials stay with resolve_credential_source
    lookup().run(['db'], {})
    assert fake_kms.params['region_id'] == 'cn-beijing' and fake_kms.params['kms_endpoint'] == 'http://127.0.0.1:9'
    assert fake_kms.params['access_key_id'] is None


def test_a_denial_is_a_lookup_error_with_the_code(monkeypatch):
    monkeypatch.setattr(_client.ClientFactory, 'client', lambda self, product: FakeKms(GetSecretValue=DENIED))
    with pytest.raises(AnsibleLookupError) as exc:
        lookup().run(['db'], {}, **KEYS)
    assert "cannot read the secret 'db'" in str(exc.value) and 'Forbidden.NoPermission' in str(exc.value) and 'R-1' in str(exc.value)


def test_options_are_its_own_and_the_shared_fragment():
    assert set(DOC['options']) == {'_terms', 'version_stage', 'version_id'}
    assert DOC['extends_documentation_fragment'] == ['alicloud.instance_ram.auth', 'alicloud.instance_ram.auth.plugins']
    plugin = lookup()
    plugin.set_options(direct={'kms_endpoint': 'http://127.0.0.1:9', 'region': 'cn-beijing'})
    assert plugin.get_option('kms_endpoint') == 'http://127.0.0.1:9' and plugin.get_option('connect_timeout') == 5.0
    assert plugin.get_option('region_id') == 'cn-beijing', 'the aliases of the modules work for plugins too'


def test_the_credentials_library_stays_quiet_during_a_lookup(capsys):
    logger = logging.getLogger('credentials')
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    # a module test of the same process may have silenced this logger for good (_credentials.quiet_credentials_library,
    # as a module process does): this test starts from a logger that writes
    kept, logger.filters = logger.filters, []
    try:
        with _base.quiet_credentials():
            logger.warning('Refresh credentials failed, cached value is None')
        assert capsys.readouterr().err == ''
        logger.warning('after the lookup')
        assert 'after the lookup' in capsys.readouterr().err
    finally:
        logger.removeHandler(handler)
        logger.filters = kept


def test_an_sts_failure_leaves_no_credential_in_the_lookup_error():
    # an StsToken source (instance role, StsToken profile) with assume_role_arn, and STS unreachable: the credentials
    # library's error text holds the whole AssumeRole URL (AccessKeyId, SecurityToken, Signature)
    token = 'CAISlookupInnerToken+/with==chars0123'
    with pytest.raises(AnsibleLookupError) as exc:
        lookup().run(['db'], {}, access_key_id='STS.lookupInnerKeyId01', access_key_secret='lookup-inner-secret+/=',
                     security_token=token, assume_role_arn='acs:ram::1234567890123456:role/app', sts_endpoint='http://127.0.0.1:9',
                     kms_endpoint='http://127.0.0.1:9', region_id='cn-hangzhou', connect_timeout=0.5)
    text = str(exc.value)
    assert "cannot read the secret 'db'" in text and 'InvalidCredentials' in text
    for secret in ('STS.lookupInnerKeyId01', 'lookup-inner-secret+/=', token):
        for form in (secret, quote(secret, safe=''), quote(quote(secret, safe=''), safe='')):
            assert form not in text, (form, text)
