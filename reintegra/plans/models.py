import datetime
from collections.abc import Callable
from typing import Any, Final, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.lib import clock
from reintegra.lib.fields import EncryptedJSONField, EncryptedTextField, StampField
from reintegra.lib.validators import (
    CHOICE_ERRORS,
    FiniteRange,
    TextLength,
    ValuesIn,
    validate_no_markup,
    validate_not_future,
)
from reintegra.network.choices import Language

from .choices import ActionKind, AssessmentPoint, ContactMethod, Domain, PlanStatus, Priority, RankingContext

DESCRIPTION: list[Callable[[str], None]] = [TextLength(1000), validate_no_markup]
WORDS_LIMIT = 2000


RANK_ONE = _("Rank at least one priority, in the returnee's order.")


def validate_ranking(value: list[str]) -> None:
    if not value:
        raise ValidationError(RANK_ONE, code="empty")
    if len(set(value)) != len(value):
        raise ValidationError(_("Each priority appears once in a ranking."), code="repeated")


class PriorityRanking(models.Model):
    """The returnee's ranked priorities at one moment (intake or a review), in their own words.
    Rankings are never edited: a new one is recorded, and the history stays."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="priority_rankings")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    context = models.CharField(
        _("context"), max_length=16, choices=RankingContext.choices, error_messages=CHOICE_ERRORS
    )
    ranking = models.JSONField(
        _("priorities, most important first"),
        default=list,
        validators=[validate_ranking, ValuesIn(Priority)],
        error_messages={"blank": RANK_ONE},
    )
    # {"overall": "...", "<priority>": "..."}: their own words, encrypted (they may name people).
    words = EncryptedJSONField(_("in their own words"), default=dict)

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.recorded_at:%Y-%m-%d}"

    @property
    def top3(self) -> list[str]:
        return list(self.ranking[:3])

    def clean(self) -> None:
        """Their words speak of the whole ("overall") or of a priority they ranked."""
        errors: dict[str, list[str]] = {}
        unranked = [key for key in self.words if key != "overall" and key not in self.ranking]
        if unranked:
            errors["words"] = [str(_("Unknown value(s): %(values)s.") % {"values": ", ".join(unranked)})]
        for key, text in self.words.items():
            try:
                TextLength(WORDS_LIMIT)(text)
                validate_no_markup(text)
            except ValidationError as exc:
                errors[f"words.{key}"] = exc.messages
        if errors:
            raise ValidationError(errors)


class PlanDetails(TypedDict, total=False):
    """What the plan's page and endpoint edit beside its goals: each writer gives any of them."""

    returnee_took_part: bool
    returnee_agreed_on: datetime.date | None
    language: str


PLAN_DETAILS: Final = tuple(PlanDetails.__annotations__)


