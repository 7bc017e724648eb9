"""Feedback per provider and per kind of service, with small cells suppressed (issue 16)."""

import datetime

import pytest
from django.urls import reverse

from reintegra.feedback.models import FeedbackAnswer
from reintegra.insights import feedback
from reintegra.insights.filters import Filters

from ..conftest import api_client_for, client_for

MONTH = datetime.date(2026, 1, 1)


def answers(provider, kind, n, usefulness=4, respected="yes"):
    for _ in range(n):
        FeedbackAnswer.objects.create(
            provider=provider,
            service_kind=kind,
            period=MONTH,
            usefulness=usefulness,
            respected=respected,
            choice_respected="yes",
        )


@pytest.fixture
def k3(settings):
    settings.INSIGHTS_MIN_CELL = 3


def rows(table):
    return {row.label: row.cells for row in table.rows}


def test_figures_by_provider_and_kind(k3, network):
    answers(network.beta, "referral", 4, usefulness=5)
    answers(network.trainer, "training", 3, usefulness=2, respected="no")
    providers, kinds = feedback.by_provider_and_kind(Filters())
    beta = rows(providers)[network.beta.name]
    assert [c.value for c in beta] == [4, 5.0, 1.0, 1.0]
    trainer = rows(providers)[network.trainer.name]
    assert trainer[0].value == 3 and trainer[1].value == 2.0 and trainer[2].value == 0.0
    assert rows(providers)["All providers"][0].value == 7
    assert {row.label for row in kinds.rows} == {"A service you were referred to", "A training"}


def test_small_cells_and_their_complements_are_suppressed(k3, network):
    answers(network.beta, "referral", 5)
    answers(network.trainer, "training", 1, usefulness=1)  # one person: never shown, nor derivable
    answers(network.alpha, "plan", 4)
    providers, kinds = feedback.by_provider_and_kind(Filters())
    trainer = rows(providers)[network.trainer.name]
    assert all(cell.suppressed and cell.value is None for cell in trainer)
    # The total would give the one answer back by subtraction: another cell is hidden with it.
    shown = [cells[0].value for label, cells in rows(providers).items() if label != "All providers"]
    total = rows(providers)["All providers"][0].value
    assert total is None or shown.count(None) >= 2
    training = rows(kinds)["A training"]
    assert training[0].suppressed and training[1].value is None


def test_the_period_filter_and_a_supervisor_scope(k3, network):
    answers(network.beta, "referral", 3)
    providers, _ = feedback.by_provider_and_kind(Filters(since=datetime.date(2026, 2, 1)))
    assert rows(providers)["All providers"][0].value == 0
    mine, _ = feedback.by_provider_and_kind(Filters(agency_id=network.alpha.pk))
    assert network.beta.name not in rows(mine)


def test_the_dashboard_page_and_api(k3, users, network):
    answers(network.beta, "referral", 3)
    page = client_for(users["ana"]).get(reverse("insights:dashboard", args=["feedback"]))
    assert page.status_code == 200 and network.beta.name.encode() in page.content
    api = api_client_for(users["ana"]).get("/api/v1/insights/feedback/")
    assert api.status_code == 200
    assert any(f["key"] == "feedback-by-provider" for f in api.json()["figures"])


def test_the_provider_summary(k3, network):
    answers(network.beta, "referral", 2)
    assert feedback.provider_summary(network.beta.pk)[0].suppressed
    answers(network.beta, "training", 1)
    summary = feedback.provider_summary(network.beta.pk)
    assert summary[0].value == 3 and summary[1].value == 4.0


def test_the_provider_page_shows_its_own_staff_the_feedback(k3, users, network):
    answers(network.beta, "referral", 3, usefulness=5)
    url = reverse("network:agency", args=[network.beta.slug])
    own = client_for(users["bob"]).get(url)
    assert own.status_code == 200 and b'id="provider-feedback"' in own.content and b"<dd>5</dd>" in own.content
    other = client_for(users["alice"]).get(url)
    assert other.status_code == 200 and b'id="provider-feedback"' not in other.content


def test_the_provider_page_suppresses_too_few_answers(k3, users, network):
    answers(network.beta, "referral", 2, usefulness=1)
    own = client_for(users["bob"]).get(reverse("network:agency", args=[network.beta.slug]))
    assert b"Too few answers to show yet" in own.content and b"<dd>1</dd>" not in own.content


def test_the_programme_scorecard_shows_feedback_on_trainings_and_placements(k3, users, network):
    answers(network.trainer, "training", 2)
    answers(network.trainer, "placement", 2)
    answers(network.beta, "referral", 5)  # not a livelihood service: not in the scorecard's table
    page = client_for(users["cora"]).get(reverse("livelihoods:audit"))
    assert page.status_code == 200 and b'id="programme-feedback"' in page.content
    table = feedback.programme_table(provider_id=None, since=None, until=None)
    assert rows(table)[network.trainer.name][0].value == 4 and network.beta.name not in rows(table)
    alone = feedback.programme_table(provider_id=network.trainer.pk, since=datetime.date(2026, 2, 3), until=None)
    assert rows(alone)["All providers"][0].value == 0
