"""REST endpoints of cases, consents and tasks.

Every case is fetched through `case_get_for_user`: a case outside the user's scope is a 404, and
so is an owner-only action (edit, stage, history, return, notes, closure, erasure, consent)
attempted by an agency the case was only referred to. A request that is refused whatever the object
(opening a case without a caseworker's or supervisor's role, deciding a closure or an erasure
without being a supervisor) is a 403.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import (
    AnyUser,
    CaseAccess,
    case_get_for_user,
    case_list_for_user,
    is_member,
    keeps_cases,
    receives_cases,
    require_case_owner,
    require_case_receiver,
    require_member,
    task_list_for_user,
)
from reintegra.api import PersonalReads, conflict_response
from reintegra.lib.concurrency import EditConflict
from reintegra.plans import lost_contact
from reintegra.transfers import services as transfer_services
from reintegra.transfers.serializers import CaseAssignSerializer

from . import erasure, selectors, services, tasks
from .choices import Stage
from .duplicates import DuplicateCheckThrottled, duplicate_advice, duplicate_check
from .listing import CaseListing
from .models import Case, Consent, Task
from .serializers import (
    CaseDetailSerializer,
    CaseListSerializer,
    CaseOpenSerializer,
    CaseStateSerializer,
    CaseUpdateSerializer,
    ClosureDecisionSerializer,
    ClosureRequestSerializer,
    ConsentSerializer,
    DuplicateQuerySerializer,
    DuplicatesSerializer,
    ErasureDecisionSerializer,
    HistoryEventSerializer,
    IdentitySearchSerializer,
    NoteSerializer,
    ReasonSerializer,
    RemigrationSerializer,
    ReturnJourneySerializer,
    StageChangeSerializer,
    TaskSerializer,
    TimelineEventSerializer,
)

CONFLICT = OpenApiResponse(description="The record changed since the given version (error with current_version).")
NOT_FOUND = OpenApiResponse(description="No such case, or not yours to change.")
TOO_MANY_CHECKS = OpenApiResponse(description="Too many duplicate checks in the last hour, by you or your agency.")
SEARCH_RESULTS = 100


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "") in ("1", "true", "yes")


def _owned_cases(user: AnyUser) -> QuerySet[Case]:
    """The cases of the user's own agency, for an owner role; none otherwise."""
    if not keeps_cases(user) or user.agency_id is None:
        return Case.objects.none()
    return case_list_for_user(user).filter(agency_id=user.agency_id)


