"""REST endpoints of referrals.

A referral outside the user's scope (neither sent nor received by their agency) is a 404. A
referral the user may see but acts on from the wrong side — the sending agency accepting its own
referral, the receiving agency revoking it — is a 403: its existence is no secret to them, and
the answer says "not yours to do" rather than pretending it is not there.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import (
    case_get_for_user,
    is_member,
    referral_get_for_user,
    referral_list_for_user,
    require_member,
)
from reintegra.api import PersonalReads
from reintegra.lib.workflow import Reason

from . import services
from .choices import ReferralStatus
from .models import Referral
from .serializers import (
    ReferralDeclineSerializer,
    ReferralOptionalReasonSerializer,
    ReferralReasonSerializer,
    ReferralSerializer,
)
from .workflows import REFERRAL

DIRECTIONS = ("incoming", "outgoing")
WRONG_SIDE = OpenApiResponse(description="A referral you see, but this step is the other agency's.")
NOT_FOUND = OpenApiResponse(description="No such referral for your agency.")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ReferralStatus.values),
            OpenApiParameter("direction", str, enum=DIRECTIONS, description="Both when not given"),
        ]
    ),
    retrieve=extend_schema(responses={200: ReferralSerializer, 404: NOT_FOUND}),
)
class ReferralViewSet(PersonalReads, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Referrals sent or received by your agency.

    The receiving agency accepts, declines, starts and completes; the sending agency cancels a
    pending referral or revokes an active one. The wrong side gets 403 (see the module's note)."""

    # Its free-text reasons may speak of the person.
    personal_data = ("referrals.referral",)
    read_categories = ("referral",)
    serializer_class = ReferralSerializer
    lookup_value_regex = r"\d+"
    queryset = Referral.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self) -> QuerySet[Referral]:
        user = self.request.user
        referrals = referral_list_for_user(user).select_related(
            "case", "from_agency", "to_agency", "service", "consent"
        )
        if not is_member(user):
            return referrals
        params = self.request.query_params
        errors: dict[str, list[str]] = {}
        status_ = params.get("status", "")
        if status_ and status_ not in ReferralStatus.values:
            errors["status"] = [_("Unknown status “%(status)s”.") % {"status": status_}]
        direction = params.get("direction", "")
        if direction and direction not in DIRECTIONS:
            errors["direction"] = [_("Use “incoming” or “outgoing”.")]
        if errors:
            raise serializers.ValidationError(errors)
        if status_:
            referrals = referrals.filter(status=status_)
        if direction == "incoming":
            referrals = referrals.filter(to_agency_id=user.agency_id)
        elif direction == "outgoing":
            referrals = referrals.filter(from_agency_id=user.agency_id)
        return referrals.order_by("-sent_at", "-pk")

    def get_object(self) -> Referral:
        return referral_get_for_user(self.request.user, referral_id=int(self.kwargs["pk"]))

    @extend_schema(responses={201: ReferralSerializer, 404: OpenApiResponse(description="No such case of yours.")})
    def create(self, request: Request) -> Response:
        """Sends a case to another agency's service. The data categories must be covered by the
        returnee's sharing consent; only a supervisor may send without it, giving `override_reason`."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = case_get_for_user(request.user, code=data.pop("case")["code"], for_edit=True)
        referral = services.referral_send(actor=require_member(request.user), access=access, **data)
        return Response(self.get_serializer(referral).data, status=status.HTTP_201_CREATED)

    def _step(self, request: Request, move: str) -> Response:
        """Runs one move of the referral's workflow, with the reason its table asks for. The
        referral is fetched first, so an outsider gets 404 whatever the body."""
        referral = self.get_object()
        reason, confirmed, decline_reason = "", False, ""
        takes = REFERRAL.move(move).reason
        if takes is not Reason.NONE:
            serializer_class: type[serializers.Serializer] = (
                ReferralReasonSerializer if takes is Reason.REQUIRED else ReferralOptionalReasonSerializer
            )
            if move == "decline":
                serializer_class = ReferralDeclineSerializer
            serializer = serializer_class(data=request.data)
            serializer.is_valid(raise_exception=True)
            reason = serializer.validated_data["reason"]
            confirmed = serializer.validated_data["confirm"]
            decline_reason = serializer.validated_data.get("decline_reason", "")
        referral = services.referral_move(
            actor=require_member(request.user),
            referral=referral,
            move=move,
            reason=reason,
            confirmed=confirmed,
            decline_reason=decline_reason,
        )
        return Response(self.get_serializer(referral).data)

    @extend_schema(request=None, responses={200: ReferralSerializer, 403: WRONG_SIDE, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """The receiving agency accepts: it now sees the shared categories of the case."""
        return self._step(request, "accept")

    @extend_schema(
        request=ReferralDeclineSerializer, responses={200: ReferralSerializer, 403: WRONG_SIDE, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """The receiving agency declines, saying why in words, and may give its main reason as a code
        (`decline_reason`), which the network's figures count."""
        return self._step(request, "decline")

    @extend_schema(request=None, responses={200: ReferralSerializer, 403: WRONG_SIDE, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        """The receiving agency starts the work."""
        return self._step(request, "start")

    @extend_schema(
        request=ReferralOptionalReasonSerializer,
        responses={200: ReferralSerializer, 403: WRONG_SIDE, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """The receiving agency completes the referral; its access to the case ends. While livelihood
        work still depends on it, `confirm` must be true: the agency then keeps those enrolments only,
        until their work is done (decisions/0018)."""
        return self._step(request, "complete")

    @extend_schema(
        request=ReferralReasonSerializer, responses={200: ReferralSerializer, 403: WRONG_SIDE, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """The sending agency withdraws a referral not yet answered."""
        return self._step(request, "cancel")

    @extend_schema(
        request=ReferralReasonSerializer, responses={200: ReferralSerializer, 403: WRONG_SIDE, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        """The sending agency ends an active referral; the other agency's access ends at once, to the
        enrolments on its options too (`confirm` must be true while work on them remains)."""
        return self._step(request, "revoke")
