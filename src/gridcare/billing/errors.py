"""The error billing's services raise for a refused request (shown to staff as its message)."""


class BillingError(Exception):
    code = "billing_error"
