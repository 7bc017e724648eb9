"""Who reaches the livelihood pages and endpoints, for every persona, around a referral's completion
(every route against every persona is in tests/test_route_matrix.py)."""

import pytest

from ..conftest import api_client_for, client_for

ALL = ["anon", "charlie", "alice", "sam", "bob", "bella", "pat", "ana", "cora"]


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {persona: overrides.get(persona, default) for persona in ALL}


# After a referral to the provider is completed (decisions/0018): the provider keeps the enrolment whose
# work remains (here a completed training, its placement and income follow-ups to record) and its
# follow-ups; not the offer still waiting for an answer, not the case, not the livelihood page.
KEPT_PAGES = [
    ("/livelihoods/enrolments/{kept}/", expect(404, anon=302, alice=200, sam=200, pat=200)),
    ("/livelihoods/enrolments/{released}/", expect(404, anon=302, alice=200, sam=200)),
    ("/livelihoods/case/{case}/", expect(404, anon=302, alice=200, sam=200)),
    ("/cases/{case}/", expect(404, anon=302, alice=200, sam=200)),
    ("/referrals/{referral}/", expect(404, anon=302, alice=200, sam=200, pat=200)),
]
KEPT_ENDPOINTS = [
    ("/api/v1/enrolments/{kept}/", expect(404, anon=401, alice=200, sam=200, pat=200)),
    ("/api/v1/enrolments/{released}/", expect(404, anon=401, alice=200, sam=200)),
    ("/api/v1/follow-ups/{follow_up}/", expect(404, anon=401, alice=200, sam=200, pat=200)),
    ("/api/v1/cases/{case}/", expect(404, anon=401, alice=200, sam=200)),
]


@pytest.fixture
def after_completion(users, case, network, catalogue):
    from reintegra.livelihoods import handover
    from reintegra.referrals import services as referral_services

    from ..cases.conftest import refer, share_with
    from .test_enrolments import move

    paid, unpaid = catalogue
    shared = ("identity", "profile", "livelihood")
    share_with(users["alice"], case, network.trainer, categories=shared)
    referral = refer(users["alice"], case, network.trainer, categories=shared, service=network.trainer.services.get())
    referral_services.referral_move(actor=users["pat"], referral=referral, move="accept")
    kept = handover.enrolment_from_referral(actor=users["pat"], referral=referral, opportunity=paid, to="enrolled")
    move(users["pat"], kept, "completed")
    released = handover.enrolment_from_referral(actor=users["pat"], referral=referral, opportunity=unpaid, to="offered")
    referral_services.referral_move(actor=users["pat"], referral=referral, move="complete", confirmed=True)
    return {
        "case": case.code,
        "referral": referral.pk,
        "kept": kept.pk,
        "released": released.pk,
        "follow_up": kept.follow_ups.get(months=1).pk,
    }


@pytest.mark.parametrize(("url", "expected"), KEPT_PAGES, ids=[p[0] for p in KEPT_PAGES])
def test_after_a_referral_is_completed_the_pages_answer_as_the_access_rules_say(url, expected, users, after_completion):
    for persona, status in expected.items():
        response = client_for(users.get(persona)).get(url.format(**after_completion))
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"


@pytest.mark.parametrize(("url", "expected"), KEPT_ENDPOINTS, ids=[e[0] for e in KEPT_ENDPOINTS])
def test_after_a_referral_is_completed_the_api_answers_as_the_access_rules_say(url, expected, users, after_completion):
    for persona, status in expected.items():
        response = api_client_for(users.get(persona)).get(url.format(**after_completion))
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"


def test_only_the_receiving_agency_records_on_a_referral_where_the_person_stands(users, case, network, catalogue):
    from reintegra.livelihoods.models import Enrolment
    from reintegra.referrals import services as referral_services

    from ..cases.conftest import refer, share_with

    share_with(users["alice"], case, network.trainer, categories=("identity", "livelihood"))
    referral = refer(users["alice"], case, network.trainer, categories=("identity", "livelihood"))
    referral_services.referral_move(actor=users["pat"], referral=referral, move="accept")
    url = f"/livelihoods/referrals/{referral.pk}/enrol/"
    for persona, status in expect(404, anon=302, alice=403, sam=403, pat=302).items():
        response = client_for(users.get(persona)).post(url, {"opportunity": catalogue[0].pk, "to": "offered"})
        assert response.status_code == status, f"{persona}: {response.status_code}, expected {status}"
        made = Enrolment.objects.filter(case=case).values_list("recommended_by__username", flat=True)
        assert list(made) == (["pat"] if persona in ("pat", "ana", "cora") else []), persona
