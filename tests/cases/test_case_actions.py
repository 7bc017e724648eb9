"""The owner's actions posted from a case's page: each one redirects back to the case and says what
happened; a refusal says why and saves nothing; another agency gets a 404 and changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services
from reintegra.cases.models import Case, Consent, Task
from reintegra.referrals.models import Referral

from ..conftest import client_for
from ..html import summary
from .conftest import refer, share_with


def flashes(response) -> list[tuple[str, str]]:
    """The messages shown on the page the redirect led to, as (level, text)."""
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def refusal(response) -> str:
    """The one error shown after a move the record's state does not allow (its wording is the
    workflow engine's, which is being rewritten): a button's, after the redirect; a form's, on the
    page shown again (nothing saved either way)."""
    if response.status_code == 400:
        [text] = summary(response.content)
        return text
    [(level, text)] = flashes(response)
    assert level == "error"
    return text


def refused(response) -> list[str]:
    """The errors of a refused form: the case's page is shown again (400), the form as posted."""
    assert response.status_code == 400 and not flashes(response)
    return summary(response.content)


def detail_of(case: Case) -> str:
    return reverse("cases:detail", kwargs={"code": case.code})


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def other_case(users):
    """A second case of Alpha's, so an id of one case posted on the other's page can be refused."""
    return services.case_open(
        actor=users["alice"], given_name="Malee", family_name="Srisuk", phones=["+66 89 765 4321"]
    )


def post_ok(user, url: str, data: dict | None = None) -> None:
    """A step of a test's set-up, taken through its page (state changes are moving to a workflow
    engine; their URLs stay)."""
    response = client_for(user).post(url, data or {}, follow=True)
    assert [level for level, _text in flashes(response)] == ["success"], flashes(response)


@pytest.fixture
def closed_case(case, users):
    """Closed from the reintegration stage: requested by the caseworker, approved by the supervisor."""
    code = {"code": case.code}
    post_ok(users["alice"], reverse("cases:stage", kwargs=code), {"stage": "reintegration", "version": case.version})
    post_ok(
        users["alice"],
        reverse("cases:closure", kwargs=code),
        {"reason": "Working for a year.", "reason_code": "reintegrated"},
    )
    post_ok(users["sam"], reverse("cases:closure_decide", kwargs=code), {"approve": "1"})
    case.refresh_from_db()
    assert case.stage == "closed"
    return case


@pytest.fixture
def accepted_referral(case, users, network):
    """Beta works on the case under Alpha's referral, which rests on the returnee's consent: Beta
    reads the case, its history and return, but the case stays Alpha's to change."""
    shared = ["profile", "history", "return", "plan"]
    share_with(users["alice"], case, network.beta, categories=shared)
    referral = refer(users["alice"], case, network.beta, categories=shared)
    post_ok(users["bob"], reverse("referrals:action", kwargs={"referral_id": referral.pk, "action": "accept"}))
    return Referral.objects.get(pk=referral.pk)


# --- history ---------------------------------------------------------------------------------------


def history_form(**overrides) -> dict:
    return {
        "type": "Exploitation",
        "country": "MY",
        "area": "Johor Bahru",
        "started_on": days_ago(400).isoformat(),
        "ended_on": days_ago(30).isoformat(),
        "exploitation_types": ["ForcedLabour"],
        "debt_amount": "30000",
        "debt_currency": "THB",
        "creditor": "Broker in Mae Sai",
    } | overrides


def test_a_caseworker_records_a_history_event_and_returns_to_the_case_told_so(case, users):
    url = reverse("cases:history", kwargs={"code": case.code})
    response = client_for(users["alice"]).post(url, history_form(), follow=True)
    assert response.redirect_chain == [(detail_of(case), 302)]
    event = case.history.get()
    assert (event.type, event.country, event.area) == ("Exploitation", "MY", "Johor Bahru")
    assert event.started_on == days_ago(400) and event.ended_on == days_ago(30)
    assert event.exploitation_types == ["ForcedLabour"] and event.debt_currency == "THB"
    assert flashes(response) == [("success", "History recorded.")]


def test_a_history_event_that_ends_before_it_starts_is_refused_and_nothing_is_saved(case, users):
    url = reverse("cases:history", kwargs={"code": case.code})
    form = history_form(started_on=days_ago(30).isoformat(), ended_on=days_ago(400).isoformat())
    response = client_for(users["alice"]).post(url, form)
    assert refused(response) == ["Until: The end is before the start."]
    assert not case.history.exists()


def test_a_history_event_in_the_future_or_without_a_country_is_refused_naming_the_problem(case, users):
    alice = client_for(users["alice"])
    url = reverse("cases:history", kwargs={"code": case.code})
    future = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    response = alice.post(url, history_form(started_on=future, ended_on=""))
    assert "From: This date is in the future." in refused(response)
    response = alice.post(url, history_form(country=""))
    assert [text for text in refused(response) if text.startswith("Country:")]
    assert not case.history.exists()


