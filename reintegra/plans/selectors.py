"""Reads of priorities, plans and assessments: only for those who may see the case's "plan"
category (its own agency, or an agency whose active referral shares it). Reads are audited."""

from dataclasses import dataclass

from django.http import Http404
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reintegra.access import AnyUser, CaseAccess, case_get_for_user, case_list_for_user, require_member
from reintegra.accounts.reads import note_read
from reintegra.cases.choices import DataCategory
from reintegra.lib import dates
from reintegra.lib.charts import Series, line_chart

from .checks import Flag, plan_flags
from .models import Assessment, Plan, PriorityRanking


def plan_access(*, user: AnyUser, code: str, for_edit: bool = False) -> CaseAccess:
    access = case_get_for_user(user, code=code, for_edit=for_edit)
    if not access.sees(DataCategory.PLAN):
        raise Http404
    return access


@dataclass
class PlanView:
    access: CaseAccess
    plan: Plan | None
    rankings: list[PriorityRanking]
    assessments: list[Assessment]
    flags: list[Flag]

    @property
    def ranking(self) -> PriorityRanking | None:
        return self.rankings[0] if self.rankings else None


def plan_view(*, user: AnyUser, access: CaseAccess, via: str) -> PlanView:
    case = access.case
    plan = Plan.objects.filter(case=case).select_related("author", "approved_by").first()
    rankings = list(PriorityRanking.objects.filter(case=case).select_related("recorded_by"))
    assessments = list(Assessment.objects.filter(case=case))
    note_read(
        actor=require_member(user),
        obj=case,
        categories=["plan"],
        details={"code": case.code, "via": via},
    )
    return PlanView(
        access=access,
        plan=plan,
        rankings=rankings,
        assessments=assessments,
        flags=plan_flags(plan=plan, ranking=rankings[0] if rankings else None),
    )


def assessment_get_for_user(user: AnyUser, *, assessment_id: int, for_edit: bool) -> tuple[CaseAccess, Assessment]:
    """An assessment, through the access helpers of its case: 404 outside the user's scope.
    (The case is found among the user's cases first, so the id alone reveals nothing.)"""
    code = (
        Assessment.objects.filter(pk=assessment_id, case__in=case_list_for_user(user))
        .values_list("case__code", flat=True)
        .first()
    )
    if code is None:
        raise Http404
    access = plan_access(user=user, code=code, for_edit=for_edit)
    assessment = Assessment.objects.filter(case=access.case, pk=assessment_id).first()
    if assessment is None:
        raise Http404
    return access, assessment


def assessment_chart(assessments: list[Assessment]) -> SafeString | None:
    """The economic, social and psychosocial scores over time (0 to 1), as an SVG chart."""
    done = sorted((a for a in assessments if a.done_on is not None), key=lambda a: (a.done_on, a.pk))
    if not done:
        return None

    def scores(field: str) -> list[float | None]:
        return [None if getattr(a, field) is None else round(getattr(a, field), 2) for a in done]

    return line_chart(
        title=str(_("Economic, social and psychosocial scores over time (0 to 1)")),
        labels=[dates.show_day(a.done_on) for a in done],  # type: ignore[arg-type]
        series=[
            Series(str(_("Economic")), scores("economic")),
            Series(str(_("Social")), scores("social")),
            Series(str(_("Psychosocial")), scores("psychosocial")),
        ],
        range_=(0, 1),
    )
