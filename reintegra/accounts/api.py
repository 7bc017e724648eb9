from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from .forms import locked_message
from .lockout import login_is_locked, login_refused_while_locked_record


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})


@extend_schema(
    request=TokenRequestSerializer,
    responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([])
def token_obtain(request: Request) -> Response:
    """Exchanges a username and password for an API token (`Authorization: Token …`)."""
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
    token, _created = Token.objects.get_or_create(user=user)
    return Response({"token": token.key})


def _refused(message: str, code: str) -> Response:
    return Response({"error": {"code": code, "message": message, "fields": {}}}, status=status.HTTP_400_BAD_REQUEST)
