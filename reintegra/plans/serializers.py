"""Serializers of the plans API: they parse input and render output; the services check the rules.

A plan is rendered from the `PlanView` of `selectors.plan_view` (so every read is audited); the
flags come from that view, not from the plan. An assessment's answers are left out of the JSON
altogether unless the reader is of the owning agency (`context["own"]`).
"""

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reintegra.api import MovesField
from reintegra.cases.serializers import AgencySlugField
from reintegra.network.choices import Language

from .choices import ActionKind, AssessmentPoint, ContactMethod, Domain, PlanStatus, Priority
from .models import PLAN_DETAILS, Action, Assessment, ContactAttempt, Goal, Plan, PlanRevision, PriorityRanking
from .workflows import PLAN, parties_of

RANKING_CONTEXTS = [("intake", gettext_lazy("Intake")), ("review", gettext_lazy("Review"))]
# What `Action.progress` reads from the linked referral or task.
PROGRESS = [
    ("done", gettext_lazy("Done")),
    ("in_progress", gettext_lazy("In progress")),
    ("waiting", gettext_lazy("Waiting")),
    ("stopped", gettext_lazy("Stopped")),
    ("overdue", gettext_lazy("Overdue")),
    ("planned", gettext_lazy("Planned")),
]


class CaseCodeSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=16, help_text=gettext_lazy("A case code"))


# --- Priorities --------------------------------------------------------------------------------


class PriorityRankingSerializer(serializers.ModelSerializer):
    recorded_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    ranking = serializers.ListField(child=serializers.ChoiceField(choices=Priority.choices), read_only=True)
    words = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text=gettext_lazy('In the returnee\'s own words: "overall", and a text per priority'),
    )
    top3 = serializers.ListField(child=serializers.ChoiceField(choices=Priority.choices), read_only=True)

    class Meta:
        model = PriorityRanking
        fields = ["id", "recorded_at", "recorded_by", "context", "ranking", "words", "top3"]
        read_only_fields = fields


class PriorityRecordSerializer(CaseCodeSerializer):
    ranking = serializers.ListField(
        child=serializers.ChoiceField(choices=Priority.choices),
        max_length=len(Priority.choices),
        help_text=gettext_lazy("The returnee's priorities, most important first"),
    )
    words = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=2000),
        required=False,
        default=dict,
        help_text=gettext_lazy('Their own words: "overall", and a text for any ranked priority'),
    )
    # The serializer metaclass takes declared fields off the class, so this does not hide
    # `Serializer.context`; mypy only sees the names clash.
    context = serializers.ChoiceField(choices=RANKING_CONTEXTS, default="review")  # type: ignore[assignment]


# --- Plans -------------------------------------------------------------------------------------


class ActionSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ActionKind.choices, read_only=True)
    responsible_agency: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    progress = serializers.ChoiceField(
        choices=PROGRESS, read_only=True, help_text=gettext_lazy("Read from the linked referral, task or enrolment")
    )
    # Each link is empty (null) until the action is carried out through a referral, task or enrolment.
    referral: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    task: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    enrolment: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "kind",
            "description",
            "responsible_agency",
            "target_date",
            "progress",
            "referral",
            "task",
            "enrolment",
            "done_at",
        ]
        read_only_fields = fields


class GoalSerializer(serializers.ModelSerializer):
    domain = serializers.ChoiceField(choices=Domain.choices, read_only=True)
    priorities = serializers.ListField(child=serializers.ChoiceField(choices=Priority.choices), read_only=True)
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = ["id", "domain", "description", "priorities", "target_date", "actions"]
        read_only_fields = fields


class FlagSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices, read_only=True)
    rank = serializers.IntegerField(read_only=True)
    critical = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("Income is a top-3 priority and the plan has no economic goal")
    )


class PlanRevisionSerializer(serializers.ModelSerializer):
    by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PlanRevision
        fields = ["revision", "event", "at", "by"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    """The plan with its goals and actions, the check's flags (in `context["flags"]`) and its revisions."""

    case = serializers.CharField(source="case.code", read_only=True)
    status = serializers.ChoiceField(choices=PlanStatus.choices, read_only=True)
    language = serializers.ChoiceField(choices=Language.choices, read_only=True)
    author: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    goals = GoalSerializer(many=True, read_only=True)
    flags = serializers.SerializerMethodField(
        help_text=gettext_lazy("Top-3 priorities of the latest ranking that no goal serves")
    )
    revisions = PlanRevisionSerializer(many=True, read_only=True)
    moves = MovesField(PLAN, parties_of)

    class Meta:
        model = Plan
        fields = [
            "case",
            "status",
            "moves",
            "revision",
            "version",
            "returnee_took_part",
            "returnee_agreed_on",
            "language",
            "author",
            "approved_by",
            "approved_at",
            "goals",
            "flags",
            "revisions",
        ]
        read_only_fields = fields

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, plan: Plan) -> list[dict[str, Any]]:
        return FlagSerializer(self.context.get("flags", []), many=True).data  # type: ignore[return-value]


