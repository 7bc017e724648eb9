"""The allocation page's rules on wishes and its modes (issue 17, docs/matching-modes.md): a top-k rule
and a minimum share in a top-3 wish constrain the optimum; choice first (stable) and menus are modes of
their own; the page shows every mode side by side with its price against the optimum and the exact
trade-off curve; a menu's offers each hold a seat, and accepting one releases the others."""

import datetime
import importlib
import re

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from reintegra.cases.models import CaseEvent
from reintegra.lib import clock
from reintegra.livelihoods import allocation, prediction, services
from reintegra.livelihoods.models import OPTION_FIELDS, AllocationRound, Enrolment, SkillsProfile, values_of
from reintegra.matching import justified_envy

from ..conftest import client_for
from .test_allocation import REASON, move, one_seat, preview, returnee

SEWING_FIRST = {"aspirations": [{"isco": "75", "mode": "wage_job"}, {"isco": "74", "mode": "wage_job"}]}


def sewing_cohort(users, n=4):
    """People who have worked in metal (their fit is the electrician course) but wish for sewing first."""
    return [returnee(users, k, **SEWING_FIRST) for k in range(n)]


def section(page, name):
    return page.split(f'id="{name}"')[1].split("</section>")[0]


def test_the_page_shows_optimal_stable_and_greedy_side_by_side_with_the_curve(users, catalogue):
    paid, unpaid = catalogue
    page, token = preview(client_for(users["sam"]), sewing_cohort(users), [paid, unpaid])
    assert token
    metrics = section(page, "allocation-metrics")
    for label in ("Optimal", "Choice first (stable)", "Greedy, in turn"):
        assert f">{label}" in metrics
    assert "Expected decent incomes lost against the optimum" in metrics
    # At phone width each cell is labelled by its column: the column to be offered says so there too.
    assert 'data-label="Optimal · to be offered"' in metrics and 'data-label="Greedy, in turn"' in metrics
    assert "Given one of their top-3 wishes, share of the cohort" in metrics
    curve = section(page, "allocation-curve")
    assert "<svg" in curve and 'role="img"' in curve
    assert "<script" not in curve and "<style" not in curve and ' style="' not in curve  # strict CSP
    assert "no rule" in curve and curve.count("<tr>") >= 2  # the free optimum and at least one asked share


def test_the_top_1_rule_offers_everyone_placed_their_first_wish(users, catalogue):
    paid, unpaid = catalogue
    people = sewing_cohort(users)
    result = allocation.preview(
        user=users["sam"], people=people, options=[paid, unpaid], constraints=allocation.Constraints(top_k=1)
    )
    assert result.chosen is not None and result.offered is result.chosen
    assert result.chosen.pairs and all(option == unpaid for _case, option, _p in result.chosen.pairs)
    assert result.chosen.metrics["top3_share"] == pytest.approx(len(result.chosen.pairs) / len(people))
    # Its price against the optimum is what the two columns say, and never negative.
    assert result.chosen.price == pytest.approx(
        result.optimal.metrics["expected_placements"] - result.chosen.metrics["expected_placements"]
    )
    assert result.chosen.price >= -1e-9


def test_a_minimum_top3_share_is_held_and_an_impossible_one_is_named(users, catalogue):
    paid, unpaid = catalogue
    people = sewing_cohort(users)
    result = allocation.preview(
        user=users["sam"],
        people=people,
        options=[paid, unpaid],
        constraints=allocation.Constraints(min_top3_share=0.75),
    )
    assert result.chosen is not None and result.chosen.metrics["top3_share"] >= 0.75
    nobody_wishes = [returnee(users, 10 + k, aspirations=[{"isco": "61", "mode": "wage_job"}]) for k in range(2)]
    response = client_for(users["sam"]).post(
        "/livelihoods/allocation/",
        {
            "people": [c.pk for c in nobody_wishes],
            "options": [paid.pk, unpaid.pk],
            "min_assigned": 2,
            "min_top3_share": 50,
        },
    )
    body = response.content.decode()
    assert "respect the share given a top-3 wish" in body
    assert 'name="min_top3_share" value="50"' in body  # the form keeps what was typed
    assert 'name="token"' not in body and not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"mode": "stable", "budget": "1000"}, "mode"),
        ({"mode": "menu3", "women_min": 40}, "mode"),
        ({"mode": "menu2", "top_k": 1}, "mode"),
        ({"min_top3_share": 150}, "min_top3_share"),
        ({"top_k": 7}, "top_k"),
        ({"mode": "lottery"}, "mode"),
        ({"mode": "week", "budget": "1000"}, "mode"),
        ({"mode": "week", "max_wait_weeks": 0}, "max_wait_weeks"),
        ({"mode": "week", "max_wait_weeks": 53}, "max_wait_weeks"),
    ],
)
def test_bad_rules_or_modes_are_form_errors_that_keep_the_input(users, catalogue, extra, field):
    paid, unpaid = catalogue
    people = sewing_cohort(users, 2)
    page, token = preview(client_for(users["sam"]), people, [paid, unpaid], **extra)
    assert token is None and not Enrolment.objects.exists()
    assert re.search(rf'id="id_{field}_error"', page), field
    if "budget" in extra:
        assert 'name="budget" value="1000"' in page


