"""The returnee's feedback (issue 16): links given by the case's staff after a completed service,
working once and until they expire, wrong codes throttled, answers kept apart from the case."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from reintegra.access import feedback_source_get_for_user
from reintegra.feedback import services
from reintegra.feedback.models import FeedbackAnswer, FeedbackLink
from reintegra.lib import clock

from ..conftest import api_client_for, client_for

ANSWER = {"lang": "en", "usefulness": "4", "respected": "yes", "choice_respected": "partly", "comment": "Good trainer."}


def give(user, kind, record_id):
    return services.feedback_link_create(
        actor=user, source=feedback_source_get_for_user(user, kind=kind, record_id=record_id)
    )


def test_the_case_staff_gives_a_link_after_a_completed_referral(users, completed_referral):
    new = give(users["alice"], "referral", completed_referral.pk)
    link = new.link
    assert link.provider == completed_referral.to_agency and link.case == completed_referral.case
    # Only hashes are kept: neither the token nor the code is stored.
    assert new.token not in (link.token_hash, link.code_hash) and new.code not in (link.token_hash, link.code_hash)
    assert len(new.code) == 8 and set(new.code) <= set(services.CODE_ALPHABET)
    assert link.expires_at - link.created_at == timedelta(days=30)


def test_no_link_before_the_service_is_complete(users, referral, enrolment, case):
    with pytest.raises(ValidationError, match="referral is completed"):
        give(users["alice"], "referral", referral.pk)
    with pytest.raises(ValidationError, match="training is completed"):
        give(users["alice"], "training", enrolment.pk)
    with pytest.raises(ValidationError, match="placement is recorded"):
        give(users["alice"], "placement", enrolment.pk)
    assert not FeedbackLink.objects.exists()


@pytest.mark.parametrize("who", ["bob", "bella", "pat", "ana", "cora", "charlie"])
def test_no_link_by_anyone_but_the_case_staff(users, completed_referral, who):
    from django.http import Http404

    with pytest.raises(Http404):
        feedback_source_get_for_user(users[who], kind="referral", record_id=completed_referral.pk)


def test_links_for_training_and_plan(users, completed_enrolment, approved_plan, network):
    training = give(users["sam"], "training", completed_enrolment.pk).link
    assert training.provider == network.trainer and training.service_kind == "training"
    plan = give(users["alice"], "plan", approved_plan.pk).link
    assert plan.provider == network.alpha and plan.service_kind == "plan"


def test_a_new_link_replaces_the_unused_one(users, completed_referral):
    first = give(users["alice"], "referral", completed_referral.pk)
    give(users["alice"], "referral", completed_referral.pk)
    assert FeedbackLink.objects.count() == 1
    response = Client().get(reverse("feedback:answer", args=[first.token]))
    assert response.status_code == 404


def test_the_returnee_answers_once_by_the_qr_link_and_the_answer_has_no_case(users, completed_referral, network):
    new = give(users["alice"], "referral", completed_referral.pk)
    returnee = Client()
    url = reverse("feedback:answer", args=[new.token])
    page = returnee.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert completed_referral.case.code not in text and "Somsri" not in text and network.beta.name not in text
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"
    done = returnee.post(url, ANSWER)
    assert done.status_code == 200 and b"feedback-thanks" in done.content
    answer = FeedbackAnswer.objects.get()
    assert (answer.provider, answer.service_kind, answer.usefulness) == (network.beta, "referral", 4)
    assert answer.period == clock.today().replace(day=1)
    # Nothing in the answer points at the case: no field refers to a case, a returnee or a link.
    related = {f.related_model._meta.label for f in FeedbackAnswer._meta.fields if f.is_relation}
    assert related == {"network.Agency"}
    assert not FeedbackLink.objects.exists()
    # Used: the same link is refused, and nothing more is saved.
    again = returnee.post(url, ANSWER)
    assert again.status_code == 404 and FeedbackAnswer.objects.count() == 1


def test_the_returnee_answers_by_typing_the_code(users, completed_enrolment):
    new = give(users["alice"], "training", completed_enrolment.pk)
    returnee = Client()
    typed = new.code[:4].lower() + "-" + new.code[4:]
    page = returnee.post(reverse("feedback:start"), {"code": typed})
    assert page.status_code == 200 and b"feedback-answer-form" in page.content
    done = returnee.post(reverse("feedback:start"), {"code": typed, **ANSWER})
    assert done.status_code == 200
    assert FeedbackAnswer.objects.get().service_kind == "training"
    assert returnee.post(reverse("feedback:start"), {"code": typed, **ANSWER}).status_code == 404


def test_an_incomplete_answer_keeps_what_was_typed_and_saves_nothing(users, completed_referral):
    new = give(users["alice"], "referral", completed_referral.pk)
    url = reverse("feedback:answer", args=[new.token])
    response = Client().post(url, {**ANSWER, "usefulness": "9", "comment": "x" * 501})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose how useful it was." in text or "Select a valid choice" in text
    assert "x" * 100 in text
    assert not FeedbackAnswer.objects.exists() and FeedbackLink.objects.count() == 1


def test_the_language_is_chosen_on_the_form(users, completed_referral):
    new = give(users["alice"], "referral", completed_referral.pk)
    assert new.link.language == "th"  # the returnee's recorded language
    url = reverse("feedback:answer", args=[new.token])
    assert Client().get(url)["Content-Language"] == "th"
    switched = Client().post(url, {"lang": "fil", "switch": "1", "comment": "kept"})
    assert switched["Content-Language"] == "fil" and b"kept" in switched.content
    assert not FeedbackAnswer.objects.exists()


def test_an_expired_link_is_refused(users, completed_referral):
    new = give(users["alice"], "referral", completed_referral.pk)
    FeedbackLink.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    url = reverse("feedback:answer", args=[new.token])
    assert Client().get(url).status_code == 404
    assert Client().post(url, ANSWER).status_code == 404
    code = Client().post(reverse("feedback:start"), {"code": new.code})
    assert code.status_code == 404 and not FeedbackAnswer.objects.exists()


def test_wrong_codes_are_throttled_per_address(users, completed_referral, settings):
    settings.FEEDBACK_WRONG_CODE_LIMIT = 3
    new = give(users["alice"], "referral", completed_referral.pk)
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert guesser.post(reverse("feedback:start"), {"code": "AAAAAAAA"}).status_code == 404
    # The right code is refused too, now, from that address; another address still gets in.
    refused = guesser.post(reverse("feedback:start"), {"code": new.code})
    assert refused.status_code == 429 and b"Too many wrong codes" in refused.content
    assert guesser.get(reverse("feedback:answer", args=[new.token])).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.2").post(reverse("feedback:start"), {"code": new.code}).status_code == 200
    # The address is not kept, only a keyed hash of it.
    assert "203.0.113" not in services._throttle_key("203.0.113.7")


def test_the_caseworker_page_shows_a_qr_code_and_the_code(users, completed_referral):
    response = client_for(users["alice"]).post(
        reverse("feedback_link_new"), {"kind": "referral", "record": completed_referral.pk}
    )
    assert response.status_code == 201
    text = response.content.decode()
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert "style" not in svg and "<script" not in svg and 'id="feedback-code"' in text
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)  # no inline script (strict CSP)
    assert FeedbackLink.objects.count() == 1


def test_the_caseworker_page_refuses_bad_input(users, completed_referral, referral):
    alice = client_for(users["alice"])
    assert alice.post(reverse("feedback_link_new"), {"kind": "nonsense", "record": 1}).status_code == 400
    assert alice.post(reverse("feedback_link_new"), {"kind": "referral", "record": "x"}).status_code == 400
    assert alice.post(reverse("feedback_link_new"), {"kind": "referral", "record": 10**9}).status_code == 404
    bob = client_for(users["bob"])
    assert bob.post(reverse("feedback_link_new"), {"kind": "referral", "record": referral.pk}).status_code == 404
    assert not FeedbackLink.objects.exists()


def test_the_api_gives_a_link(users, completed_referral):
    response = api_client_for(users["alice"]).post(
        "/api/v1/feedback-links/", {"kind": "referral", "record": completed_referral.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"case", "kind", "url", "code", "start_url", "expires_at"}
    assert body["url"].endswith("/") and "/f/" in body["url"] and len(body["code"]) == 8
    assert Client().get(body["url"]).status_code == 200


def test_the_api_refuses_clearly(users, referral):
    alice = api_client_for(users["alice"])
    bad = alice.post("/api/v1/feedback-links/", {"kind": "nope", "record": 0}, format="json")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"kind", "record"}
    early = alice.post("/api/v1/feedback-links/", {"kind": "referral", "record": referral.pk}, format="json")
    assert early.status_code == 400 and "completed" in early.json()["error"]["message"]
    other = api_client_for(users["bob"]).post(
        "/api/v1/feedback-links/", {"kind": "referral", "record": referral.pk}, format="json"
    )
    assert other.status_code in (403, 404)
    assert (
        api_client_for(users["pat"])
        .post("/api/v1/feedback-links/", {"kind": "referral", "record": referral.pk}, format="json")
        .status_code
        == 403
    )
    assert not FeedbackLink.objects.exists()


def test_the_button_shows_on_completed_services_for_the_case_staff_only(users, completed_referral, approved_plan):
    page = client_for(users["alice"]).get(reverse("referrals:detail", args=[completed_referral.pk]))
    assert page.status_code == 200 and reverse("feedback_link_new").encode() in page.content
    other = client_for(users["bob"]).get(reverse("referrals:detail", args=[completed_referral.pk]))
    assert reverse("feedback_link_new").encode() not in other.content
    plan = client_for(users["alice"]).get(reverse("plans:plan", args=[approved_plan.case.code]))
    assert plan.status_code == 200 and b'name="kind" value="plan"' in plan.content


def test_the_button_waits_for_a_completed_service(users, referral, enrolment):
    page = client_for(users["alice"]).get(reverse("referrals:detail", args=[referral.pk]))
    assert reverse("feedback_link_new").encode() not in page.content
    page = client_for(users["alice"]).get(reverse("livelihoods:enrolment", args=[enrolment.pk]))
    assert page.status_code == 200 and reverse("feedback_link_new").encode() not in page.content


def test_the_enrolment_page_offers_training_feedback_when_completed(users, completed_enrolment):
    page = client_for(users["alice"]).get(reverse("livelihoods:enrolment", args=[completed_enrolment.pk]))
    assert b'name="kind" value="training"' in page.content and b'value="placement"' not in page.content
