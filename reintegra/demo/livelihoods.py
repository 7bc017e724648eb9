"""The demo catalogue of livelihood options: market-oriented ones with stipends and placement
partners, and the stereotyped, unpaid ones real programmes also run, so that the audit finds them."""

import datetime
import random
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from reintegra.access import case_get_for_user, enrolment_get_for_user
from reintegra.cases.choices import Stage
from reintegra.cases.models import Case
from reintegra.demo.drawing import data_file
from reintegra.demo.timing import MINUTE, Pace, day_of, stages_reached, zone_of
from reintegra.lib import clock
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods import skills
from reintegra.livelihoods.models import OPTION_FIELDS, Enrolment, Opportunity, SkillsProfile
from reintegra.livelihoods.services import opportunity_save
from reintegra.network.models import Agency


@dataclass(frozen=True)
class Wish:
    isco: str  # occupation group
    mode: str  # own_business or wage_job


MONEY = ("stipend_monthly", "wage_monthly", "cost")


def catalogue() -> list[dict[str, Any]]:
    """The demo options (data/livelihood_options.json): the option's fields (OPTION_FIELDS) with the
    provider and placement partners as agency slugs, and a course's next round in days from the load."""
    return data_file("livelihood_options.json")


def load_demo_options() -> int:
    if Opportunity.objects.exists():
        return 0
    agencies = {a.slug: a for a in Agency.objects.all()}
    created = 0
    for row in catalogue():
        if row["provider"] not in agencies:
            continue
        values = {f: row[f] for f in OPTION_FIELDS if f in row}
        values |= {f: Decimal(row[f]) if row.get(f) else None for f in MONEY}
        if "starts_in_days" in row:  # the course's next round, some weeks after the demo is loaded
            values["starts_on"] = clock.today() + datetime.timedelta(days=row["starts_in_days"])
        opportunity_save(
            actor=None,
            **values
            | {
                "provider": agencies[row["provider"]],
                "placement_partners": [agencies[p] for p in row["placement_partners"] if p in agencies],
            },
        )
        created += 1
    return created


class _Moments:
    """The moments of one case's livelihood steps: each on its day, at a working hour, never before
    the step before it nor after the demo's latest moment."""

    def __init__(self, pace: Pace, zone: ZoneInfo, start: datetime.datetime) -> None:
        self.pace, self.zone, self.last = pace, zone, start

    def on(self, day: datetime.date) -> datetime.datetime:
        self.last = min(self.pace.latest, max(self.last + MINUTE, self.pace.on(day, self.zone)))
        return self.last


def _step(actor: Any, enrolment: Any, to: str, at: datetime.datetime, reason: str = "") -> None:
    enrolment.refresh_from_db()
    with clock.running_at(at):
        flow.enrolment_move(
            actor=actor,
            access=enrolment_get_for_user(actor, enrolment_id=enrolment.pk),
            to=to,
            on=day_of(at),
            reason=reason,
            version=enrolment.version,
        )


def _words(by_country: dict[str, list[str]], country: str) -> list[str]:
    return by_country.get(country, by_country["PH"])


def _good(option: Opportunity) -> bool:
    """Market-oriented: it pays while people learn or work, or it leads to a named job."""
    return bool(option.stipend_monthly or option.wage_monthly or option.pathway or option.kind == "self_employment")


