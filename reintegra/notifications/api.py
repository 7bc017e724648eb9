"""Your notifications: the list (newest first; `?unread=1` for the unread ones) and marking them
read. A notice names only a case code and a kind of event: no personal data."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.accounts.models import User
from reintegra.accounts.reads import shows_no_personal_data

from . import services
from .models import Notification
from .serializers import NotificationSerializer, ReadAllSerializer

NOT_FOUND = OpenApiResponse(description="No such notification of yours.")


@shows_no_personal_data
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    lookup_value_regex = r"\d+"
    queryset = Notification.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self) -> QuerySet[Notification]:
        user = self.request.user
        if not isinstance(user, User):
            return Notification.objects.none()
        notices = Notification.objects.filter(recipient=user)
        if self.action == "list" and self.request.query_params.get("unread") in ("1", "true"):
            notices = notices.filter(read_at__isnull=True)
        return notices.order_by("-created_at", "-pk")

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="Only the unread notifications.")])
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(request=None, responses={200: NotificationSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        """Marks the notification read (doing it twice changes nothing)."""
        notice = self.get_object()
        assert isinstance(request.user, User)  # noqa: S101  (authenticated)
        services.mark_read(user=request.user, notices=Notification.objects.filter(pk=notice.pk))
        notice.refresh_from_db()
        return Response(self.get_serializer(notice).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Marks all your notifications read."""
        assert isinstance(request.user, User)  # noqa: S101  (authenticated)
        return Response({"marked": services.mark_read(user=request.user, notices=Notification.objects.all())})
