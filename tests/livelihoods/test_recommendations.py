"""Recommendations and success prediction in the product: the prior, the switch to a trained model,
gender never used, and recommendations seen only by the case's own agency."""

import datetime
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from reintegra.access import case_get_for_user, enrolment_get_for_user
from reintegra.cases import services as case_services
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods import prediction, skills
from reintegra.livelihoods.recommendations import recommendations_for

from ..cases.conftest import IDENTITY
from ..conftest import client_for
from .test_enrolments import move, recommend, refer_to_trainer

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    """Today's date when the test runs: taken at import, it would be yesterday's after midnight."""
    return timezone.localdate()


def profile(users, case, **values):
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    return skills.profile_save(actor=users["alice"], access=access, **values)


def test_recommendations_rank_by_chance_and_give_reasons(users, case, catalogue):
    profile(
        users,
        case,
        experience=[{"isco": "74", "years": 4, "abroad": True}],
        aspirations=[{"isco": "74", "mode": "wage_job"}],
        needs_income_now=True,
        income_needed_monthly=Decimal(8000),
        currency="THB",
    )
    access = case_get_for_user(users["alice"], code=case.code)
    recommended, predictor = recommendations_for(access=access)
    assert predictor.method == "prior"
    titles = [r.option.title for r in recommended]
    assert titles == ["Electrician apprenticeship", "Sewing course"]
    first = recommended[0]
    assert first.p > recommended[1].p
    assert "Local employers are hiring for this occupation: 120 vacancies." in first.reasons
    assert "Builds on the work experience they gained abroad." in first.reasons
    assert "It is their wish number 1." in first.reasons
    assert "It pays 6,000 THB a month, and they need an income now." in first.reasons
    assert "It pays nothing while they learn, and they need an income now." in recommended[1].reasons


def test_a_declined_option_is_not_recommended_again(users, case, catalogue):
    paid, _ = catalogue
    enrolment = recommend(users, case, paid)
    move(users["alice"], enrolment, "declined", reason="Not this")
    access = case_get_for_user(users["alice"], code=case.code)
    assert [r.option.title for r in recommendations_for(access=access)[0]] == ["Sewing course"]


def test_gender_does_not_change_the_predicted_chance(users, case, catalogue):
    man = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Somchai", "gender": "Masculine"}))
    for c in (case, man):
        profile(users, c, experience=[{"isco": "75", "years": 2, "abroad": False}])
    chances = []
    for c in (case, man):
        recommended, _ = recommendations_for(access=case_get_for_user(users["alice"], code=c.code))
        chances.append({r.option.title: r.p for r in recommended})
    assert chances[0] == chances[1]


def test_recommendations_are_hidden_from_other_agencies(users, case, network, catalogue):
    refer_to_trainer(users, case, network)  # Gamma sees the case's livelihood category
    pat_access = case_get_for_user(users["pat"], code=case.code)
    with pytest.raises(Http404):
        recommendations_for(access=pat_access)
    body = client_for(users["pat"]).get(f"/livelihoods/case/{case.code}/").content.decode()
    assert "Recommended for this person" not in body
    assert (
        "Recommended for this person"
        in client_for(users["alice"]).get(f"/livelihoods/case/{case.code}/").content.decode()
    )
    assert client_for(users["bob"]).get(f"/livelihoods/case/{case.code}/").status_code == 404


def _outcome(users, network, option, n, decent, today):
    """One returnee through the option to a six-month follow-up, through the services."""
    person = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"P{n}"}))
    start = today - 400 * DAY
    enrolment = recommend(users, person, option, on=start)
    for to, days in (("offered", 1), ("accepted", 2), ("enrolled", 5), ("completed", 90)):
        move(users["alice"], enrolment, to, on=start + days * DAY)
    access = enrolment_get_for_user(users["alice"], enrolment_id=enrolment.pk)
    follow_up = enrolment.follow_ups.get(months=6)
    flow.follow_up_record(
        actor=users["alice"],
        access=access,
        follow_up=follow_up,
        done_on=follow_up.due_on,
        employment="employed" if decent else "looking",
        monthly_income=Decimal(10000 if decent else 0),
        currency="THB",
    )


def test_the_model_takes_over_from_the_prior_once_enough_outcomes_are_recorded(
    users, network, catalogue, settings, today
):
    paid, unpaid = catalogue
    for n in range(6):
        _outcome(users, network, paid, n, decent=n < 5, today=today)
    settings.PREDICTION_MIN_OUTCOMES = 12
    assert prediction.predictor().method == "prior"
    for n in range(6, 12):
        _outcome(users, network, unpaid, n, decent=n < 7, today=today)
    outcomes = prediction.recorded_outcomes()
    assert len(outcomes) == 12 and sum(y for _, y in outcomes) == 6
    current = prediction.predictor()
    assert current.method == "model" and current.trained is not None
    trained = current.trained
    # Half the outcomes are decent, so predicting the base rate for everybody scores a Brier of 0.25.
    # The track records carry a planted signal (5 of 6 on the paid option, 1 of 6 on the unpaid one):
    # the prior, which reads them, and the cross-validated model both do clearly better.
    assert trained.prior_brier < 0.25 - 0.05 and trained.prior_auc > 0.75
    assert trained.cv_brier < 0.25 - 0.02 and trained.cv_auc > 0.6
    assert trained.coefficients["track_record"] > 0
    assert current.track.per_option[paid.pk] == (5, 6) and current.track.per_option[unpaid.pk] == (1, 6)
    page = client_for(users["ana"]).get("/livelihoods/prediction/").content.decode()
    assert "Brier" in page and "AUC" in page
    for shown in (trained.cv_brier, trained.cv_auc, trained.prior_brier, trained.prior_auc):
        assert f"{shown:.3f}" in page


def test_a_decent_income_needs_paid_work_above_the_floor():
    from reintegra.livelihoods.models import IncomeFollowUp

    assert prediction.is_decent(IncomeFollowUp(employment="employed", monthly_income=Decimal(9000), currency="THB"))
    assert not prediction.is_decent(IncomeFollowUp(employment="employed", monthly_income=Decimal(5000), currency="THB"))
    assert not prediction.is_decent(IncomeFollowUp(employment="looking", monthly_income=Decimal(0), currency="THB"))
    assert not prediction.is_decent(
        IncomeFollowUp(
            employment="self_employed", monthly_income=Decimal(20000), currency="PHP", business_operating=False
        )
    )


def test_recommendations_through_the_api_for_the_own_agency_only(users, case, network, catalogue):
    from ..conftest import api_client_for

    refer_to_trainer(users, case, network)
    data = api_client_for(users["alice"]).get("/api/v1/enrolments/recommendations/", {"case": case.code}).json()
    assert data["method"] == "prior" and [r["title"] for r in data["results"]][0] == "Electrician apprenticeship"
    assert 0 < data["results"][0]["chance"] < 1 and data["results"][0]["reasons"]
    for name in ("pat", "bob"):
        response = api_client_for(users[name]).get("/api/v1/enrolments/recommendations/", {"case": case.code})
        assert response.status_code == 404, name
