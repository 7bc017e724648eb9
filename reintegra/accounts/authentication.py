"""The API's token authentication: `Authorization: Token <key>`, as DRF's, but the key is looked up
by its hash, and a token that expired or was revoked is refused with a 401 that says so."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from reintegra.lib import clock

from .models import ApiToken, User
from .services import api_token_hash, api_token_touch
from .two_factor import two_factor_enabled, two_factor_required


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
        if two_factor_required(token.user) and not two_factor_enabled(token.user):
            # A role raised since the token was issued, however it was raised: its tokens need the code.
            raise exceptions.AuthenticationFailed(
                _("Your role needs two-factor sign-in: set it up on the web, then obtain a new token.")
            )
        api_token_touch(token=token)
        return token.user, token
