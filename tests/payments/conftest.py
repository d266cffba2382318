import copy

import pytest

from gridcare.payments.sandbox import SandboxGateways


@pytest.fixture
def sandbox(live_server, settings):
    """Both sandbox gateways on an ephemeral port, calling back `live_server`; settings point at them."""
    gateways = SandboxGateways.from_settings(site=live_server.url, retries=2).start()
    settings.GRIDCARE_VNPAY_PAY_URL = f"{gateways.base}/vnpay/paymentv2/vpcpay.html"
    settings.GRIDCARE_VNPAY_QUERY_URL = f"{gateways.base}/vnpay/merchant_webapi/api/transaction"
    settings.GRIDCARE_ZALOPAY_CREATE_URL = f"{gateways.base}/zalopay/v2/create"
    settings.GRIDCARE_ZALOPAY_QUERY_URL = f"{gateways.base}/zalopay/v2/query"
    settings.GRIDCARE_PAYMENTS_SITE_URL = live_server.url
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [*policy["DIRECTIVES"]["form-action"], gateways.base]
    settings.CONTENT_SECURITY_POLICY = policy
    yield gateways
    gateways.stop()
