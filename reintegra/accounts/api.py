"""Sign-in for the API: a token for a username and password, the end of the token in use, and the
user's own tokens (issue 12, finding 5; accounts.models.ApiToken)."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import api_token_get_for_user, api_token_list_for_user

from . import services, two_factor
from .forms import locked_message
from .lockout import login_is_locked, login_refused_while_locked_record
from .models import ApiToken, User
from .reads import shows_no_personal_data


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100, required=False, default="", help_text="A label to tell this token apart (a script, a device)."
    )
    otp = serializers.CharField(
        max_length=32,
        required=False,
        default="",
        help_text="The code of the user's authenticator app (or a recovery code): required for users with "
        "two-factor sign-in, which supervisors, network coordinators and administrators must have.",
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="Whether this request was made with this token.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        used = self.context["request"].auth
        return isinstance(used, ApiToken) and used.pk == token.pk


@shows_no_personal_data
@extend_schema(
    request=TokenRequestSerializer,
    responses={
        200: inline_serializer(
            "TokenResponse",
            {
                "token": serializers.CharField(help_text="The key: shown this once, never again."),
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "expires_at": serializers.DateTimeField(),
            },
        )
    },
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([])
def token_obtain(request: Request) -> Response:
    """Exchanges a username and password for a new API token (`Authorization: Token …`), valid for
    API_TOKEN_DAYS days (30 unless configured) or until ended (logout, revocation, a password change)."""
    serializer = TokenRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    username = serializer.validated_data["username"]
    if login_is_locked(username):
        login_refused_while_locked_record(username=username)
        return _refused(locked_message(), "locked")
    user = authenticate(request._request, username=username, password=serializer.validated_data["password"])
    if user is None:
        if login_is_locked(username):
            return _refused(locked_message(), "locked")
        return _refused(str(_("Unable to log in with this username and password.")), "invalid_credentials")
    assert isinstance(user, User)  # noqa: S101  (the one user model)
    if (refusal := _two_factor_refusal(user, serializer.validated_data["otp"])) is not None:
        return refusal
    token, key = services.api_token_issue(user=user, name=serializer.validated_data["name"])
    return Response({"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at})


@shows_no_personal_data
@extend_schema(request=None, responses={204: None, 400: OpenApiResponse(description="Not signed in with a token.")})
@api_view(["POST"])
def token_logout(request: Request) -> Response:
    """Ends the token this request was made with (the web session, if any, goes on)."""
    if not isinstance(request.auth, ApiToken):
        return _refused(str(_("This request was not made with an API token.")), "no_token")
    services.api_token_revoke(actor=request.user, token=request.auth, because=ApiToken.Ended.LOGOUT)  # type: ignore[arg-type]
    return Response(status=status.HTTP_204_NO_CONTENT)


@shows_no_personal_data
@extend_schema(responses={200: ApiTokenSerializer(many=True)})
@api_view(["GET"])
def token_list(request: Request) -> Response:
    """The user's own tokens still in force, newest first."""
    owner = request.user
    assert isinstance(owner, User)  # noqa: S101  (authenticated)
    tokens = api_token_list_for_user(owner, owner=owner)
    return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)


@shows_no_personal_data
@extend_schema(request=None, responses={204: None, 404: OpenApiResponse(description="No such token of yours.")})
@api_view(["DELETE"])
def token_revoke(request: Request, pk: int) -> Response:
    """Revokes one token: the user's own, or (for a supervisor) one of their agency's staff."""
    token = api_token_get_for_user(request.user, token_id=pk)
    services.api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
    return Response(status=status.HTTP_204_NO_CONTENT)


def _two_factor_refusal(user: User, code: str) -> Response | None:
    """None when the second factor is settled: the user has none and needs none, or `code` is right.
    Otherwise a 403 for a role that requires two-factor sign-in and has not set it up (that is done
    on the web, where the secret is shown), or a 400 naming the `otp` field."""
    if not two_factor.two_factor_enabled(user):
        if not two_factor.two_factor_required(user):
            return None
        message = str(
            _("Your role requires two-factor sign-in: set it up on the web (Account, Two-factor sign-in) first.")
        )
        error = {"code": "two_factor_setup_required", "message": message, "fields": {}}
        return Response({"error": error}, status=status.HTTP_403_FORBIDDEN)
    if not code.strip():
        message = str(_("This account signs in with two factors: send the code of your app in otp."))
        return _refused(message, "otp_required", fields={"otp": [message]})
    try:
        device = two_factor.two_factor_verify(user=user, code=code)
    except two_factor.TwoFactorLocked:
        return _refused(locked_message(), "locked")
    if device is None:
        message = str(_("That code is not right. Type the 6 digits your app shows now, or a recovery code."))
        return _refused(message, "invalid_otp", fields={"otp": [message]})
    return None


def _refused(message: str, code: str, fields: dict[str, list[str]] | None = None) -> Response:
    error = {"code": code, "message": message, "fields": fields or {}}
    return Response({"error": error}, status=status.HTTP_400_BAD_REQUEST)