def load_demo_livelihoods(
    *,
    stdout: Any = None,
    seed: int = 2027,
    now: datetime.datetime | None = None,
    closing: Collection[int] = (),
) -> dict[str, int]:
    """Profiles for returnees in reintegration, and enrolment histories from recommendation to income:
    market-oriented options mostly end in work, stereotyped unpaid ones more often in drop-out or
    nothing; some declines (with the returnee's words) and some completions without placement. Each
    step on its day of the case's past (nothing after `now`); a case in `closing` (closed afterwards)
    gets an enrolment only when its follow-ups are all behind it."""

    counts = {"profiles": 0, "enrolments": 0, "placed": 0, "declined": 0, "dropped_out": 0, "no_placement": 0}
    if SkillsProfile.objects.exists() or Enrolment.objects.exists():
        return counts
    rng = random.Random(seed)
    now = now or timezone.now()
    pace = Pace(rng=rng, latest=now)
    today = timezone.localdate(now)
    day = datetime.timedelta(days=1)
    options_by_country: dict[str, list[Opportunity]] = {}
    for option in Opportunity.objects.filter(active=True).select_related("provider"):
        options_by_country.setdefault(option.provider.country, []).append(option)
    cases = (
        Case.objects.select_related("returnee", "caseworker", "agency", "return_journey")
        .exclude(caseworker=None)
        .filter(stage__in=["reintegration", "follow_up", "closed"], return_journey__isnull=False)
        .order_by("pk")
    )
    reached = stages_reached([case.pk for case in cases])
    # Occupation groups people worked in abroad (skills learned abroad count), what they say they want
    # now, their words and the employers that hire them.
    histories = data_file("livelihood_histories.json")
    for case in cases:
        actor = case.caseworker
        assert actor is not None  # noqa: S101  excluded above
        country = case.agency.country
        zone = zone_of(country)
        stages = reached.get(case.pk, {})
        reintegration = stages.get(Stage.REINTEGRATION) or stages.get(Stage.FOLLOW_UP) or case.opened_at
        moments = _Moments(pace, zone, pace.after(reintegration, pace.wait("profile_after_reintegration"), zone))
        access = case_get_for_user(actor, code=case.code, for_edit=True)
        wishes = rng.sample([Wish(**wish) for wish in histories["wishes"]], 2)
        needs_income = rng.random() < 0.7
        with clock.running_at(moments.last):
            skills.profile_save(
                actor=actor,
                access=access,
                literacy=rng.choice(["basic", "functional", "functional"]),
                numeracy=rng.choice(["basic", "functional"]),
                experience=[
                    {"isco": rng.choice(histories["experience_groups"]), "years": rng.randint(1, 8), "abroad": True}
                ],
                aspirations=[{"isco": w.isco, "mode": w.mode} for w in wishes],
                needs_income_now=needs_income,
                income_needed_monthly=Decimal(8000 if country == "TH" else 12000) if needs_income else None,
                currency=("THB" if country == "TH" else "PHP") if needs_income else "",
                debt_pressure=rng.choice(["none", "manageable", "high", "high"]),
                care_duties=rng.choice(["none", "children", "children", "elders"]),
            )
        counts["profiles"] += 1
        returned_on = case.return_journey.returned_on
        start = max(returned_on + rng.randint(20, 60) * day, day_of(moments.last) + day)
        candidates = [o for o in options_by_country.get(country, []) if not flow.eligibility_problems(case, o, start)]
        if not candidates or start > today - 14 * day or rng.random() < 0.3:
            continue
        # The returnee's own wish first, when an option matches it.
        wished = [o for o in candidates if o.isco in {w.isco for w in wishes}]
        option = rng.choice(wished) if wished and rng.random() < 0.6 else rng.choice(candidates)
        # A case closed afterwards was closed after its last follow-up, 12 months after the training.
        longest = start + (20 + (option.duration_weeks or 4) * 7 + 60 + 366 + 7) * day
        if case.pk in closing and longest > today - 7 * day:
            continue
        with clock.running_at(moments.on(start)):
            enrolment = flow.enrolment_recommend(actor=actor, access=access, opportunity=option, on=start)
        counts["enrolments"] += 1

        good = _good(option)
        _step(actor, enrolment, "offered", moments.on(start + 2 * day))
        if rng.random() < (0.1 if good else 0.3):
            _step(
                actor,
                enrolment,
                "declined",
                moments.on(start + 5 * day),
                rng.choice(_words(histories["decline_reasons"], country)),
            )
            counts["declined"] += 1
            continue
        _step(actor, enrolment, "accepted", moments.on(start + 5 * day))
        enrolled_on = start + rng.randint(7, 20) * day
        if enrolled_on > today:
            continue
        _step(actor, enrolment, "enrolled", moments.on(enrolled_on))
        ends = enrolled_on + (option.duration_weeks or 4) * 7 * day
        dropped = ends <= today and rng.random() < (0.1 if good else 0.35)
        left_on = enrolled_on + (ends - enrolled_on) / 2 if dropped else ends
        if option.stipend_monthly:  # paid each month of the training (once for a short one)
            access_e = enrolment_get_for_user(actor, enrolment_id=enrolment.pk)
            paydays = [enrolled_on + 30 * month * day for month in range(1, 4)]
            for paid_on in [d for d in paydays if d <= left_on] or [left_on]:
                if paid_on <= today:
                    with clock.running_at(moments.on(paid_on)):
                        flow.stipend_record(
                            actor=actor,
                            access=access_e,
                            paid_on=paid_on,
                            amount=option.stipend_monthly,
                            currency=option.currency,
                        )
        if ends > today:
            continue
        if dropped:
            reason = rng.choice(_words(histories["dropout_reasons"], country))
            _step(actor, enrolment, "dropped_out", moments.on(left_on), reason)
            counts["dropped_out"] += 1
            continue
        _step(actor, enrolment, "completed", moments.on(ends))
        placed_on = day_of(moments.last) + rng.randint(5, 60) * day
        currency = option.currency or ("THB" if country == "TH" else "PHP")
        business = option.kind == "self_employment"
        income = Decimal(0)
        if placed_on > today or rng.random() < (0.2 if good else 0.6):
            counts["no_placement"] += 1
            placed = False
        else:
            base = 9000 if country == "TH" else 14000
            income = Decimal(int(base * rng.uniform(0.8, 1.4) if good else base * rng.uniform(0.4, 0.9)))
            with clock.running_at(moments.on(placed_on)):
                flow.placement_record(
                    actor=actor,
                    access=enrolment_get_for_user(actor, enrolment_id=enrolment.pk),
                    kind="business" if business else "job",
                    employer_name="" if business else rng.choice(_words(histories["employers"], country)),
                    business_type=option.title if business else "",
                    business_status="operating" if business else "",
                    isco=option.isco,
                    started_on=placed_on,
                    contract="" if business else rng.choice(["permanent", "fixed_term", "daily", "informal"]),
                    monthly_income=income,
                    currency=currency,
                )
            counts["placed"] += 1
            placed = True
        # The follow-ups that fell due: most are done within a week; one that fell due lately may
        # still be waiting. Someone not placed is asked too, and is often still looking.
        access_e = enrolment_get_for_user(actor, enrolment_id=enrolment.pk)
        trend = 1.05 if good else 0.85
        for follow_up in enrolment.follow_ups.filter(due_on__lte=today).order_by("months"):
            if (today - follow_up.due_on).days <= 45 and case.pk not in closing and rng.random() < 0.3:
                break  # still to do, as in real life
            working = rng.random() < ((0.85 if good else 0.55) if placed else 0.3)
            if working and income:
                income = Decimal(int(income * Decimal(str(trend))))
            elif working:  # found work without the option's help
                income = Decimal(int((9000 if country == "TH" else 14000) * rng.uniform(0.4, 0.9)))
            done_on = min(today, follow_up.due_on + rng.randint(0, 7) * day)
            with clock.running_at(moments.on(done_on)):
                flow.follow_up_record(
                    actor=actor,
                    access=access_e,
                    follow_up=follow_up,
                    done_on=done_on,
                    employment=("self_employed" if business else "employed") if working else "looking",
                    monthly_income=income if working else Decimal(0),
                    currency=currency,
                    business_operating=working if business and placed else None,
                    debt_outstanding=Decimal(rng.choice([0, 5000, 20000, 40000])),
                )
    if stdout is not None:
        stdout.write(
            "Demo livelihoods: {profiles} profiles, {enrolments} enrolments ({placed} placed, {declined} declined, "
            "{dropped_out} dropped out, {no_placement} completed or waiting without placement).".format(**counts)
        )
    return counts