def _detail(request: Request, access: CaseAccess, *, via: str) -> dict[str, Any]:
    """The case as this reader may see it; the read is written to the audit log first."""
    selectors.case_read(user=request.user, access=access, via=via)
    return CaseDetailSerializer(access, context={"request": request}).data


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Part of a case code"),
            OpenApiParameter("stage", str, enum=Stage.values, description="Closed cases are listed only by stage"),
            OpenApiParameter("mine", bool, description="Only the cases I am the caseworker of"),
            OpenApiParameter("referred", bool, description="Only the cases referred to my agency"),
        ]
    ),
)
class CaseViewSet(PersonalReads, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Cases. Lists show codes and stages, never names; a case's record shows only the data
    categories the reader may see."""

    personal_data = ("cases.case",)
    serializer_class = CaseListSerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9-]+"
    queryset = Case.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self) -> CaseListing:  # type: ignore[override]  # a page at a time (cases/listing.py)
        user = self.request.user
        if not is_member(user):
            return CaseListing()
        params = self.request.query_params
        stage = params.get("stage", "")
        if stage and stage not in Stage.values:
            raise serializers.ValidationError({"stage": [_("Unknown stage “%(stage)s”.") % {"stage": stage}]})
        filters = selectors.CaseFilters(
            q=params.get("q", "")[:40],
            stage=stage,
            mine=_flag(self.request, "mine"),
            referred=_flag(self.request, "referred"),
        )
        return selectors.case_list(user=user, filters=filters)

    def _access(self, *, for_edit: bool) -> CaseAccess:
        return case_get_for_user(self.request.user, code=self.kwargs["code"], for_edit=for_edit)

    @extend_schema(request=CaseOpenSerializer, responses={201: CaseDetailSerializer, 403: None})
    def create(self, request: Request) -> Response:
        """Opens a case. Check `duplicates/` first: a likely duplicate is not refused here."""
        user = require_case_owner(request.user)
        serializer = CaseOpenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        case = services.case_open(actor=user, **serializer.validated_data)
        access = case_get_for_user(user, code=case.code)
        return Response(_detail(request, access, via="api open"), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DuplicateQuerySerializer,
        responses={200: DuplicatesSerializer, 400: None, 403: None, 429: TOO_MANY_CHECKS},
    )
    @action(detail=False, methods=["post"])
    def duplicates(self, request: Request) -> Response:
        """Whether a returnee about to be registered may already have a case (decisions/0022). Give a
        `reason` and the name with the whole birth date, or the name with a phone number; a phone
        alone or a name alone is refused. Answers with your agency's case codes and, elsewhere, only
        whether a possible match exists: the agency holding it is told of your check and may get in
        touch if the returnee agrees; your network coordinators are the people to ask. Every check
        is audited; at most 20 an hour per person and 60 per agency (429 beyond)."""
        user = require_case_owner(request.user)
        serializer = DuplicateQuerySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            found = duplicate_check(actor=user, via="api", **serializer.validated_data)
        except DuplicateCheckThrottled as exc:
            raise exceptions.Throttled(detail=str(exc)) from None
        return Response(
            {
                "own": [c.code for c in found.own],
                "elsewhere": found.elsewhere,
                "reference": found.reference,
                "ask": duplicate_advice(found),
                "coordinators": [vars(c) for c in found.coordinators],
            }
        )

    @extend_schema(
        request=IdentitySearchSerializer, responses={200: CaseListSerializer(many=True), 400: None, 403: None}
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def search(self, request: Request) -> Response:
        """Finds your agency's cases by the person's name (every word given must be one of their
        names, whole or by its first four letters or more) or phone number. Sent in the body, never
        in the address; every search is in the audit log. Answers with codes and stages, no names
        (at most 100 cases, newest first)."""
        user = require_case_receiver(request.user)
        serializer = IdentitySearchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = selectors.case_search_by_identity(user=user, **serializer.validated_data)
        cases = found.select_related("agency").order_by("-opened_at")[:SEARCH_RESULTS]
        return Response(CaseListSerializer(cases, many=True, context={"request": request}).data)

    @extend_schema(responses={200: CaseDetailSerializer, 404: NOT_FOUND})
    def retrieve(self, request: Request, code: str) -> Response:
        """The case record, with only the categories you may see (`categories`); the read is audited."""
        return Response(_detail(request, self._access(for_edit=False), via="api"))

    @extend_schema(request=CaseUpdateSerializer, responses={200: CaseDetailSerializer, 404: NOT_FOUND, 409: CONFLICT})
    def partial_update(self, request: Request, code: str) -> Response:
        """Edits the returnee's record and the case summary (owning agency only). Send the `version`
        you loaded; if someone saved in between, the answer is 409 and nothing is changed."""
        access = self._access(for_edit=True)
        serializer = CaseUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        try:
            services.case_update(actor=require_case_owner(request.user), case=access.case, version=version, **data)
        except EditConflict as exc:
            return conflict_response(exc)
        return Response(_detail(request, self._access(for_edit=True), via="api update"))

    def _state(self, case: Case) -> Response:
        return Response(CaseStateSerializer(case, context={"request": self.request}).data)

    @extend_schema(request=CaseAssignSerializer, responses={200: CaseStateSerializer, 403: None, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, code: str) -> Response:
        """A supervisor assigns the case to a caseworker of the agency (`caseworker`: a username); the
        former caseworker's open tasks on it go to the new one. Caseworkers may not (403)."""
        access = self._access(for_edit=True)
        if not access.is_supervisor:
            raise exceptions.PermissionDenied
        serializer = CaseAssignSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        case = transfer_services.case_assign(
            actor=require_case_owner(request.user), access=access, caseworker=serializer.validated_data["caseworker"]
        )
        return self._state(case)

    @extend_schema(request=StageChangeSerializer, responses={200: CaseStateSerializer, 404: NOT_FOUND, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, code: str) -> Response:
        """Moves the case to another stage (closing goes through `closure/`)."""
        access = self._access(for_edit=True)
        serializer = StageChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            case = services.case_set_stage(
                actor=require_case_owner(request.user), case=access.case, **serializer.validated_data
            )
        except EditConflict as exc:
            return conflict_response(exc)
        return self._state(case)

    @extend_schema(request=HistoryEventSerializer, responses={201: HistoryEventSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def history(self, request: Request, code: str) -> Response:
        """Records a step of the migration: recruitment, transit or exploitation."""
        access = self._access(for_edit=True)
        serializer = HistoryEventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.history_add(
            actor=require_case_owner(request.user), case=access.case, **serializer.validated_data
        )
        return Response(HistoryEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReturnJourneySerializer, responses={200: ReturnJourneySerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["put"], url_path="return")
    def return_journey(self, request: Request, code: str) -> Response:
        """Records (or replaces) the return."""
        access = self._access(for_edit=True)
        serializer = ReturnJourneySerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        agencies = data.pop("assisting_agencies", [])
        journey = services.return_record(
            actor=require_case_owner(request.user), case=access.case, assisting_agencies=agencies, **data
        )
        return Response(ReturnJourneySerializer(journey, context={"request": request}).data)

    @extend_schema(request=NoteSerializer, responses={201: TimelineEventSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, code: str) -> Response:
        """Adds a note to the case's timeline."""
        access = self._access(for_edit=True)
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.note_add(
            actor=require_case_owner(request.user), case=access.case, text=serializer.validated_data["text"]
        )
        data = TimelineEventSerializer(event, context={"access": access}).data
        return Response(data, status=status.HTTP_201_CREATED)

    def _case_move(
        self,
        request: Request,
        make: Callable[..., Case],
        serializer_class: type[serializers.Serializer],
        move: str,
        *,
        decision: bool = False,
    ) -> Response:
        """One move of the case's closure (services.closure_move) or of the erasure of its returnee's
        data (erasure.erasure_move), tables in cases/workflows.py. A decision's body says yes or no in
        the field named as its move (`approve`, `confirm`): no is the move `decline`."""
        access = self._access(for_edit=True)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if decision and not data[move]:
            move = "decline"
        actor = require_case_owner(request.user)
        return self._state(make(actor=actor, case=access.case, move=move, reason=data.get("reason", "")))

    @extend_schema(request=ClosureRequestSerializer, responses={200: CaseStateSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def closure(self, request: Request, code: str) -> Response:
        """Asks a supervisor to close the case, saying why (`reason_code`, the IOM guidance's reasons)
        and in words; closing as re-migrated records the move abroad given in `remigration`."""
        access = self._access(for_edit=True)
        serializer = ClosureRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.closure_move(
            actor=require_case_owner(request.user),
            case=access.case,
            move="request",
            reason=data["reason"],
            code=data["reason_code"],
            remigration=data.get("remigration") or None,
        )
        return self._state(case)

    @extend_schema(request=RemigrationSerializer, responses={201: RemigrationSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def remigrations(self, request: Request, code: str) -> Response:
        """Records that the returnee moved abroad again; the case stays open."""
        access = self._access(for_edit=True)
        serializer = RemigrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        remigration = services.remigration_record(
            actor=require_case_owner(request.user), case=access.case, **serializer.validated_data
        )
        return Response(RemigrationSerializer(remigration).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CaseStateSerializer, 403: None, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="lost-contact/close")
    def lost_contact_close(self, request: Request, code: str) -> Response:
        """A supervisor closes, as lost contact, a case whose follow-ups were missed in a row
        (settings.LOST_CONTACT_MISSED); 400 when they were not."""
        access = self._access(for_edit=True)
        return self._state(lost_contact.lost_contact_close(actor=require_case_owner(request.user), case=access.case))

    @extend_schema(request=None, responses={200: CaseStateSerializer, 403: None, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="lost-contact/dismiss")
    def lost_contact_dismiss(self, request: Request, code: str) -> Response:
        """A supervisor dismisses the lost-contact alert: contact is restored."""
        access = self._access(for_edit=True)
        return self._state(lost_contact.lost_contact_dismiss(actor=require_case_owner(request.user), case=access.case))

    @extend_schema(request=ClosureDecisionSerializer, responses={200: CaseStateSerializer, 403: None, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="closure/decision")
    def closure_decision(self, request: Request, code: str) -> Response:
        """A supervisor of the owning agency approves or refuses the requested closure (403 for
        anyone else of that agency)."""
        return self._case_move(request, services.closure_move, ClosureDecisionSerializer, "approve", decision=True)

    @extend_schema(request=ReasonSerializer, responses={200: CaseStateSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, code: str) -> Response:
        """Reopens a closed case at the stage it was closed from."""
        return self._case_move(request, services.closure_move, ReasonSerializer, "reopen")

    @extend_schema(request=ReasonSerializer, responses={200: CaseStateSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def erasure(self, request: Request, code: str) -> Response:
        """Asks, on the returnee's behalf, that their identifying data be erased; a supervisor confirms."""
        return self._case_move(request, erasure.erasure_move, ReasonSerializer, "request")

    @extend_schema(request=ErasureDecisionSerializer, responses={200: CaseStateSerializer, 403: None, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="erasure/decision")
    def erasure_decision(self, request: Request, code: str) -> Response:
        """A supervisor of the owning agency who did not ask confirms (the identifying data is
        destroyed for good; the case stays as de-identified statistics) or declines the erasure."""
        return self._case_move(request, erasure.erasure_move, ErasureDecisionSerializer, "confirm", decision=True)

    @extend_schema(responses={200: TimelineEventSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request: Request, code: str) -> Response:
        """The case's timeline in time order, as far as you may see it (any agency the case is
        referred to reads its own lines, the referral and stage lines and the shared categories').
        Not paginated: a case's timeline is read whole. The read is audited."""
        access = self._access(for_edit=False)
        events = selectors.case_timeline(access=access)
        selectors.audit_case_read(
            user=require_member(request.user), access=access, shown={"history", "return", "notes"}, via="api timeline"
        )
        return Response(TimelineEventSerializer(events, many=True, context={"access": access}).data)


# --- Consents ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("case", str, description="A case code")]),
)
class ConsentViewSet(PersonalReads, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The consents of your agency's cases (caseworkers and supervisors of the owning agency
    only; a consent of another agency's case is a 404)."""

    personal_data = ("cases.consent",)
    read_categories = ("consent",)
    serializer_class = ConsentSerializer
    lookup_value_regex = r"\d+"
    queryset = Consent.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self) -> QuerySet[Consent]:
        consents = Consent.objects.filter(case__in=_owned_cases(self.request.user).values("pk"))
        code = self.request.query_params.get("case", "")
        if code and self.action == "list":
            consents = consents.filter(case__code=code)
        return consents.select_related("case", "recipient_agency", "explained_by").order_by("-given_on", "-pk")

    @extend_schema(responses={201: ConsentSerializer, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        """Records the returnee's consent for one purpose; for sharing, name the agency (or type of
        agency) and the data categories."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = case_get_for_user(request.user, code=data.pop("case")["code"], for_edit=True)
        consent = services.consent_record(actor=require_case_owner(request.user), case=access.case, **data)
        return Response(self.get_serializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ConsentSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """Withdraws the consent: every referral that rested on it is revoked at once."""
        consent = self.get_object()
        consent = services.consent_withdraw(actor=require_case_owner(request.user), consent=consent)
        return Response(self.get_serializer(consent).data)


# --- Tasks -------------------------------------------------------------------------------------


def _agency_tasks(user: AnyUser) -> QuerySet[Task]:
    """Tasks belong to an agency: its caseworkers, supervisors and provider staff see them, on the
    cases the agency may still see (access.task_list_for_user)."""
    if not receives_cases(user) or user.agency_id is None:
        return Task.objects.none()
    return task_list_for_user(user)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("overdue", bool, description="Only open tasks past their due date"),
            OpenApiParameter("mine", bool, description="Only the tasks assigned to me"),
            OpenApiParameter("done", bool, description="Done tasks instead of open ones"),
        ]
    ),
)
class TaskViewSet(PersonalReads, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your agency's tasks and follow-ups."""

    # A task's title is free text about the person (encrypted at rest).
    personal_data = ("cases.task",)
    read_categories = ("task",)
    serializer_class = TaskSerializer
    lookup_value_regex = r"\d+"
    queryset = Task.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self) -> QuerySet[Task]:
        user = self.request.user
        tasks = _agency_tasks(user)
        if self.action != "list" or not is_member(user):
            return tasks
        mine = _flag(self.request, "mine")
        if _flag(self.request, "overdue"):
            tasks = selectors.overdue_tasks(user=user, agency_wide=not mine)
        else:
            tasks = tasks.filter(done_at__isnull=not _flag(self.request, "done"))
            if mine:
                tasks = tasks.filter(assignee=user)
        return tasks.select_related("case", "agency", "assignee").order_by("due_on", "pk")

    @extend_schema(responses={201: TaskSerializer, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        """Adds a task on a case you may see (the task is your agency's). Without an assignee it is
        for the whole agency."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = case_get_for_user(request.user, code=data.pop("case")["code"])
        task = tasks.task_create(actor=require_member(request.user), case=access.case, **data)
        return Response(self.get_serializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TaskSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str) -> Response:
        """Marks the task done (doing it twice changes nothing)."""
        task = self.get_object()
        task = tasks.task_done(actor=require_member(request.user), task=task)
        return Response(self.get_serializer(task).data)