class Plan(models.Model):
    """The case's reintegration plan: goals per domain and actions under them."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="plan")
    # The case's agency, kept beside it (set when the plan starts, moved with a transfer of the case):
    # the plans waiting for an agency's supervisors are read by an index of their own, oldest first,
    # rather than by joining every case of the network (at a million, 0.7 s for a supervisor's home).
    agency = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returnee_took_part = models.BooleanField(_("the returnee took part in making the plan"), default=False)
    returnee_agreed_on = models.DateField(
        _("the returnee agreed on"), null=True, blank=True, validators=[validate_not_future]
    )
    language = models.CharField(
        _("the returnee's language, for the printed plan"),
        max_length=8,
        default="en",
        choices=Language.choices,
        error_messages=CHOICE_ERRORS,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    version = models.PositiveIntegerField(default=1)
    updated_at = StampField(auto_now=True)

    class Meta:
        # The plans waiting for an agency's approval, oldest first (the home page's queue, the caseload
        # dashboard's count and oldest). It holds who wrote and who submitted each, whom the queue
        # leaves out (the person who asks never approves): on PostgreSQL the queue is counted from the
        # index alone (at a million, 63,331 plans waiting: 80 ms → 20 ms).
        indexes = [
            models.Index(
                fields=["agency", "updated_at", "id"],
                include=["author", "submitted_by"],
                condition=models.Q(status=PlanStatus.SUBMITTED),
                name="plan_submitted",
            )
        ]

    def __str__(self) -> str:
        return f"plan {self.case} r{self.revision}"


class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices, error_messages=CHOICE_ERRORS)
    description = EncryptedTextField(
        _("goal"), validators=DESCRIPTION, error_messages={"blank": _("Describe the goal.")}
    )
    priorities = models.JSONField(_("serves the priorities"), default=list, blank=True, validators=[ValuesIn(Priority)])
    target_date = models.DateField(_("target date"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.domain} goal"


class Action(models.Model):
    """A step towards a goal. Its progress comes from the record it links to, when there is one."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=16, choices=ActionKind.choices, error_messages=CHOICE_ERRORS)
    description = EncryptedTextField(
        _("action"), validators=DESCRIPTION, error_messages={"blank": _("Describe the action.")}
    )
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.SET_NULL, null=True, blank=True, related_name="plan_actions"
    )
    task = models.ForeignKey(
        "cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="plan_actions"
    )
    service = models.ForeignKey("network.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    enrolment = models.ForeignKey(
        "livelihoods.Enrolment", on_delete=models.SET_NULL, null=True, blank=True, related_name="plan_actions"
    )
    responsible_agency = models.ForeignKey(
        "network.Agency", verbose_name=_("responsible agency"), on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target_date", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} action"

    def clean(self) -> None:
        """An action of kind referral or livelihood stands for its record; its person is of its agency."""
        errors: dict[str, Any] = {}
        if self.kind == ActionKind.REFERRAL and self.referral_id is None:
            errors["referral"] = _("Link the referral this action stands for.")
        if self.kind == ActionKind.LIVELIHOOD and self.enrolment_id is None:
            errors["enrolment"] = _("Link the livelihood enrolment this action stands for.")
        if self.responsible_person is not None and self.responsible_person.agency_id != self.responsible_agency_id:
            errors["responsible_person"] = _("The responsible person works for another agency.")
        if errors:
            raise ValidationError(errors)

    @property
    def progress(self) -> str:
        """done, in_progress, waiting, stopped, overdue or planned, read from the linked record."""
        if self.enrolment is not None:
            return {
                "placed": "done",
                "completed": "done",
                "enrolled": "in_progress",
                "accepted": "in_progress",
                "offered": "waiting",
                "recommended": "waiting",
            }.get(self.enrolment.status, "stopped")
        if self.referral is not None:
            return {
                "completed": "done",
                "accepted": "in_progress",
                "in_progress": "in_progress",
                "pending": "waiting",
            }.get(self.referral.status, "stopped")
        done_at, due = (
            (self.task.done_at, self.task.due_on) if self.task is not None else (self.done_at, self.target_date)
        )
        if done_at is not None:
            return "done"
        return "overdue" if due is not None and due < clock.today() else "planned"


class PlanRevision(models.Model):
    """A snapshot of the plan as submitted or approved; revisions keep the history."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    event = models.CharField(max_length=16)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    snapshot = EncryptedJSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan} r{self.revision} {self.event}"


class Assessment(models.Model):
    """A reintegration sustainability assessment, due at baseline and 3, 6 and 12 months after return."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessments")
    point = models.CharField(_("when"), max_length=12, choices=AssessmentPoint.choices)
    due_on = models.DateField(_("due on"))
    task = models.OneToOneField("cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answers = EncryptedJSONField(default=dict)
    # Scores run from 0 to 1 (plans/scoring.py); a non-finite score is refused, never stored.
    economic = models.FloatField(null=True, blank=True, validators=[FiniteRange(0, 1)])
    social = models.FloatField(null=True, blank=True, validators=[FiniteRange(0, 1)])
    psychosocial = models.FloatField(null=True, blank=True, validators=[FiniteRange(0, 1)])
    composite = models.FloatField(null=True, blank=True, validators=[FiniteRange(0, 1)])

    class Meta:
        ordering = ["due_on"]
        constraints = [models.UniqueConstraint(fields=["case", "point"], name="assessment_point_unique")]

    def __str__(self) -> str:
        return f"{self.case} {self.point}"


class ContactAttempt(models.Model):
    """A follow-up that did not reach the returnee (issue 16): the caseworker tried, on a day, by phone,
    a visit or a message, and could not reach them. It belongs to one follow-up, a sustainability
    assessment or an income follow-up; until that follow-up is recorded it counts as missed at once
    (plans/lost_contact.py)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="contact_attempts")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="contact_attempts"
    )
    follow_up = models.ForeignKey(
        "livelihoods.IncomeFollowUp", on_delete=models.CASCADE, null=True, blank=True, related_name="contact_attempts"
    )
    on = models.DateField(_("day of the attempt"), validators=[validate_not_future])
    how = models.CharField(_("how you tried"), max_length=12, choices=ContactMethod.choices)
    note = EncryptedTextField(_("note"), blank=True, validators=[TextLength(300), validate_no_markup])
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = StampField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="contact_attempt_one_follow_up",
                condition=models.Q(assessment__isnull=False, follow_up__isnull=True)
                | models.Q(assessment__isnull=True, follow_up__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.on} {self.how}"