class PlanStartSerializer(CaseCodeSerializer):
    language = serializers.ChoiceField(
        choices=Language.choices,
        required=False,
        default="",
        help_text=gettext_lazy("For the printed plan; the returnee's first language when not given"),
    )


class PlanUpdateSerializer(serializers.ModelSerializer):
    """Any of the plan's details (PLAN_DETAILS), against the version the edit was made on."""

    version = serializers.IntegerField(help_text=gettext_lazy("The version the edit was made against."))

    class Meta:
        model = Plan
        fields = ["version", *PLAN_DETAILS]
        extra_kwargs = {name: {"required": False} for name in PLAN_DETAILS}


class PlanSendBackSerializer(serializers.Serializer):
    # Not required here: the workflow asks for it (plans/workflows.py), after who may send back.
    reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("What the plan needs before it can be approved (required)"),
    )


class GoalAddSerializer(serializers.Serializer):
    domain = serializers.ChoiceField(choices=Domain.choices)
    description = serializers.CharField(max_length=1000)
    priorities = serializers.ListField(
        child=serializers.ChoiceField(choices=Priority.choices),
        required=False,
        default=list,
        help_text=gettext_lazy("The returnee's priorities this goal serves"),
    )
    target_date = serializers.DateField(required=False, allow_null=True, default=None)


class ActionAddSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    description = serializers.CharField(max_length=1000)
    responsible_agency = AgencySlugField()
    target_date = serializers.DateField(required=False, allow_null=True, default=None)
    referral = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("A referral of this case")
    )
    task = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("A task of this case")
    )
    enrolment = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("A livelihood enrolment of this case (required for a livelihood action)"),
    )


# --- Assessments -------------------------------------------------------------------------------


class ContactAttemptSerializer(serializers.ModelSerializer):
    """An attempt that did not reach the returnee for a follow-up (plans/attempts.py)."""

    how = serializers.ChoiceField(choices=ContactMethod.choices, read_only=True)
    by = serializers.IntegerField(source="by_id", read_only=True)

    class Meta:
        model = ContactAttempt
        fields = ["id", "on", "how", "note", "by", "at"]
        read_only_fields = fields


class NotReachedSerializer(serializers.Serializer):
    """Tried to reach the returnee for a follow-up and could not: the day, how, an optional note."""

    on = serializers.DateField(help_text=gettext_lazy("The day of the attempt: not in the future"))
    how = serializers.ChoiceField(choices=ContactMethod.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class AssessmentSerializer(serializers.ModelSerializer):
    """`answers` and the attempts that did not reach the person are sent only to the owning agency
    (`context["own"]`); others get the scores."""

    point = serializers.ChoiceField(choices=AssessmentPoint.choices, read_only=True)
    # Not read-only, so that the schema marks it optional; this serializer only renders.
    answers = serializers.DictField(required=False, help_text=gettext_lazy("Only for the agency that owns the case"))
    not_reached = ContactAttemptSerializer(
        source="contact_attempts",
        many=True,
        required=False,
        help_text=gettext_lazy("Only for the agency that owns the case"),
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "point",
            "due_on",
            "done_on",
            "economic",
            "social",
            "psychosocial",
            "composite",
            "answers",
            "not_reached",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Assessment) -> dict[str, Any]:
        if self.context.get("own") is not True:
            # Not even read: the attempts are the owning agency's notes about reaching the person.
            fields = self.fields
            fields.pop("not_reached", None)
        data = super().to_representation(instance)
        if self.context.get("own") is not True:
            data.pop("answers", None)
        return data


class AssessmentRecordSerializer(serializers.Serializer):
    done_on = serializers.DateField()
    answers = serializers.DictField(
        help_text=gettext_lazy("One answer per indicator of the index (see docs/reintegration-index.md)")
    )
