"""Recommendations on a returnee's livelihood page: the options with the best chance of a decent income
for this person, with the stipend, the local demand and the reasons in plain words. The returnee's
choice wins: any option can still be put forward, and a decline is recorded."""

from dataclasses import dataclass

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _

from reintegra.cases.scope import CaseAccess

from . import prediction
from .models import LabourMarketDemand, Opportunity, SkillsProfile


@dataclass
class Recommendation:
    option: Opportunity
    p: float
    demand: LabourMarketDemand | None
    seats_left: int | None
    reasons: list[str]


def _reasons(
    profile: SkillsProfile | None,
    option: Opportunity,
    features: list[float],
    demand: LabourMarketDemand | None,
    record: tuple[int, int],
) -> list[str]:
    reasons = []
    if demand is not None and demand.vacancies is not None:
        reasons.append(_("Local employers are hiring for this occupation: %(n)s vacancies.") % {"n": demand.vacancies})
    elif demand is not None:
        reasons.append(_("Local demand for this occupation: index %(index)s of 100.") % {"index": demand.demand_index})
    else:
        reasons.append(_("No local demand figure for this occupation."))
    _demand, skill, aspiration, _track, _income = features
    if skill >= 0.5:
        abroad = profile is not None and any(e.get("abroad") for e in profile.experience)
        reasons.append(
            _("Builds on the work experience they gained abroad.") if abroad else _("Builds on their work experience.")
        )
    rank = profile.aspiration_rank(option.isco) if profile else None
    if rank:
        reasons.append(_("It is their wish number %(rank)s.") % {"rank": rank})
    elif aspiration == 0 and profile is not None and profile.aspirations:
        reasons.append(_("It is not among the occupations they wish for."))
    if profile is not None and profile.needs_income_now:
        paid = option.stipend_monthly or option.wage_monthly
        if paid:
            reasons.append(
                _("It pays %(amount)s %(currency)s a month, and they need an income now.")
                % {"amount": f"{paid:,.0f}", "currency": option.currency}
            )
        else:
            reasons.append(_("It pays nothing while they learn, and they need an income now."))
    successes, outcomes = record
    if outcomes:
        reasons.append(
            _("%(s)s of %(n)s past participants had a decent income six months on.") % {"s": successes, "n": outcomes}
        )
    else:
        reasons.append(_("No recorded outcomes for this option yet."))
    return reasons


def recommendations_for(*, access: CaseAccess, limit: int = 5) -> tuple[list[Recommendation], prediction.Predictor]:
    """The best options for this returnee by predicted chance of a decent income. Only the case's own
    agency sees them (they are read from the returnee's profile)."""
    if not access.own:
        raise Http404
    case = access.case
    profile = SkillsProfile.objects.filter(case=case).first()
    options = list(
        Opportunity.objects.filter(active=True, provider__country=case.agency.country).select_related("provider")
    )
    prefetch_related_objects([case.agency], "areas")  # read for every option's local demand
    closed = prediction.closed_options([case])[case.pk]
    seats = prediction.seats_left(options)
    options = [o for o in options if prediction.eligible(case, profile, o, closed=closed) and seats[o.pk] != 0]
    predictor = prediction.predictor()
    rows = [predictor.features(case, profile, o) for o in options]
    chances: list[float] = [float(p) for p in predictor.predict(rows)] if rows else []
    ranked = sorted(zip(options, rows, chances, strict=True), key=lambda t: -t[2])[:limit]
    result = []
    for option, row, p in ranked:
        _score, figure = predictor.demand.score(prediction.person_areas(case, profile, option), option.isco)
        record = predictor.track.per_option.get(option.pk, (0, 0))
        result.append(
            Recommendation(
                option=option,
                p=float(p),
                demand=figure,
                seats_left=seats[option.pk],
                reasons=_reasons(profile, option, row, figure, record),
            )
        )
    return result, predictor
