"""REST endpoints of priorities, reintegration plans and sustainability assessments.

Every case is reached through `selectors.plan_access`: a case the user may not see, or whose
"plan" category is not shared with their agency, is a 404; so is a change attempted by an agency
the case was only referred to. Reads go through `selectors.plan_view`, which writes them to the
audit log. A step refused whatever the object (approving without being a supervisor of the
owning agency) is a 403.
"""

from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from reintegra.access import CaseAccess, require_member
from reintegra.api import conflict_response
from reintegra.lib.concurrency import EditConflict

from . import attempts, selectors, services
from .models import Action, Assessment, ContactAttempt, Goal, Plan, PriorityRanking
from .serializers import (
    ActionAddSerializer,
    ActionSerializer,
    AssessmentRecordSerializer,
    AssessmentSerializer,
    ContactAttemptSerializer,
    GoalAddSerializer,
    GoalSerializer,
    NotReachedSerializer,
    PlanSendBackSerializer,
    PlanSerializer,
    PlanStartSerializer,
    PlanUpdateSerializer,
    PriorityRankingSerializer,
    PriorityRecordSerializer,
)

CONFLICT = OpenApiResponse(description="The plan changed since the given version (error with current_version).")
NOT_FOUND = OpenApiResponse(description="No such case (or plan), or its plan is not shared with you.")
NOT_OWN = OpenApiResponse(description="No such case, or not yours to change.")
CASE_PARAMETER = OpenApiParameter("case", str, required=True, description="A case code")


def _case_code(request: Request) -> str:
    code = request.query_params.get("case", "").strip()
    if not code:
        raise serializers.ValidationError({"case": [_("Name the case: ?case=CODE.")]})
    return code[:40]


def _plan(access: CaseAccess) -> Plan:
    """The plan of a case already reached through `plan_access`."""
    plan = Plan.objects.filter(case=access.case).first()
    if plan is None:
        raise exceptions.NotFound(_("This case has no plan yet."))
    return plan


def _rendered_plan(request: Request, access: CaseAccess, *, via: str) -> dict[str, Any]:
    """The plan as the API shows it; the read is written to the audit log first."""
    view = selectors.plan_view(user=request.user, access=access, via=via)
    if view.plan is None:
        raise exceptions.NotFound(_("This case has no plan yet."))
    prefetch_related_objects(
        [view.plan],
        "goals__actions__referral",
        "goals__actions__task",
        "goals__actions__responsible_agency",
        "revisions__by",
    )
    return PlanSerializer(view.plan, context={"request": request, "flags": view.flags}).data


# --- Priorities --------------------------------------------------------------------------------


class PriorityViewSet(viewsets.GenericViewSet):
    """The returnee's ranked priorities, in their own words. Rankings are never edited: a new one
    is recorded and the history stays."""

    personal_data = ("plans.priorityranking",)
    serializer_class = PriorityRankingSerializer
    queryset = PriorityRanking.objects.none()  # for the schema; every read goes through plan_view
    pagination_class = None

    @extend_schema(parameters=[CASE_PARAMETER], responses={200: PriorityRankingSerializer(many=True), 404: NOT_FOUND})
    def list(self, request: Request) -> Response:
        """Every ranking of the case, newest first (not paginated: a case has a handful). The read is audited."""
        access = selectors.plan_access(user=request.user, code=_case_code(request))
        view = selectors.plan_view(user=request.user, access=access, via="api priorities")
        return Response(PriorityRankingSerializer(view.rankings, many=True).data)

    @extend_schema(request=PriorityRecordSerializer, responses={201: PriorityRankingSerializer, 404: NOT_OWN})
    def create(self, request: Request) -> Response:
        """Records a new ranking (owning agency only)."""
        serializer = PriorityRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = selectors.plan_access(user=request.user, code=data.pop("case"), for_edit=True)
        record = services.priorities_record(actor=require_member(request.user), case=access.case, **data)
        return Response(PriorityRankingSerializer(record).data, status=status.HTTP_201_CREATED)


# --- Plans -------------------------------------------------------------------------------------

GOAL_ID = OpenApiParameter("goal_id", int, OpenApiParameter.PATH)
ACTION_ID = OpenApiParameter("action_id", int, OpenApiParameter.PATH)