def test_another_agency_cannot_add_history_to_the_case(case, users):
    response = client_for(users["bob"]).post(reverse("cases:history", kwargs={"code": case.code}), history_form())
    assert response.status_code == 404
    assert not case.history.exists()


def test_the_agency_working_on_the_case_opens_it_but_cannot_add_to_its_history(case, users, accepted_referral):
    bob = client_for(users["bob"])
    assert bob.get(detail_of(case)).status_code == 200
    assert bob.post(reverse("cases:history", kwargs={"code": case.code}), history_form()).status_code == 404
    assert not case.history.exists()


# --- return ----------------------------------------------------------------------------------------


def return_form(network, **overrides) -> dict:
    return {
        "country_from": "SA",
        "returned_on": days_ago(10).isoformat(),
        "return_type": "deportation",
        "assisting_agencies": [network.ministry.pk],
        "point_of_arrival": "Suvarnabhumi airport",
    } | overrides


def test_a_caseworker_records_the_return_and_the_assessments_are_scheduled(case, users, network):
    from reintegra.plans.models import Assessment

    url = reverse("cases:return", kwargs={"code": case.code})
    response = client_for(users["alice"]).post(url, return_form(network), follow=True)
    assert response.redirect_chain == [(detail_of(case), 302)]
    journey = Case.objects.get(pk=case.pk).return_journey
    assert (journey.country_from, journey.returned_on, journey.return_type) == ("SA", days_ago(10), "deportation")
    assert list(journey.assisting_agencies.all()) == [network.ministry]
    assert journey.point_of_arrival == "Suvarnabhumi airport"
    assert Assessment.objects.filter(case=case, point="baseline").exists()
    assert flashes(response) == [("success", "Return recorded.")]


def test_a_return_without_a_date_or_in_the_future_is_refused_and_nothing_is_saved(case, users, network):
    alice = client_for(users["alice"])
    url = reverse("cases:return", kwargs={"code": case.code})
    response = alice.post(url, return_form(network, returned_on=""))
    assert refused(response) == ["Date of return: This field is required."]
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = alice.post(url, return_form(network, returned_on=future))
    assert refused(response) == ["Date of return: This date is in the future."]
    assert not Case.objects.filter(pk=case.pk, return_journey__isnull=False).exists()


def test_another_agency_cannot_record_the_return_even_while_working_on_the_case(case, users, network):
    url = reverse("cases:return", kwargs={"code": case.code})
    assert client_for(users["bob"]).post(url, return_form(network)).status_code == 404
    share_with(users["alice"], case, network.beta, categories=["return"])
    referral = refer(users["alice"], case, network.beta, categories=["return"])
    post_ok(users["bob"], reverse("referrals:action", kwargs={"referral_id": referral.pk, "action": "accept"}))
    assert client_for(users["bob"]).post(url, return_form(network)).status_code == 404
    assert not Case.objects.filter(pk=case.pk, return_journey__isnull=False).exists()


# --- consent withdrawal ----------------------------------------------------------------------------


def withdraw_url(case: Case, consent: Consent) -> str:
    return reverse("cases:consent_withdraw", kwargs={"code": case.code, "consent_id": consent.pk})


def test_withdrawing_consent_revokes_the_referral_on_it_and_ends_the_other_agencys_access(
    case, users, accepted_referral
):
    assert client_for(users["bob"]).get(detail_of(case)).status_code == 200
    consent = accepted_referral.consent
    response = client_for(users["alice"]).post(withdraw_url(case, consent), follow=True)
    assert response.redirect_chain == [(detail_of(case), 302)]
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == users["alice"]
    assert Referral.objects.get(pk=accepted_referral.pk).status == "revoked"
    assert flashes(response) == [("success", "Consent withdrawn; the access it allowed has ended.")]
    assert client_for(users["bob"]).get(detail_of(case)).status_code == 404


def test_a_consent_already_withdrawn_is_not_withdrawn_twice(case, users, network):
    consent = share_with(users["alice"], case, network.beta)
    post_ok(users["alice"], withdraw_url(case, consent))
    first = Consent.objects.get(pk=consent.pk).withdrawn_at
    response = client_for(users["sam"]).post(withdraw_url(case, consent), follow=True)
    assert "withdrawn" in refusal(response)
    consent.refresh_from_db()
    assert consent.withdrawn_at == first and consent.withdrawn_by == users["alice"]


def test_a_consent_of_another_case_cannot_be_withdrawn_from_this_cases_page(case, other_case, users, network):
    consent = share_with(users["alice"], other_case, network.beta)
    response = client_for(users["alice"]).post(withdraw_url(case, consent), follow=True)
    assert response.redirect_chain == [(detail_of(case), 302)]
    assert flashes(response) == [("error", "No such consent on this case.")]
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


def test_the_agency_the_consent_names_cannot_withdraw_it(case, users, accepted_referral):
    consent = accepted_referral.consent
    for persona in ("bob", "bella", "pat", "charlie"):
        assert client_for(users[persona]).post(withdraw_url(case, consent)).status_code == 404
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
    assert Referral.objects.get(pk=accepted_referral.pk).status == "accepted"


# --- tasks -----------------------------------------------------------------------------------------


