"""Payment gateway adapters behind one interface: a payment URL, a verified callback, a status query.

`gateway_for(channel)` gives the adapter of `vnpay` or `zalopay`, configured from settings
(docs/payments.md). Adapters only speak the protocol; `payments.services` decides what a result means.
"""

from gridcare.payments.gateways.base import CallbackInvalid, Gateway, GatewayError, GatewayResult

__all__ = ["CallbackInvalid", "Gateway", "GatewayError", "GatewayResult", "gateway_for"]


def gateway_for(channel: str) -> Gateway:
    """The adapter of a gateway channel (`vnpay`, `zalopay`), configured from the current settings."""
    from gridcare.payments.gateways import vnpay, zalopay

    adapters = {"vnpay": vnpay.VnpayGateway, "zalopay": zalopay.ZalopayGateway}
    if channel not in adapters:
        raise GatewayError("unknown_gateway", f"Cổng thanh toán không hỗ trợ: {channel}.")
    return adapters[channel].from_settings()
