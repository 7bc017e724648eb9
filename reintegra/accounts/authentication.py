"""The API's token authentication: `Authorization: Token <key>`, as DRF's, but the key is looked up
by its hash, and a token that expired or was revoked is refused with a 401 that says so."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from reintegra.lib import clock

from .models import ApiToken, User
from .services import api_token_hash, api_token_touch


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:  # type: ignore[override]
        token = ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked: obtain a new one."))
        if clock.now() >= token.expires_at:
            raise exceptions.AuthenticationFailed(_("This token has expired: obtain a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        api_token_touch(token=token)
        return token.user, token