def test_choice_first_offers_the_stable_allocation_with_no_justified_envy(users, catalogue):
    paid, unpaid = catalogue
    one_seat(users, unpaid)
    people = sewing_cohort(users, 3)
    result = allocation.preview(
        user=users["sam"], people=people, options=[paid, unpaid], constraints=allocation.Constraints(mode="stable")
    )
    assert result.chosen is None and result.offered is result.stable
    assert sum(1 for _c, option, _p in result.stable.pairs if option == unpaid) <= 1
    # Rebuild the engine's matrices from the records and check the allocation independently.
    options = [paid, unpaid]
    profiles = {p.case_id: p for p in SkillsProfile.objects.filter(case__in=people)}
    rank = allocation.wish_ranks(people, options, profiles)
    predictor, closed = prediction.predictor(), prediction.closed_options(people)
    scores = np.full((len(people), 2), np.nan)
    for i, case in enumerate(people):
        for j, option in enumerate(options):
            if prediction.eligible(case, profiles.get(case.pk), option, closed=closed[case.pk]):
                scores[i, j] = predictor.predict([predictor.features(case, profiles.get(case.pk), option)])[0]
    given = {case.pk: options.index(option) for case, option, _p in result.stable.pairs}
    assignment = np.array([given.get(case.pk, -1) for case in people])
    capacity = np.array([len(people) if paid.seats is None else paid.seats, 1])
    assert justified_envy(assignment, scores, capacity, rank) == []


def test_menus_offer_every_option_within_the_seats_and_accepting_one_releases_the_others(users, catalogue):
    paid, unpaid = catalogue
    one_seat(users, paid)
    people = sewing_cohort(users, 3)
    sam = client_for(users["sam"])
    page, token = preview(sam, people, [paid, unpaid], mode="menu2")
    assert "A menu of 2 options each" in section(page, "allocation-metrics")
    assert "Each person is offered every option of their menu" in section(page, "allocation-pairs")
    question = sam.post("/livelihoods/allocation/confirm/", {"token": token}).content.decode()
    assert 'id="confirm-menus"' in question
    made = sam.post("/livelihoods/allocation/confirm/", {"token": token, "confirm": "1"})
    assert made.status_code == 302
    offered = Enrolment.objects.filter(allocation_round=AllocationRound.objects.get())
    assert offered.filter(opportunity=paid).count() <= 1  # one seat: never on two menus
    assert offered.filter(opportunity=unpaid).count() == 3
    assert offered.count() > len(people)  # someone has a menu of two

    chooser = offered.filter(opportunity=paid).first() or offered.first()
    others = offered.filter(case=chooser.case).exclude(pk=chooser.pk)
    assert others.exists()
    move(users["alice"], chooser, "accepted")
    for other in others:
        other.refresh_from_db()
        # Released, not declined: the option was not refused, it may be offered again later.
        assert other.status == "released" and not other.decline_reason
        assert other.opportunity_id not in prediction.closed_options([chooser.case])[chooser.case_id]
        line = CaseEvent.objects.filter(case=chooser.case).order_by("-pk").first()
        assert chooser.opportunity.title in line.text
    assert set(offered.filter(case=chooser.case).values_list("status", flat=True)) == {"accepted", "released"}

    # Menus answered before there was a "released" status were recorded as declines: the migration
    # finds them (declined the day another offer of the round was taken) and releases them.
    from django.apps import apps

    migration = importlib.import_module("reintegra.livelihoods.migrations.0013_enrolment_released")
    others.update(status="declined", decline_reason="Accepted from the same menu.")
    declined_alone = offered.exclude(case=chooser.case).first()
    move(users["alice"], declined_alone, "declined")
    migration.release_menu_declines(apps, None)
    assert set(others.values_list("status", flat=True)) == {"released"}
    declined_alone.refresh_from_db()
    assert declined_alone.status == "declined" and declined_alone.decline_reason == REASON
    assert allocation.seats_to_offer([unpaid])[unpaid.pk] is None  # no limit stays no limit


