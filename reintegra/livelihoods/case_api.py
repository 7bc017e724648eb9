"""REST endpoints of a returnee's livelihood: the skills profile, enrolments and income follow-ups.

Cases are reached through the access helpers: a case the user may not see, or whose "livelihood"
category is not shared with their agency, is a 404. Enrolments are reached through
`enrolment_get_for_user`: the provider of an option sees only the people referred to it. Every read of
personal data is written to the audit log.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import (
    EnrolmentAccess,
    agency_get_for_user,
    case_get_for_user,
    enrolment_get_for_user,
    enrolment_grants_for_user,
    follow_up_list_for_user,
    keeps_cases,
    opportunity_get_for_user,
    receives_cases,
    referral_get_for_user,
    require_member,
)
from reintegra.accounts.reads import note_read
from reintegra.api import conflict_response
from reintegra.cases.choices import DataCategory
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.lists import Merged
from reintegra.plans import attempts
from reintegra.plans.models import ContactAttempt
from reintegra.plans.serializers import ContactAttemptSerializer, NotReachedSerializer

from . import enrolments, handover, selectors, skills
from .choices import EnrolmentStatus
from .models import (
    FOLLOW_UP_FIELDS,
    PLACEMENT_FIELDS,
    PROFILE_FIELDS,
    Enrolment,
    IncomeFollowUp,
    SkillsProfile,
    values_of,
)
from .recommendations import recommendations_for
from .serializers import (
    EnrolmentSerializer,
    FollowUpRecordSerializer,
    FollowUpSerializer,
    MoveSerializer,
    PlacementSerializer,
    PlacementWriteSerializer,
    RecommendationSerializer,
    RecommendSerializer,
    SkillsProfileSerializer,
    StipendSerializer,
)


def _audit_list(request: Request, object_type: str, codes: list[str]) -> None:
    note_read(
        actor=require_member(request.user),
        object_type=object_type,
        object_id="list",
        categories=["livelihood"],
        details={"cases": codes[:100], "via": "api"},
    )


class SkillsViewSet(viewsets.GenericViewSet):
    """Skills, aptitudes and aspirations, one profile per case (`/skills/{case code}/`)."""

    personal_data = ("livelihoods.skillsprofile",)
    serializer_class = SkillsProfileSerializer
    queryset = SkillsProfile.objects.none()
    lookup_field = "case"
    lookup_value_regex = "[A-Za-z0-9-]+"

    def _access(self, code: str, *, for_edit: bool = False) -> Any:
        access = case_get_for_user(self.request.user, code=code, for_edit=for_edit)
        if not access.sees(DataCategory.LIVELIHOOD):
            raise Http404
        return access

    def list(self, request: Request) -> Response:
        """The profiles of your agency's cases."""
        user = require_member(request.user)
        profiles: QuerySet[SkillsProfile] = SkillsProfile.objects.none()
        if keeps_cases(user) and user.agency_id is not None:
            profiles = SkillsProfile.objects.filter(case__agency_id=user.agency_id).select_related("case")
        page = self.paginate_queryset(profiles.order_by("-updated_at"))
        listed = list(page if page is not None else profiles)
        _audit_list(request, "livelihoods.skillsprofile", [p.case.code for p in listed])
        return self.get_paginated_response(self.get_serializer(listed, many=True).data)

    def retrieve(self, request: Request, case: str) -> Response:
        access = self._access(case)
        view = selectors.livelihood_view(user=request.user, access=access, via="api")
        if view.profile is None:
            raise Http404
        return Response(self.get_serializer(view.profile).data)

    @extend_schema(request=SkillsProfileSerializer, responses=SkillsProfileSerializer)
    def update(self, request: Request, case: str, partial: bool = False) -> Response:
        """Creates or updates the profile; send `version` when updating."""
        access = self._access(case, for_edit=True)
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        for key in ("experience", "aspirations"):
            if key in data:
                data[key] = [dict(entry) for entry in data[key]]
        current = getattr(access.case, "skills_profile", None)  # what is not sent stays as it is
        data = (values_of(current, PROFILE_FIELDS) if current is not None else {}) | data
        try:
            profile = skills.profile_save(actor=require_member(request.user), access=access, version=version, **data)
        except EditConflict as exc:
            return conflict_response(exc)
        return Response(self.get_serializer(profile).data)

    def partial_update(self, request: Request, case: str) -> Response:
        return self.update(request, case, partial=True)


