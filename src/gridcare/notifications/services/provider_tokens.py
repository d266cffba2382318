"""Providers' OAuth tokens (Zalo rotates its refresh token on every refresh)."""

import datetime as dt

from gridcare.notifications.models import ProviderState


def provider_tokens_store(
    *, provider: str, access_token: str, refresh_token: str, expires_at: dt.datetime
) -> None:
    """Keep a provider's OAuth tokens (Zalo rotates the refresh token on every refresh)."""
    ProviderState.objects.update_or_create(
        provider=provider,
        defaults={
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_expires_at": expires_at,
        },
    )
