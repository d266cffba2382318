"""Builders for portal tests: a portal login for an account's customer."""

from django.contrib.auth import get_user_model

PASSWORD = "đúng-mật-khẩu-2025"


def portal_login(acct, *, password=PASSWORD):
    """Give the account's customer a portal user (username = the account code) with `password`."""
    user = get_user_model().objects.create_user(username=acct.code, password=password)
    customer = acct.customer
    customer.user = user
    customer.save(update_fields=["user"])
    return user