@extend_schema(
    parameters=[
        OpenApiParameter("case", str, description="Only this case's enrolments"),
        OpenApiParameter("status", str, enum=EnrolmentStatus.values),
    ]
)
class EnrolmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A person on a livelihood option, from recommendation to placement. The case's agency
    recommends and records the returnee's decision; the provider's staff record enrolment, stipends,
    drop-out, completion and placement for the people referred to them."""

    personal_data = ("livelihoods.enrolment",)
    serializer_class = EnrolmentSerializer
    queryset = Enrolment.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Merged[Enrolment]:  # type: ignore[override]  # a page at a time (lib/lists.py)
        params = self.request.query_params
        status_filter = params.get("status", "")
        # The follow-ups nested in each enrolment pass their own endpoint's rule (and the serializer's grant).
        follow_ups = Prefetch(
            "follow_ups", queryset=follow_up_list_for_user(self.request.user).prefetch_related("contact_attempts")
        )
        return selectors.enrolments_for_user(
            user=self.request.user,
            status=status_filter if status_filter in EnrolmentStatus.values else "",
            case_code=params.get("case", "")[:40],
            rows=Enrolment.objects.select_related(
                "case__agency", "opportunity__provider", "placement"
            ).prefetch_related("stipend_payments", follow_ups),
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # (The pagination reads a Merged list as it reads a queryset: its count and a slice.)
        page: list[Enrolment] | None = self.paginate_queryset(self.get_queryset())  # type: ignore[arg-type]
        listed = list(page or [])
        _audit_list(request, "livelihoods.enrolment", sorted({e.case.code for e in listed}))
        grants = enrolment_grants_for_user(request.user, listed)
        return self.get_paginated_response(self.get_serializer(listed, many=True, context=self._context(grants)).data)

    def _context(self, grants: dict[int, EnrolmentAccess]) -> dict[str, Any]:
        return self.get_serializer_context() | {"grants": grants}

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._fresh(pk)

    @extend_schema(
        request=RecommendSerializer,
        responses={
            201: EnrolmentSerializer,
            404: OpenApiResponse(description="No such case, referral or option among those you may use."),
        },
    )
    def create(self, request: Request) -> Response:
        """Puts an option before the returnee; a declined option needs `asked_by_returnee`. The agency
        an active referral went to gives the `referral` instead of the case, one of its own options,
        and where the person stands (`to`: offered, accepted or enrolled; decisions/0018)."""
        user = require_member(request.user)
        serializer = RecommendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "referral" in data:
            referral = referral_get_for_user(user, referral_id=data["referral"])
            enrolment = handover.enrolment_from_referral(
                actor=user,
                referral=referral,
                opportunity=opportunity_get_for_user(user, opportunity_id=data["opportunity"]),
                to=data["to"],
                on=data.get("on"),
            )
            return self._fresh(str(enrolment.pk), code=status.HTTP_201_CREATED)
        access = case_get_for_user(user, code=data["case"], for_edit=True)
        opportunity = opportunity_get_for_user(user, opportunity_id=data["opportunity"])
        enrolment = enrolments.enrolment_recommend(
            actor=user, access=access, opportunity=opportunity, asked_by_returnee=data["asked_by_returnee"]
        )
        return Response(self.get_serializer(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("case", str, required=True, description="A case code")],
        responses=RecommendationSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def recommendations(self, request: Request) -> Response:
        """The open options with the best chance of a decent income for this returnee, with the reasons;
        for the case's own agency only. Put one forward with POST /enrolments/."""
        code = request.query_params.get("case", "")[:40]
        access = case_get_for_user(request.user, code=code)
        # Refused (another agency's case) before the audited read: a refusal writes nothing.
        recommended, predictor = recommendations_for(access=access)
        selectors.livelihood_view(user=request.user, access=access, via="api")  # the audited read
        return Response(
            {
                "method": predictor.method,
                "outcomes": predictor.outcomes,
                "results": RecommendationSerializer(recommended, many=True).data,
            }
        )

    def _fresh(self, pk: str, code: int = status.HTTP_200_OK) -> Response:
        access = enrolment_get_for_user(self.request.user, enrolment_id=int(pk))
        enrolment = selectors.enrolment_view(user=self.request.user, access=access, via="api")
        return Response(self.get_serializer(enrolment, context=self._context({enrolment.pk: access})).data, status=code)

    @extend_schema(request=MoveSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str) -> Response:
        """One step: offered, accepted, declined (with the returnee's reason), enrolled, dropped_out
        (with the reason) or completed; withdrawn (an offer not yet answered, by a supervisor of the
        case's agency, with the reason). Completion schedules the income follow-ups."""
        access = enrolment_get_for_user(request.user, enrolment_id=int(pk))
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            moved = enrolments.enrolment_move(
                actor=require_member(request.user),
                access=access,
                to=data["to"],
                on=data.get("on"),
                reason=data.get("reason", ""),
                version=data["version"],
            )
        except EditConflict as exc:
            return conflict_response(exc)
        try:
            return self._fresh(pk)
        except Http404:
            # The step closed the last of the work a provider kept after its referral (decisions/0018):
            # it is answered with what it recorded, and no further move.
            return Response(self.get_serializer(moved, context=self._context({})).data)

    @extend_schema(request=StipendSerializer, responses={201: StipendSerializer})
    @action(detail=True, methods=["post"])
    def stipends(self, request: Request, pk: str) -> Response:
        access = enrolment_get_for_user(request.user, enrolment_id=int(pk))
        serializer = StipendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = enrolments.stipend_record(
            actor=require_member(request.user),
            access=access,
            paid_on=data["paid_on"],
            amount=data["amount"],
            currency=data.get("currency", ""),
        )
        return Response(StipendSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlacementWriteSerializer, responses=PlacementSerializer)
    @action(detail=True, methods=["put"])
    def placement(self, request: Request, pk: str) -> Response:
        """Records where the option led (and marks the enrolment placed), or corrects it with `version`."""
        access = enrolment_get_for_user(request.user, enrolment_id=int(pk))
        serializer = PlacementWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        employer = data.pop("employer", "")
        current = getattr(access.enrolment, "placement", None)  # a correction keeps what is not sent
        data = (values_of(current, PLACEMENT_FIELDS) if current is not None else {}) | data
        data["employer"] = agency_get_for_user(request.user, slug=employer) if employer else None
        try:
            placement = enrolments.placement_record(
                actor=require_member(request.user), access=access, version=version, **data
            )
        except EditConflict as exc:
            return conflict_response(exc)
        return Response(PlacementSerializer(placement).data)