def make_task(actor, case, title="Call the skills centre") -> Task:
    due = timezone.localdate() + datetime.timedelta(days=7)
    post_ok(actor, reverse("cases:task", kwargs={"code": case.code}), {"title": title, "due_on": due})
    task = Task.objects.get(case=case)
    assert task.title == title and task.done_at is None
    return task


def task_done_url(case: Case, task: Task) -> str:
    return reverse("cases:task_done", kwargs={"code": case.code, "task_id": task.pk})


def test_a_caseworker_marks_a_task_done_and_it_reaches_the_timeline(case, users):
    task = make_task(users["alice"], case)
    response = client_for(users["alice"]).post(task_done_url(case, task), follow=True)
    assert response.redirect_chain == [(detail_of(case), 302)]
    task.refresh_from_db()
    assert task.done_at is not None
    assert [e.text for e in case.events.filter(kind="task", summary="Task done.")] == ["Call the skills centre"]
    assert flashes(response) == [("success", "Task done.")]


def test_a_task_of_another_case_cannot_be_marked_done_from_this_cases_page(case, other_case, users):
    task = make_task(users["alice"], other_case)
    response = client_for(users["alice"]).post(task_done_url(case, task), follow=True)
    assert flashes(response) == [("error", "No such task.")]
    assert Task.objects.get(pk=task.pk).done_at is None


def test_another_agency_cannot_mark_the_cases_task_done(case, users, accepted_referral):
    task = make_task(users["alice"], case)
    for persona in ("bob", "bella", "pat", "charlie"):
        assert client_for(users[persona]).post(task_done_url(case, task)).status_code == 404
    assert Task.objects.get(pk=task.pk).done_at is None


# --- reopening -------------------------------------------------------------------------------------


def test_a_closed_case_is_reopened_at_the_stage_it_was_closed_from(closed_case, users):
    url = reverse("cases:reopen", kwargs={"code": closed_case.code})
    response = client_for(users["alice"]).post(url, {"reason": "Creditor threats resumed."}, follow=True)
    assert response.redirect_chain == [(detail_of(closed_case), 302)]
    case = Case.objects.get(pk=closed_case.pk)
    assert case.stage == "reintegration" and case.closed_at is None
    assert [e.text for e in case.events.filter(summary="Case reopened.")] == ["Creditor threats resumed."]
    assert flashes(response) == [("success", "Case reopened.")]


def test_reopening_needs_a_reason_and_the_case_stays_closed_without_one(closed_case, users):
    url = reverse("cases:reopen", kwargs={"code": closed_case.code})
    response = client_for(users["alice"]).post(url, {"reason": ""})
    assert refused(response) == ["Reason: This field is required."]
    assert Case.objects.get(pk=closed_case.pk).stage == "closed"


def test_a_case_that_is_not_closed_cannot_be_reopened(case, users):
    version = case.version
    url = reverse("cases:reopen", kwargs={"code": case.code})
    response = client_for(users["alice"]).post(url, {"reason": "By mistake."})
    assert refusal(response)
    case.refresh_from_db()
    assert case.stage == "identification" and case.version == version


def test_another_agency_cannot_reopen_the_case(closed_case, users):
    url = reverse("cases:reopen", kwargs={"code": closed_case.code})
    for persona in ("bob", "bella"):
        assert client_for(users[persona]).post(url, {"reason": "x"}).status_code == 404
    assert Case.objects.get(pk=closed_case.pk).stage == "closed"


# --- identity search on the case list (more in test_identity_search.py) ---------------------------


def search(user, **query):
    """A search for a person as the page sends it: posted, then the result under its token."""
    return client_for(user).post(reverse("cases:search"), query, follow=True)


def test_a_name_or_phone_finds_the_case_and_the_search_is_audited(case, other_case, users):
    for query in ({"name": "kaewmanee SOMSRI"}, {"phone": "081-234-5678"}):
        response = search(users["alice"], **query)
        body = response.content.decode()
        assert response.status_code == 200 and case.code in body and other_case.code not in body
    events = AuditEvent.objects.filter(action="read", object_id="search", actor=users["alice"])
    assert [e.details["results"] for e in events.order_by("seq")] == [1, 1]
    assert sorted(e.categories[0] for e in events) == ["contact", "identity"]


def test_a_word_that_is_not_in_the_name_finds_nothing(case, users):
    body = search(users["sam"], name="Somsri Kaewmanie").content.decode()
    assert case.code not in body


def test_another_agency_searching_the_exact_name_finds_nothing(case, users):
    response = search(users["bob"], name="Somsri Kaewmanee")
    assert response.status_code == 200 and case.code not in response.content.decode()
    event = AuditEvent.objects.get(action="read", object_id="search", actor=users["bob"])
    assert event.details["results"] == 0


def test_roles_without_case_access_cannot_search_by_identity(case, users):
    for persona in ("ana", "cora", "charlie"):
        assert search(users[persona], name="Somsri Kaewmanee").status_code == 403
    assert not AuditEvent.objects.filter(action="read", object_id="search").exists()
