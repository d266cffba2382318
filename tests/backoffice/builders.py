"""Builders of staff members, customers with a portal login, and signed-in clients for interface tests."""

import itertools

from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridcare.org.services import role_groups_sync, staff_membership_set

PASSWORD = "Mật-khẩu-đủ-dài-2025"
_seq = itertools.count(1)


def staff(*, unit, role, username=None):
    """A staff user in `unit` with `role` (and the role groups refreshed)."""
    role_groups_sync()
    user = get_user_model().objects.create_user(username=username or f"staff{next(_seq)}", password=PASSWORD)
    staff_membership_set(user=user, unit=unit, role=role)
    return user


def superuser(username="root"):
    return get_user_model().objects.create_superuser(username=username, password=PASSWORD, email="")


def customer_user(account, *, username=None):
    """Give the account's customer a portal login."""
    user = get_user_model().objects.create_user(username=username or f"cust{next(_seq)}", password=PASSWORD)
    account.customer.user = user
    account.customer.save(update_fields=["user"])
    return user


def totp_device(user, *, confirmed=True):
    return TOTPDevice.objects.create(user=user, name="test", confirmed=confirmed)


def current_code(device) -> str:
    """The TOTP code the staff member's phone would show now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):0{device.digits}d}"


def api_token(user) -> str:
    """A fresh API token's key for `user` (as the token endpoint or a superuser would issue it)."""
    from django.utils import timezone

    from gridcare.core.credentials import api_token_issue

    return api_token_issue(user=user, now=timezone.now())[1]


def verified_login(client, user):
    """Sign `user` in on `client` as if they had passed the two-factor sign-in."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device(user)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