@extend_schema(parameters=[OpenApiParameter("open", bool, description="Only follow-ups not yet done")])
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Income follow-ups 1, 3, 6 and 12 months after completion or start of work: of your agency's
    cases, and of the people on your agency's options that you still follow (decisions/0018)."""

    personal_data = ("livelihoods.incomefollowup",)
    serializer_class = FollowUpSerializer
    queryset = IncomeFollowUp.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[IncomeFollowUp]:
        user = self.request.user
        if not receives_cases(user):
            return IncomeFollowUp.objects.none()
        rows = follow_up_list_for_user(user).select_related("enrolment__case").prefetch_related("contact_attempts")
        if self.request.query_params.get("open") in ("1", "true"):
            rows = rows.filter(done_on__isnull=True)
        return rows.order_by("due_on", "pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        listed = list(page or [])
        _audit_list(request, "livelihoods.incomefollowup", sorted({f.enrolment.case.code for f in listed}))
        return self.get_paginated_response(self.get_serializer(listed, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        follow_up = get_object_or_404(self.get_queryset(), pk=int(kwargs["pk"]))
        selectors.enrolment_view(
            user=request.user,
            access=enrolment_get_for_user(request.user, enrolment_id=follow_up.enrolment_id),
            via="api",
        )
        return Response(self.get_serializer(follow_up).data)

    @extend_schema(request=FollowUpRecordSerializer, responses=FollowUpSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Records work and income at this point; closes its task."""
        follow_up = get_object_or_404(self.get_queryset(), pk=int(pk))
        access = enrolment_get_for_user(request.user, enrolment_id=follow_up.enrolment_id)
        serializer = FollowUpRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = values_of(follow_up, FOLLOW_UP_FIELDS) | dict(serializer.validated_data)
        follow_up = enrolments.follow_up_record(
            actor=require_member(request.user), access=access, follow_up=follow_up, **data
        )
        return Response(self.get_serializer(follow_up).data)

    @extend_schema(
        request=NotReachedSerializer,
        responses={
            201: ContactAttemptSerializer,
            400: OpenApiResponse(
                description="A day in the future or before the case was opened, or the follow-up already done."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="not-reached", url_name="not-reached")
    def not_reached(self, request: Request, pk: str) -> Response:
        """Records an attempt that did not reach the returnee, by whoever records the follow-up: until the
        follow-up is done it counts as missed at once (the supervisors' lost-contact queue)."""
        follow_up = get_object_or_404(self.get_queryset(), pk=int(pk))
        access = enrolment_get_for_user(request.user, enrolment_id=follow_up.enrolment_id)
        serializer = NotReachedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attempt = attempts.follow_up_not_reached(
            actor=require_member(request.user), access=access, follow_up=follow_up, **serializer.validated_data
        )
        return Response(ContactAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="The attempt is removed."),
            400: OpenApiResponse(description="The follow-up is already done: its attempts stay."),
            403: OpenApiResponse(description="Someone else recorded the attempt."),
        },
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"not-reached/(?P<attempt_id>[0-9]+)",
        url_name="not-reached-remove",
    )
    def not_reached_remove(self, request: Request, pk: str, attempt_id: str) -> Response:
        """Takes back an attempt recorded by mistake, by whoever recorded it, while the follow-up is open."""
        follow_up = get_object_or_404(self.get_queryset(), pk=int(pk))
        access = enrolment_get_for_user(request.user, enrolment_id=follow_up.enrolment_id)
        try:
            attempts.follow_up_attempt_remove(
                actor=require_member(request.user), access=access, follow_up=follow_up, attempt_id=int(attempt_id)
            )
        except ContactAttempt.DoesNotExist:
            raise exceptions.NotFound(_("No such attempt on this follow-up.")) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
