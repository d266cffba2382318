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
    settings.GRIDCARE_ZALOPAY_REFUND_URL = f"{gateways.base}/zalopay/v2/refund"
    settings.GRIDCARE_ZALOPAY_QUERY_REFUND_URL = f"{gateways.base}/zalopay/v2/query_refund"
    settings.GRIDCARE_VNPAY_SETTLEMENT_URL = f"{gateways.base}/vnpay/settlement"
    settings.GRIDCARE_ZALOPAY_SETTLEMENT_URL = f"{gateways.base}/zalopay/settlement"
    settings.GRIDCARE_PAYMENTS_SITE_URL = live_server.url
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [*policy["DIRECTIVES"]["form-action"], gateways.base]
    settings.CONTENT_SECURITY_POLICY = policy
    yield gateways
    gateways.stop()


@pytest.fixture
def gateways(settings):
    """The sandbox gateways for server-to-server calls only (refunds, queries, daily lists): no callbacks to us."""
    sandbox = SandboxGateways.from_settings(site="http://127.0.0.1:9", retries=1).start()
    base = sandbox.base
    settings.GRIDCARE_VNPAY_QUERY_URL = f"{base}/vnpay/merchant_webapi/api/transaction"
    settings.GRIDCARE_ZALOPAY_QUERY_URL = f"{base}/zalopay/v2/query"
    settings.GRIDCARE_ZALOPAY_REFUND_URL = f"{base}/zalopay/v2/refund"
    settings.GRIDCARE_ZALOPAY_QUERY_REFUND_URL = f"{base}/zalopay/v2/query_refund"
    settings.GRIDCARE_VNPAY_SETTLEMENT_URL = f"{base}/vnpay/settlement"
    settings.GRIDCARE_ZALOPAY_SETTLEMENT_URL = f"{base}/zalopay/settlement"
    yield sandbox
    sandbox.stop()
