import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from reintegra.access import (
    AnyUser,
    CaseAccess,
    EnrolmentAccess,
    enrolment_list_for_user,
    keeps_cases,
    require_member,
    require_programme_viewer,
)
from reintegra.accounts.reads import note_read
from reintegra.cases.choices import DataCategory
from reintegra.lib import clock, geo

from .choices import NO_PLACEMENT_ALERT_DAYS, EnrolmentStatus
from .models import Enrolment, IncomeFollowUp, LabourMarketDemand, Opportunity, SkillsProfile

# Aggregates only, no person: supervisors, M&E analysts and network coordinators.


def labour_market_list(
    *, user: AnyUser, country: str = "", area: str = "", isco: str = "", latest_only: bool = True
) -> QuerySet[LabourMarketDemand]:
    """Figures the network uses beside every option. Reference data: every member reads it."""
    require_member(user)
    figures = LabourMarketDemand.objects.all()
    if country:
        country = country.upper()
        figures = figures.filter(area__startswith=f"{country}-") | figures.filter(area=country)
    if area:
        figures = figures.filter(area__in=geo.area_ancestors(area.upper()) or [area.upper()])
    if isco:
        figures = figures.filter(isco=isco)
    if latest_only:
        newest = LabourMarketDemand.objects.filter(area=OuterRef("area"), isco=OuterRef("isco")).order_by("-as_of")
        figures = figures.filter(pk=Subquery(newest.values("pk")[:1]))
    return figures.order_by("area", "isco", "-as_of")


def demand_for(*, area: str, isco: str) -> LabourMarketDemand | None:
    """The newest figure for an occupation group in an area, else in the region around it."""
    for code in geo.area_ancestors(area) or [area]:
        figure = LabourMarketDemand.objects.filter(area=code, isco=isco).order_by("-as_of").first()
        if figure is not None:
            return figure
    return None


LONG_UNPAID_WEEKS = 8  # a course this long without a stipend is flagged: people must support a family


@dataclass
class OptionRow:
    opportunity: Opportunity
    demand: LabourMarketDemand | None

    @property
    def long_and_unpaid(self) -> bool:
        o = self.opportunity
        return (
            o.kind in ("vocational_training", "education")
            and not o.stipend_monthly
            and (o.duration_weeks or 0) >= LONG_UNPAID_WEEKS
        )


def opportunity_rows(
    *,
    user: AnyUser,
    kind: str = "",
    country: str = "",
    isco: str = "",
    opportunities: QuerySet[Opportunity] | None = None,
) -> list[OptionRow]:
    """Options with the newest local demand beside each (the area's, else its region's), in two queries."""
    require_member(user)
    options = opportunities if opportunities is not None else Opportunity.objects.filter(active=True)
    if kind:
        options = options.filter(kind=kind)
    if country:
        options = options.filter(provider__country=country.upper())
    if isco:
        options = options.filter(isco=isco)
    options_list = list(options.select_related("provider").order_by("area", "title"))
    chains = {o.pk: geo.area_ancestors(o.area) or [o.area] for o in options_list}
    codes = {c for chain in chains.values() for c in chain}
    newest: dict[tuple[str, str], LabourMarketDemand] = {}
    for figure in LabourMarketDemand.objects.filter(area__in=codes, isco__in={o.isco for o in options_list}).order_by(
        "as_of"
    ):
        newest[(figure.area, figure.isco)] = figure
    rows = []
    for option in options_list:
        demand = next((newest[(c, option.isco)] for c in chains[option.pk] if (c, option.isco) in newest), None)
        rows.append(OptionRow(opportunity=option, demand=demand))
    return rows


def placement_alerts(*, user: AnyUser, agency_wide: bool = False) -> QuerySet[Enrolment]:
    """Trainings completed NO_PLACEMENT_ALERT_DAYS ago or more with no placement: an alert to the
    case's caseworker (to its supervisors with `agency_wide`)."""
    if not keeps_cases(user) or user.agency_id is None:
        return Enrolment.objects.none()
    since = clock.today() - datetime.timedelta(days=NO_PLACEMENT_ALERT_DAYS)
    alerts = Enrolment.objects.filter(
        case__agency_id=user.agency_id, status=EnrolmentStatus.COMPLETED, ended_on__lte=since
    )
    if not agency_wide:
        alerts = alerts.filter(case__caseworker=user)
    return alerts.select_related("case", "opportunity").order_by("ended_on")


