"""API authentication by an expiring token, stored hashed (`core.credentials`): `Authorization: Token <key>`."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from gridcare.core import credentials


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's `Token` header, checked against the hash of gridcare's own tokens, which expire."""

    def authenticate_credentials(self, key):
        token = credentials.api_token_find(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Khoá truy cập không đúng."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _("Khoá truy cập đã hết hạn: hãy lấy khoá mới."), code="token_expired"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Tài khoản đã bị khoá hoặc ngừng dùng."))
        return token.user, token
