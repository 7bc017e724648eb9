from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.lib.fields import EncryptedJSONField, EncryptedTextField

from .choices import ActionKind, AssessmentPoint, Domain, PlanStatus, RankingContext


class PriorityRanking(models.Model):
    """The returnee's ranked priorities at one moment (intake or a review), in their own words.
    Rankings are never edited: a new one is recorded, and the history stays."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="priority_rankings")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    context = models.CharField(_("context"), max_length=16, choices=RankingContext.choices)
    ranking = models.JSONField(_("priorities, most important first"), default=list)
    # {"overall": "...", "<priority>": "..."}: their own words, encrypted (they may name people).
    words = EncryptedJSONField(_("in their own words"), default=dict)

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.recorded_at:%Y-%m-%d}"

    @property
    def top3(self) -> list[str]:
        return list(self.ranking[:3])


class Plan(models.Model):
    """The case's reintegration plan: goals per domain and actions under them."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="plan")
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returnee_took_part = models.BooleanField(_("the returnee took part in making the plan"), default=False)
    returnee_agreed_on = models.DateField(_("the returnee agreed on"), null=True, blank=True)
    language = models.CharField(_("the returnee's language, for the printed plan"), max_length=8, default="en")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"plan {self.case} r{self.revision}"


class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices)
    description = EncryptedTextField(_("goal"))
    priorities = models.JSONField(_("serves the priorities"), default=list, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.domain} goal"


class Action(models.Model):
    """A step towards a goal. Its progress comes from the record it links to, when there is one."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=16, choices=ActionKind.choices)
    description = EncryptedTextField(_("action"))
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

    @property
    def progress(self) -> str:
        """done, in_progress, waiting, stopped, overdue or planned, read from the linked record."""
        from django.utils import timezone

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
        return "overdue" if due is not None and due < timezone.localdate() else "planned"


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
    economic = models.FloatField(null=True, blank=True)
    social = models.FloatField(null=True, blank=True)
    psychosocial = models.FloatField(null=True, blank=True)
    composite = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["due_on"]
        constraints = [models.UniqueConstraint(fields=["case", "point"], name="assessment_point_unique")]

    def __str__(self) -> str:
        return f"{self.case} {self.point}"
