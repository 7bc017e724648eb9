"""The summary table the dashboards read (insights/facts.py, decisions/0030): kept on write by the
records' saves and deletions, consistent after an erasure, and the same when rebuilt in bulk."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from reintegra.cases import erasure
from reintegra.cases.models import Case
from reintegra.insights import outcomes, returns, voice
from reintegra.insights.facts import (
    FACTS,
    FORM_BITS,
    PRIORITY_BITS,
    SECTOR_BITS,
    bits,
    case_column,
    priorities_in,
    rebuild_all,
)
from reintegra.insights.filters import Filters
from reintegra.insights.models import CaseFacts, DebtFacts, EnrolmentFacts, OutcomeFacts
from reintegra.livelihoods.models import IncomeFollowUp
from reintegra.plans import services as plan_services

from .factory import returned
from .test_voice import RETURN, People, day


def rows() -> dict[str, list[dict]]:
    """Every summary row, without the numbers of the tables whose rows have their own (debts)."""
    return {
        model.__name__: [
            {k: v for k, v in model_to_dict(f).items() if k != "id"}
            for f in model._default_manager.order_by(case_column(model), "pk")
        ]
        for model in FACTS
    }


def facts_of(case: Case) -> CaseFacts:
    return CaseFacts.objects.get(pk=case.pk)


def test_the_priorities_as_bits_round_trip():
    assert priorities_in(bits(["debt", "income", "legal"])) == ["income", "debt", "legal"]
    assert bits(["not a priority"]) == 0
    assert len(set(PRIORITY_BITS.values())) == len(PRIORITY_BITS)


def test_a_case_gets_its_row_when_its_return_is_recorded(users):
    case = returned(users["alice"], gender="Masculine", age=22, citizenship="PH", home_area="TH-57")
    facts = facts_of(case)
    assert (facts.returned_on, facts.country_from, facts.return_type) == (RETURN, "MY", "deportation")
    assert (facts.country, facts.area, facts.gender, facts.age_group) == ("PH", "TH-57", "Masculine", "18-24")
    assert facts.agency_id == case.agency_id
    assert (facts.ranked, facts.income_rank, facts.support_90, facts.first_income_days) == (
        False,
        "unranked",
        False,
        None,
    )


def test_the_row_follows_the_latest_ranking_support_and_first_income(users, network):
    people = People(users, network)
    case = people.person(["debt", "family", "housing", "income"])
    facts = facts_of(case)
    assert (facts.ranked, facts.first_priority, facts.income_rank) == (True, "debt", "lower")
    assert facts.top3 == bits(["debt", "family", "housing"])
    plan_services.priorities_record(actor=users["alice"], case=case, ranking=["income", "debt"], context="review")
    facts = facts_of(case)
    assert (facts.first_priority, facts.income_rank, facts.top3) == ("income", "top3", bits(["income", "debt"]))
    enrolment = people.enrol(case, on=100)
    facts = facts_of(case)
    assert not facts.support_90  # enrolled on day 100: too late
    assert facts.delivered == bits(["income", "skills"])  # a paid training
    people.stipend(enrolment, on=60)  # paid before the enrolment's day, as written straight
    assert facts_of(case).support_90 and facts_of(case).first_income_days == 60
    people.referral(case, category="family_tracing", status="accepted", on=5)
    assert facts_of(case).delivered == bits(["income", "skills", "family"])
    enrolment.stipend_payments.all().delete()
    facts = facts_of(case)
    assert not facts.support_90 and facts.first_income_days is None
    IncomeFollowUp.objects.create(
        enrolment=enrolment,
        months=1,
        due_on=day(130),
        done_on=day(130),
        employment="employed",
        monthly_income=Decimal(9000),
        currency="THB",
    )
    assert facts_of(case).first_income_days == 130


def test_the_row_follows_the_exploitation_and_the_debt(users):
    case = returned(users["alice"], exploitation=["ForcedLabour", "ForcedCriminality"], industry="", debt="1200")
    facts = facts_of(case)
    assert facts.forms == FORM_BITS["ForcedLabour"] | FORM_BITS["ForcedCriminality"]
    assert facts.sectors == SECTOR_BITS[""]  # an exploitation that names no sector
    debt = DebtFacts.objects.get(case_id=case.pk)
    assert (debt.currency, debt.amount, debt.returned_on) == ("THB", Decimal(1200), RETURN)
    case.history.get().delete()
    assert (facts_of(case).forms, facts_of(case).sectors) == (0, 0)
    assert not DebtFacts.objects.filter(case_id=case.pk).exists()


def test_a_deleted_case_loses_its_row(users):
    case = returned(users["alice"], debt="10")
    assert CaseFacts.objects.filter(pk=case.pk).exists()
    Case.objects.filter(pk=case.pk).delete()
    assert not CaseFacts.objects.filter(pk=case.pk).exists()
    assert not DebtFacts.objects.filter(case_id=case.pk).exists()


def test_an_erased_case_keeps_its_statistics_with_the_return_kept_to_its_month(users, network):
    people = People(users, network)
    case = people.person(["income"], returned_on=datetime.date(2026, 3, 10))
    people.stipend(people.enrol(case, on=20), on=30)
    before = model_to_dict(facts_of(case))
    erasure.returnee_erase(actor=users["sam"], case=case, reason=erasure.REQUEST)
    after = model_to_dict(facts_of(case))
    assert after["returned_on"] == datetime.date(2026, 3, 1)
    assert after["first_income_days"] == before["first_income_days"] + 9  # counted from the 1st now
    assert {k: v for k, v in after.items() if k not in ("returned_on", "first_income_days")} == {
        k: v for k, v in before.items() if k not in ("returned_on", "first_income_days")
    }


@pytest.mark.parametrize("batch", [1, 1000])
def test_a_rebuild_gives_the_rows_kept_on_write_and_the_same_figures(users, network, batch):
    from .test_voice import build  # the six profiles counted by hand there

    people = People(users, network)
    build(people, times=1)
    other = returned(
        users["alice"], gender="Masculine", age=None, citizenship="MM", exploitation=["ForcedLabour"], debt="500"
    )
    enrolment = people.enrol(other, on=10)
    enrolment.status, enrolment.ended_on = "completed", day(40)
    enrolment.save()
    IncomeFollowUp.objects.create(
        enrolment=enrolment,
        months=1,
        due_on=day(70),
        done_on=day(70),
        employment="self_employed",
        monthly_income=Decimal(4000),
        currency="THB",
    )
    kept = rows()
    assert len(kept["CaseFacts"]) == 7
    assert [len(kept[m.__name__]) for m in (DebtFacts, EnrolmentFacts, OutcomeFacts)] == [1, 1, 1]
    filters = Filters(since=datetime.date(2026, 1, 1))

    def everything():
        return [f.as_dict() for module in (voice, returns, outcomes) for f in module.figures(filters)]

    figures = everything()
    for model in FACTS:
        model._default_manager.all().delete()
    assert rebuild_all(batch=batch) == 7
    assert rows() == kept
    assert everything() == figures


def test_the_command_rebuilds(users, capsys):
    case = returned(users["alice"])
    CaseFacts.objects.all().delete()
    call_command("insights", "rebuild")
    assert "1 returned cases" in capsys.readouterr().out
    assert facts_of(case).returned_on == RETURN


def test_migrate_fills_the_tables_of_a_database_that_has_cases_but_no_facts(users):
    """A database upgraded from before the summary tables: `migrate` fills them once, with today's
    models (never inside a migration), and leaves tables that are already kept alone."""
    case = returned(users["alice"])
    CaseFacts.objects.all().delete()
    call_command("migrate", verbosity=0)
    assert facts_of(case).returned_on == RETURN
    CaseFacts.objects.filter(case=case).update(return_type="kept")
    other = returned(users["alice"])
    call_command("migrate", verbosity=0)
    assert facts_of(case).return_type == "kept" and facts_of(other).returned_on == RETURN


def test_a_deferred_block_refreshes_each_case_once_at_its_end_with_the_same_rows(users):
    from reintegra.insights import facts

    with facts.deferred():
        case = returned(users["alice"], gender="Masculine", age=22)
        assert not CaseFacts.objects.filter(pk=case.pk).exists()  # noted, not yet worked out
    kept = model_to_dict(facts_of(case))
    CaseFacts.objects.all().delete()
    call_command("insights", "rebuild")
    assert model_to_dict(facts_of(case)) == kept