def test_the_service_refuses_modes_that_cannot_hold_a_band(users, catalogue):
    paid, unpaid = catalogue
    with pytest.raises(ValidationError):
        allocation.preview(
            user=users["sam"],
            people=sewing_cohort(users, 2),
            options=[paid, unpaid],
            constraints=allocation.Constraints(mode="stable", budget=10.0),
        )


def starting(users, option, days, seats):
    values = values_of(option, OPTION_FIELDS) | {"seats": seats, "starts_on": clock.today() + datetime.timedelta(days)}
    services.opportunity_save(actor=users["cora"], opportunity=option, version=option.version, **values)
    option.refresh_from_db()
    return option


def test_this_weeks_decision_offers_only_to_those_who_cannot_wait_and_confirms_only_those(users, catalogue):
    paid, unpaid = catalogue
    today = clock.today()
    soon = starting(users, paid, 3, seats=1)  # starts before next week: its place is given now
    later = starting(users, unpaid, 42, seats=5)  # starts in six weeks
    fresh = [returnee(users, k, assessed_on=today, **SEWING_FIRST) for k in range(3)]
    overdue = returnee(users, 3, assessed_on=today - datetime.timedelta(days=70), **SEWING_FIRST)
    # People assessed in the last year, now elsewhere: later arrivals are drawn like them.
    for k in range(4):
        returnee(users, 10 + k, assessed_on=today - datetime.timedelta(days=30 * (k + 1)))
    people = [*fresh, overdue]
    result = allocation.preview(
        user=users["sam"],
        people=people,
        options=[soon, later],
        constraints=allocation.Constraints(mode="week", max_wait_weeks=8),
    )
    week = result.chosen
    assert week is not None and result.offered is week and week.price is None
    offered = {case.pk: option for case, option, _p in week.pairs}
    waiting = {case.pk: (until, option) for case, until, option in week.waiting}
    assert not offered.keys() & waiting.keys()
    assert offered.keys() | waiting.keys() | {c.pk for c in week.unassigned} == {c.pk for c in people}
    # The longest waiting is decided now; whoever waits is pencilled into the round six weeks on,
    # and can wait until eight weeks after their assessment.
    assert overdue.pk not in waiting
    assert all(option in (later, None) for _until, option in waiting.values())
    assert all(until == today + datetime.timedelta(days=56) for until, _option in waiting.values())
    assert all(option == soon or case_pk == overdue.pk for case_pk, option in offered.items())
    assert sum(1 for option in offered.values() if option == soon) <= 1
    assert waiting, "people who can wait for the round six weeks on are not decided now"
    # 4 people came in the last year besides the 4 chosen now: about 8 a year, 0.15 a week.
    assert week.expected_per_week == pytest.approx(8 / 365 * 7)

    sam = client_for(users["sam"])
    page, token = preview(sam, people, [soon, later], mode="week", max_wait_weeks=8)
    assert "This week: only those who cannot wait" in section(page, "allocation-metrics")
    assert 'id="allocation-week-note"' in page and 'id="allocation-waiting"' in page
    for case_pk in waiting:
        code = next(c.code for c in people if c.pk == case_pk)
        assert code in section(page, "allocation-pairs").split('id="allocation-waiting"')[1]
    made = sam.post("/livelihoods/allocation/confirm/", {"token": token, "confirm": "1"})
    assert made.status_code == 302
    round_offers = Enrolment.objects.filter(allocation_round=AllocationRound.objects.get())
    assert {e.case_id for e in round_offers} == set(offered)
    assert not round_offers.filter(case_id__in=list(waiting)).exists()
