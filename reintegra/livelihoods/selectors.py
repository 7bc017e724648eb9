import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from reintegra.access import (
    AnyUser,
    CaseAccess,
    EnrolmentAccess,
    enrolment_parts_for_user,
    keeps_cases,
    require_member,
    require_programme_viewer,
)
from reintegra.accounts.reads import note_read
from reintegra.cases.choices import DataCategory
from reintegra.insights import feedback as insights_feedback
from reintegra.insights.cubes import Table
from reintegra.lib import clock, geo
from reintegra.lib.lists import Merged

from . import scorecard
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


ALERTS_SHOWN = 50  # a list shows the oldest trainings completed without a placement, and how many


def placement_alerts(*, user: AnyUser, agency_wide: bool = False) -> QuerySet[Enrolment]:
    """Trainings completed NO_PLACEMENT_ALERT_DAYS ago or more with no placement: an alert to the
    case's caseworker (to its supervisors with `agency_wide`)."""
    if not keeps_cases(user) or user.agency_id is None:
        return Enrolment.objects.none()
    since = clock.today() - datetime.timedelta(days=NO_PLACEMENT_ALERT_DAYS)
    alerts = Enrolment.objects.filter(agency_id=user.agency_id, status=EnrolmentStatus.COMPLETED, ended_on__lte=since)
    if not agency_wide:
        alerts = alerts.filter(case__caseworker=user)
    return alerts.select_related("case", "opportunity").order_by("ended_on")


def enrolments_for_user(
    *, user: AnyUser, status: str = "", case_code: str = "", rows: QuerySet[Enrolment] | None = None
) -> Merged[Enrolment]:
    """The enrolments a user works on, last updated first: their agency's own cases, and the people
    referred to their options. The two parts of the access rule (access.enrolment_parts_for_user) are
    each read by an index of their own and merged (lib/lists.Merged): "own OR provided" made PostgreSQL
    join every case, at a million a supervisor's list 3.8 s and the API's count 4 s. `rows` says what is
    read with a page's enrolments (by default their case and option)."""
    parts = []
    for part in enrolment_parts_for_user(user):
        if status:
            part = part.filter(status=status)
        if case_code:
            part = part.filter(case__code=case_code)
        parts.append(part)
    if rows is None:
        rows = Enrolment.objects.select_related("case", "opportunity", "opportunity__provider")
    return Merged(*parts, rows=rows, by="updated_at")


def programme_audit(*, user: AnyUser, scope: scorecard.Scope | None = None) -> dict[str, Any]:
    """The programme scorecard of a scope (scorecard.py): the four failures as flagged indicators, in
    total, per provider and per area; beside it the options behind two of the flags, named (options
    are no people): those restricted to one gender with their justification, and the long trainings
    without a stipend. Figures only, no person."""
    require_programme_viewer(user)
    scope = scope or scorecard.Scope()
    options = scorecard.options_in(scope).select_related("provider").order_by("area", "title")
    unpaid = (Q(stipend_monthly__isnull=True) | Q(stipend_monthly=0)) & (
        Q(wage_monthly__isnull=True) | Q(wage_monthly=0)
    )
    return {
        "card": scorecard.scorecard(scope),
        "restricted": list(options.exclude(gender_restriction="")),
        "long_unpaid": list(
            options.filter(unpaid, kind__in=scorecard.TRAINING_KINDS, duration_weeks__gt=scorecard.LONG_TRAINING_WEEKS)
        ),
    }


def scorecard_json(scope: scorecard.Scope) -> dict[str, Any]:
    """The scorecard as its JSON gives it (the API and `reintegra audit programmes`): the four
    failures, and the returnees' feedback on the trainings and placements in scope (issue 16)."""
    body = scorecard.as_json(scorecard.scorecard(scope))
    body["feedback"] = insights_feedback.programme_json(insights_feedback.programme_feedback(scope))
    return body


def scorecard_csv(card: scorecard.Scorecard, feedback: Table) -> Iterator[list[Any]]:
    """The scorecard as its CSV gives it (the page's file and `reintegra audit programmes`): the
    header, one row per indicator in total, per provider and per area, then the returnees' feedback
    (failure "feedback"); a suppressed figure is empty and marked, never a person."""
    yield list(scorecard.CSV_COLUMNS)
    yield from scorecard.csv_rows(card)
    yield from insights_feedback.programme_csv_rows(feedback)


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
