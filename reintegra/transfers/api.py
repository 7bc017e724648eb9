"""REST endpoints of transfers (`/api/v1/transfers/`).

A transfer outside the user's agencies is a 404; one the user sees but moves from the wrong side
(the proposing agency accepting, a caseworker answering) is a 403."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import case_get_for_user, require_case_owner, transfer_get_for_user, transfer_list_for_user
from reintegra.api import PersonalReads

from . import services
from .models import Transfer
from .serializers import TransferAcceptSerializer, TransferReasonSerializer, TransferSerializer
from .workflows import TRANSFER, parties_of

WRONG_SIDE = OpenApiResponse(description="A transfer you see, but this step is not yours.")
NOT_FOUND = OpenApiResponse(description="No such transfer for your agency.")


@extend_schema_view(retrieve=extend_schema(responses={200: TransferSerializer, 404: NOT_FOUND}))
class TransferViewSet(PersonalReads, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Transfers of cases proposed by or to your agency. A supervisor of the owning agency proposes
    (under a sharing consent covering every category, or with `override_reason`) and may withdraw
    while it waits; a supervisor of the receiving agency accepts, naming the caseworker, or declines
    with a reason."""

    personal_data = ("transfers.transfer",)  # the reason may speak of the person
    read_categories = ("transfer",)
    serializer_class = TransferSerializer
    lookup_value_regex = r"\d+"
    queryset = Transfer.objects.none()

    def get_queryset(self) -> QuerySet[Transfer]:
        return (
            transfer_list_for_user(self.request.user)
            .select_related("case", "from_agency", "to_agency", "caseworker")
            .order_by("-proposed_at", "-pk")
        )

    def get_object(self) -> Transfer:
        return transfer_get_for_user(self.request.user, transfer_id=int(self.kwargs["pk"]))

    @extend_schema(responses={201: TransferSerializer, 404: OpenApiResponse(description="No such case of yours.")})
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = case_get_for_user(request.user, code=data.pop("case")["code"], for_edit=True)
        transfer = services.transfer_propose(
            actor=require_case_owner(request.user),
            access=access,
            to_agency=data["to_agency"],
            reason=data["reason"],
            override_reason=data.get("override_reason", ""),
        )
        return Response(self.get_serializer(transfer).data, status=status.HTTP_201_CREATED)

    def _step(self, request: Request, move: str) -> Response:
        transfer = self.get_object()
        user = require_case_owner(request.user)
        if not TRANSFER.may(TRANSFER.move(move), parties_of(user, transfer)):
            raise PermissionDenied  # the wrong side, whatever the body says
        caseworker, reason = None, ""
        if move == "accept":
            accept = TransferAcceptSerializer(data=request.data, context={"request": request})
            accept.is_valid(raise_exception=True)
            caseworker = accept.validated_data["caseworker"]
        else:
            given = TransferReasonSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            reason = given.validated_data["reason"]
        transfer = services.transfer_move(
            actor=user, transfer=transfer, move=move, reason=reason, caseworker=caseworker
        )
        return Response(self.get_serializer(transfer).data)

    @extend_schema(
        request=TransferAcceptSerializer, responses={200: TransferSerializer, 403: WRONG_SIDE, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """The receiving agency's supervisor accepts: the whole case moves to the agency and caseworker."""
        return self._step(request, "accept")

    @extend_schema(
        request=TransferReasonSerializer, responses={200: TransferSerializer, 403: WRONG_SIDE, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """The receiving agency's supervisor declines, saying why."""
        return self._step(request, "decline")

    @extend_schema(
        request=TransferReasonSerializer, responses={200: TransferSerializer, 403: WRONG_SIDE, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """The proposing agency's supervisor withdraws the transfer while it waits."""
        return self._step(request, "withdraw")