def enrolments_for_user(*, user: AnyUser, status: str = "") -> QuerySet[Enrolment]:
    """The enrolments a user works on: their agency's cases, and the people referred to their options."""
    enrolments = enrolment_list_for_user(user)
    if status:
        enrolments = enrolments.filter(status=status)
    return enrolments.select_related("case", "opportunity", "opportunity__provider").order_by("-updated_at")


@dataclass
class OptionOutcomes:
    opportunity: Opportunity
    counts: dict[str, int]
    placement_rate: float | None  # placed / (completed + placed + dropped out), None before anyone ends
    completion_rate: float | None  # (completed + placed) / (enrolled ever)


def option_outcomes(*, opportunities: list[Opportunity]) -> dict[int, OptionOutcomes]:
    """Counts per status, completion and placement rates per option, in one query."""
    counts: dict[int, dict[str, int]] = {o.pk: {} for o in opportunities}
    for row in (
        Enrolment.objects.filter(opportunity__in=opportunities)
        .values("opportunity_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts[row["opportunity_id"]][row["status"]] = row["n"]
    outcomes = {}
    for option in opportunities:
        c = counts[option.pk]
        placed, completed, dropped = (c.get(s, 0) for s in ("placed", "completed", "dropped_out"))
        ended = placed + completed + dropped
        enrolled_ever = ended + c.get("enrolled", 0)
        outcomes[option.pk] = OptionOutcomes(
            opportunity=option,
            counts=c,
            placement_rate=placed / ended if ended else None,
            completion_rate=(placed + completed) / enrolled_ever if enrolled_ever else None,
        )
    return outcomes


def programme_audit(*, user: AnyUser) -> dict[str, Any]:
    """What the programme offers and what it leads to: gender restrictions with their justification,
    long unpaid courses, and per option the declines, drop-outs, completions and placements."""
    member = require_programme_viewer(user)
    rows = opportunity_rows(user=member, opportunities=Opportunity.objects.all())
    outcomes = option_outcomes(opportunities=[r.opportunity for r in rows])
    return {
        "restricted": [r for r in rows if r.opportunity.gender_restriction],
        "long_unpaid": [r for r in rows if r.long_and_unpaid],
        "outcomes": [(r, outcomes[r.opportunity.pk]) for r in rows],
    }


@dataclass
class LivelihoodView:
    profile: SkillsProfile | None
    enrolments: list[Enrolment]
    declined: dict[int, Enrolment]  # option id → the returnee's decline, kept
    options: list[OptionRow]


def livelihood_view(*, user: AnyUser, access: CaseAccess, via: str) -> LivelihoodView:
    """A returnee's profile, enrolments and the options open to them; an audited read."""
    if not access.sees(DataCategory.LIVELIHOOD):
        raise Http404
    case = access.case
    member = require_member(user)
    enrolments = list(
        Enrolment.objects.filter(case=case)
        .select_related("opportunity", "opportunity__provider", "placement")
        .prefetch_related("follow_ups", "stipend_payments")
    )
    note_read(
        actor=member,
        obj=case,
        categories=["livelihood"],
        details={"code": case.code, "via": via},
    )
    options = opportunity_rows(user=member, country=case.agency.country) if access.own else []
    return LivelihoodView(
        profile=SkillsProfile.objects.filter(case=case).first(),
        enrolments=enrolments,
        declined={e.opportunity_id: e for e in enrolments if e.status == EnrolmentStatus.DECLINED},
        options=options,
    )


def enrolment_view(*, user: AnyUser, access: EnrolmentAccess, via: str) -> Enrolment:
    """One enrolment with its placement, payments and follow-ups; an audited read. The income
    follow-ups only when the grant reads them (`reads_income`, the follow-ups' own rule): else none."""
    follow_ups = IncomeFollowUp.objects.all() if access.reads_income else IncomeFollowUp.objects.none()
    enrolment = (
        Enrolment.objects.select_related("case", "case__returnee", "opportunity", "opportunity__provider")
        .prefetch_related(Prefetch("follow_ups", queryset=follow_ups), "stipend_payments")
        .get(pk=access.enrolment.pk)
    )
    note_read(
        actor=require_member(user),
        obj=enrolment,
        categories=["livelihood"],
        details={"case": enrolment.case.code, "via": via},
    )
    return enrolment