@extend_schema_view(
    retrieve=extend_schema(responses={200: PlanSerializer, 404: NOT_FOUND}),
)
class PlanViewSet(viewsets.GenericViewSet):
    """The reintegration plan of a case, named by the case's code: goals per domain, actions under
    them, the check against the returnee's priorities (`flags`) and the revisions."""

    personal_data = ("plans.plan",)
    serializer_class = PlanSerializer
    queryset = Plan.objects.none()  # for the schema; every fetch goes through plan_access
    lookup_field = "case__code"
    lookup_url_kwarg = "code"
    lookup_value_regex = "[A-Za-z0-9-]+"

    def _access(self, *, for_edit: bool) -> CaseAccess:
        return selectors.plan_access(user=self.request.user, code=self.kwargs["code"], for_edit=for_edit)

    @extend_schema(request=PlanStartSerializer, responses={201: PlanSerializer, 404: NOT_OWN})
    def create(self, request: Request) -> Response:
        """Starts the case's plan (owning agency only); starting it again returns the same plan."""
        serializer = PlanStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = selectors.plan_access(user=request.user, code=serializer.validated_data["case"], for_edit=True)
        services.plan_start(
            actor=require_member(request.user), case=access.case, language=serializer.validated_data["language"]
        )
        return Response(_rendered_plan(request, access, via="api start"), status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, code: str) -> Response:
        """The plan; the read is audited."""
        return Response(_rendered_plan(request, self._access(for_edit=False), via="api"))

    @extend_schema(request=PlanUpdateSerializer, responses={200: PlanSerializer, 404: NOT_OWN, 409: CONFLICT})
    def partial_update(self, request: Request, code: str) -> Response:
        """Records the returnee's part in the plan and its language. Send the `version` you loaded;
        if someone saved in between, the answer is 409 and nothing is changed."""
        access = self._access(for_edit=True)
        serializer = PlanUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        try:
            services.plan_update(actor=require_member(request.user), plan=_plan(access), version=version, **data)
        except EditConflict as exc:
            return conflict_response(exc)
        return Response(_rendered_plan(request, access, via="api update"))

    @extend_schema(request=GoalAddSerializer, responses={201: GoalSerializer, 404: NOT_OWN})
    @action(detail=True, methods=["post"], url_path="goals")
    def goal_add(self, request: Request, code: str) -> Response:
        """Adds a goal; changing a submitted or approved plan starts its next revision."""
        access = self._access(for_edit=True)
        serializer = GoalAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_add(actor=require_member(request.user), plan=_plan(access), **serializer.validated_data)
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[GOAL_ID],
        request=ActionAddSerializer,
        responses={201: ActionSerializer, 404: NOT_OWN},
    )
    @action(detail=True, methods=["post"], url_path=r"goals/(?P<goal_id>\d+)/actions")
    def action_add(self, request: Request, code: str, goal_id: str) -> Response:
        """Adds an action to a goal. A linked referral or task must be one of this case's."""
        access = self._access(for_edit=True)
        goal = Goal.objects.filter(plan__case=access.case, pk=int(goal_id)).select_related("plan__case").first()
        if goal is None:
            raise exceptions.NotFound(_("No such goal in this plan."))
        serializer = ActionAddSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        referral_id, task_id, enrolment_id = data.pop("referral"), data.pop("task"), data.pop("enrolment")
        # Looked up among the case's own records only, so an id of another case reveals nothing.
        referral = access.case.referrals.filter(pk=referral_id).first() if referral_id is not None else None
        task = access.case.tasks.filter(pk=task_id).first() if task_id is not None else None
        enrolment = access.case.enrolments.filter(pk=enrolment_id).first() if enrolment_id is not None else None
        errors: dict[str, list[str]] = {}
        if enrolment_id is not None and enrolment is None:
            errors["enrolment"] = [_("This case has no enrolment %(id)s.") % {"id": enrolment_id}]
        if referral_id is not None and referral is None:
            errors["referral"] = [_("This case has no referral %(id)s.") % {"id": referral_id}]
        if task_id is not None and task is None:
            errors["task"] = [_("This case has no task %(id)s.") % {"id": task_id}]
        if errors:
            raise serializers.ValidationError(errors)
        created = services.action_add(
            actor=require_member(request.user), goal=goal, referral=referral, task=task, enrolment=enrolment, **data
        )
        return Response(ActionSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ACTION_ID], request=None, responses={200: ActionSerializer, 404: NOT_OWN})
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_id>\d+)/done")
    def action_done(self, request: Request, code: str, action_id: str) -> Response:
        """Marks an action done (doing it twice changes nothing). An action linked to a referral or
        a task takes its progress from that record instead."""
        access = self._access(for_edit=True)
        found = (
            Action.objects.filter(goal__plan__case=access.case, pk=int(action_id))
            .select_related("referral", "task", "responsible_agency")
            .first()
        )
        if found is None:
            raise exceptions.NotFound(_("No such action in this plan."))
        done = services.action_done(actor=require_member(request.user), action=found)
        return Response(ActionSerializer(done).data)

    @extend_schema(request=None, responses={200: PlanSerializer, 404: NOT_OWN})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, code: str) -> Response:
        """Submits the draft for approval: the returnee took part and agreed, and there is a goal."""
        access = self._access(for_edit=True)
        services.plan_move(actor=require_member(request.user), plan=_plan(access), move="submit")
        return Response(_rendered_plan(request, access, via="api submit"))

    @extend_schema(
        request=None,
        responses={
            200: PlanSerializer,
            400: OpenApiResponse(description="Not submitted, or you wrote or submitted it."),
            403: OpenApiResponse(description="Only a supervisor of the owning agency approves."),
            404: NOT_OWN,
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, code: str) -> Response:
        """A supervisor of the owning agency approves a submitted plan; never its author or submitter."""
        access = self._access(for_edit=True)
        services.plan_move(actor=require_member(request.user), plan=_plan(access), move="approve")
        return Response(_rendered_plan(request, access, via="api approve"))

    @extend_schema(
        request=PlanSendBackSerializer,
        responses={
            200: PlanSerializer,
            400: OpenApiResponse(description="No reason (the field `reason` says so), or the plan is not submitted."),
            403: OpenApiResponse(
                description="Only a supervisor of the owning agency who neither wrote nor submitted it sends it back."
            ),
            404: NOT_OWN,
        },
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, code: str) -> Response:
        """A supervisor of the owning agency, who neither wrote nor submitted the plan, sends it back
        to draft with a `reason` (kept on the case's timeline); the next revision starts."""
        access = self._access(for_edit=True)
        serializer = PlanSendBackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.plan_move(
            actor=require_member(request.user),
            plan=_plan(access),
            move="send_back",
            reason=serializer.validated_data["reason"],
        )
        return Response(_rendered_plan(request, access, via="api send back"))


# --- Assessments -------------------------------------------------------------------------------


class AssessmentViewSet(viewsets.GenericViewSet):
    """Reintegration sustainability assessments, due at baseline and 3, 6 and 12 months after
    the return. Their answers go only to the agency that owns the case; others see the scores."""

    personal_data = ("plans.assessment",)
    serializer_class = AssessmentSerializer
    queryset = Assessment.objects.none()  # for the schema; every fetch goes through plan_access
    lookup_value_regex = r"\d+"
    pagination_class = None

    @extend_schema(parameters=[CASE_PARAMETER], responses={200: AssessmentSerializer(many=True), 404: NOT_FOUND})
    def list(self, request: Request) -> Response:
        """The case's assessments by due date (not paginated: a case has four). The read is audited."""
        access = selectors.plan_access(user=request.user, code=_case_code(request))
        view = selectors.plan_view(user=request.user, access=access, via="api assessments")
        if access.own:
            prefetch_related_objects(view.assessments, "contact_attempts")
        return Response(AssessmentSerializer(view.assessments, many=True, context={"own": access.own}).data)

    @extend_schema(
        request=AssessmentRecordSerializer,
        responses={
            200: AssessmentSerializer,
            400: OpenApiResponse(description="An answer out of range or missing: the field names the indicator."),
            404: NOT_OWN,
        },
    )
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str) -> Response:
        """Records the answers (owning agency only); the index is computed from them."""
        access, assessment = selectors.assessment_get_for_user(request.user, assessment_id=int(pk), for_edit=True)
        serializer = AssessmentRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.assessment_record(
            actor=require_member(request.user), assessment=assessment, **serializer.validated_data
        )
        return Response(AssessmentSerializer(assessment, context={"own": access.own}).data)

    @extend_schema(
        request=NotReachedSerializer,
        responses={
            201: ContactAttemptSerializer,
            400: OpenApiResponse(
                description="A day in the future or before the case was opened, or the assessment already done."
            ),
            404: NOT_OWN,
        },
    )
    @action(detail=True, methods=["post"], url_path="not-reached", url_name="not-reached")
    def not_reached(self, request: Request, pk: str) -> Response:
        """Records an attempt that did not reach the returnee (owning agency only): until the assessment
        is done it counts as a missed follow-up at once (the supervisors' lost-contact queue)."""
        access, assessment = selectors.assessment_get_for_user(request.user, assessment_id=int(pk), for_edit=True)
        serializer = NotReachedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attempt = attempts.assessment_not_reached(
            actor=require_member(request.user), access=access, assessment=assessment, **serializer.validated_data
        )
        return Response(ContactAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="The attempt is removed."),
            400: OpenApiResponse(description="The assessment is already done: its attempts stay."),
            403: OpenApiResponse(description="Someone else recorded the attempt."),
            404: NOT_OWN,
        },
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"not-reached/(?P<attempt_id>[0-9]+)",
        url_name="not-reached-remove",
    )
    def not_reached_remove(self, request: Request, pk: str, attempt_id: str) -> Response:
        """Takes back an attempt recorded by mistake, by whoever recorded it, while the assessment is open."""
        access, assessment = selectors.assessment_get_for_user(request.user, assessment_id=int(pk), for_edit=True)
        try:
            attempts.assessment_attempt_remove(
                actor=require_member(request.user), access=access, assessment=assessment, attempt_id=int(attempt_id)
            )
        except ContactAttempt.DoesNotExist:
            raise exceptions.NotFound(_("No such attempt on this follow-up.")) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
