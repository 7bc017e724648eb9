"""Records nested in another record's answer pass their own access rule (issue 12, finding 2).

Income follow-ups (work, income, debt, the caseworker's notes) are the livelihood category: the
provider reads and records them only when the referral it holds the enrolment by shares that category,
whether through the follow-ups' own endpoint, nested in an enrolment of the API or on the enrolment's
page. One rule: `access.income_enrolment_list_for_user`."""

import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

import reintegra
from reintegra.access import (
    enrolment_get_for_user,
    enrolment_grants_for_user,
    enrolment_list_for_user,
    follow_up_list_for_user,
)
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods import handover
from reintegra.referrals import services as referral_services

from ..cases.conftest import refer, share_with
from ..conftest import api_client_for, client_for
from .test_enrolments import move

NOTES = "Pays the recruiter 3000 a month, hides it from the family"
DEBT = Decimal(41235)


def followed(users, case, network, catalogue, categories):
    """Gamma enrols the person under an accepted referral sharing `categories` and records the completion;
    Alpha's caseworker then records the first income follow-up, with income, debt and notes."""
    share_with(users["alice"], case, network.trainer, categories=categories)
    service = network.trainer.services.get()
    referral = refer(users["alice"], case, network.trainer, categories=categories, service=service)
    referral_services.referral_move(actor=users["pat"], referral=referral, move="accept")
    enrolment = handover.enrolment_from_referral(
        actor=users["pat"], referral=referral, opportunity=catalogue[0], to="enrolled"
    )
    move(users["pat"], enrolment, "completed")
    follow_up = enrolment.follow_ups.get(months=1)
    flow.follow_up_record(
        actor=users["alice"],
        access=enrolment_get_for_user(users["alice"], enrolment_id=enrolment.pk),
        follow_up=follow_up,
        done_on=timezone.localdate(),
        employment="employed_other",
        monthly_income=Decimal(8765),
        currency="THB",
        debt_outstanding=DEBT,
        notes=NOTES,
    )
    return referral, enrolment, follow_up


@pytest.fixture
def not_shared(users, case, network, catalogue):
    return followed(users, case, network, catalogue, ("identity", "profile"))


@pytest.fixture
def shared(users, case, network, catalogue):
    return followed(users, case, network, catalogue, ("identity", "profile", "livelihood"))


def enrolment_page(enrolment):
    return reverse("livelihoods:enrolment", kwargs={"enrolment_id": enrolment.pk})


def test_without_the_livelihood_category_the_provider_reads_no_income_anywhere(users, not_shared):
    _referral, enrolment, follow_up = not_shared
    api = api_client_for(users["pat"])
    # the enrolment itself is the provider's work: it still reads it, without the follow-ups
    detail = api.get(f"/api/v1/enrolments/{enrolment.pk}/")
    assert detail.status_code == 200 and detail.json()["follow_ups"] == []
    # and is not told that nothing is left: the caseworker records the follow-ups
    assert "caseworker at Alpha Welfare Office records the income follow-ups" in detail.json()["next_step"]
    listed = api.get("/api/v1/enrolments/").json()["results"]
    assert [row["follow_ups"] for row in listed if row["id"] == enrolment.pk] == [[]]
    assert api.get(f"/api/v1/follow-ups/{follow_up.pk}/").status_code == 404
    assert follow_up.pk not in [row["id"] for row in api.get("/api/v1/follow-ups/").json()["results"]]
    for answer in (detail, api.get("/api/v1/enrolments/")):
        assert NOTES not in answer.content.decode() and "41235" not in answer.content.decode()
    page = client_for(users["pat"]).get(enrolment_page(enrolment))
    text = page.content.decode()
    assert page.status_code == 200 and 'id="follow-ups-not-shared"' in text
    assert NOTES not in text and "41,235" not in text and "41235" not in text and "8,765" not in text


def test_without_the_livelihood_category_the_provider_records_no_follow_up(users, not_shared):
    _referral, enrolment, _recorded = not_shared
    due = enrolment.follow_ups.get(months=3)
    answer = api_client_for(users["pat"]).patch(
        f"/api/v1/follow-ups/{due.pk}/", {"done_on": str(timezone.localdate()), "employment": "looking"}, format="json"
    )
    assert answer.status_code == 404
    posted = client_for(users["pat"]).post(
        reverse("livelihoods:follow_up", kwargs={"enrolment_id": enrolment.pk, "follow_up_id": due.pk}),
        {"done_on": str(timezone.localdate()), "employment": "looking"},
    )
    assert posted.status_code in (403, 404)
    due.refresh_from_db()
    assert due.done_on is None


def test_with_the_livelihood_category_the_provider_reads_them_everywhere(users, shared):
    _referral, enrolment, follow_up = shared
    api = api_client_for(users["pat"])
    nested = api.get(f"/api/v1/enrolments/{enrolment.pk}/").json()["follow_ups"]
    assert [f["notes"] for f in nested if f["id"] == follow_up.pk] == [NOTES]
    assert api.get(f"/api/v1/follow-ups/{follow_up.pk}/").json()["notes"] == NOTES
    page = client_for(users["pat"]).get(enrolment_page(enrolment)).content.decode()
    assert "41,235" in page or "41235" in page
    assert 'id="follow-ups-not-shared"' not in page


def test_the_case_agency_reads_its_follow_ups_whatever_a_referral_shares(users, not_shared):
    _referral, enrolment, follow_up = not_shared
    nested = api_client_for(users["alice"]).get(f"/api/v1/enrolments/{enrolment.pk}/").json()["follow_ups"]
    assert follow_up.pk in [f["id"] for f in nested]


def test_after_completion_the_kept_enrolment_still_hides_income_the_referral_did_not_share(users, not_shared):
    referral, enrolment, follow_up = not_shared
    referral_services.referral_move(actor=users["pat"], referral=referral, move="complete", confirmed=True)
    grant = enrolment_get_for_user(users["pat"], enrolment_id=enrolment.pk)
    assert grant.residual and not grant.reads_income
    assert not follow_up_list_for_user(users["pat"]).exists()
    assert api_client_for(users["pat"]).get(f"/api/v1/enrolments/{enrolment.pk}/").json()["follow_ups"] == []


def test_the_grant_and_the_follow_ups_endpoint_apply_one_rule(users, case, network, catalogue, not_shared):
    """For every enrolment the provider sees, `reads_income` says exactly whether its follow-ups are in
    the follow-ups' own list; a second active referral sharing the category opens both, as it opens the
    category on the case (the union of what the active referrals share)."""

    def agree():
        seen = list(enrolment_list_for_user(users["pat"]).select_related("case", "opportunity"))
        grants = enrolment_grants_for_user(users["pat"], seen)
        listed = set(follow_up_list_for_user(users["pat"]).values_list("enrolment_id", flat=True))
        assert {e.pk for e in seen if grants[e.pk].reads_income} == listed
        return listed

    assert agree() == set()
    share_with(users["alice"], case, network.trainer, categories=("livelihood",))
    referral = refer(users["alice"], case, network.trainer, categories=("livelihood",))
    referral_services.referral_move(actor=users["pat"], referral=referral, move="accept")
    assert agree() == {not_shared[1].pk}


def _nested_fields(serializer_class):
    """Fields of a serializer that carry data of another record: nested serializers and method fields."""
    for name, field in serializer_class().fields.items():
        if isinstance(field, serializers.BaseSerializer | serializers.SerializerMethodField):
            yield name


# Every nested field of every serializer of the project, with why it is safe: a part of the record
# itself (no access rule of its own), or another record's data with that record's rule applied in the
# field. A new nested field fails here until someone says which it is and checks it.
NESTED = {
    ("CaseDetailSerializer", "history"): "part of the case; left out unless the reader sees the history category",
    ("CaseDetailSerializer", "return"): "part of the case; left out unless the reader sees the return category",
    ("CaseListSerializer", "own"): "a flag of the reader's grant",
    ("CaseStateSerializer", "own"): "a flag of the reader's grant",
    ("TaskSerializer", "done"): "a flag of the task itself",
    ("DuplicatesSerializer", "coordinators"): "network coordinators of the asker's country: staff, no case data",
    ("TimelineEventSerializer", "text"): "the line itself; lines are filtered by cases.selectors",
    ("DemandSerializer", "area_name"): "a label",
    ("DemandSerializer", "isco_label"): "a label",
    ("SkillsProfileSerializer", "experience"): "part of the profile",
    ("SkillsProfileSerializer", "aspirations"): "part of the profile",
    ("EnrolmentSerializer", "placement"): "part of the enrolment, recorded through its own action",
    ("EnrolmentSerializer", "stipend_payments"): "part of the enrolment, recorded through its own action",
    ("EnrolmentSerializer", "follow_ups"): "own rule: the grant's reads_income (income_enrolment_list_for_user)",
    ("FollowUpSerializer", "not_reached"): "the follow-up's own rule: whoever reads the follow-up",
    ("AssessmentSerializer", "not_reached"): "left out unless the reader's agency owns the case (context own)",
    ("EnrolmentSerializer", "moves"): "from the grant",
    ("EnrolmentSerializer", "next_step"): "from the grant",
    ("AgencySerializer", "country_name"): "a label",
    ("AgencySerializer", "services"): "the network's public directory",
    ("GoalSerializer", "actions"): "part of the plan",
    ("PlanSerializer", "goals"): "part of the plan",
    ("PlanSerializer", "revisions"): "part of the plan",
    ("PlanSerializer", "flags"): "computed by the view for the plan it may show",
    ("ReferralSerializer", "override"): "a flag of the referral itself",
    ("ReferralSerializer", "withheld"): "a flag from access.referral_details_withheld",
    ("ClosureRequestSerializer", "remigration"): "input only: the move abroad posted with a closure, never read back",
}


def test_every_nested_field_of_the_project_is_accounted_for():
    found = set()
    for module_info in pkgutil.walk_packages(reintegra.__path__, "reintegra."):
        if not module_info.name.endswith("serializers"):
            continue
        module = importlib.import_module(module_info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, serializers.Serializer):
                continue
            if name.startswith("_"):
                continue  # an abstract base, without a Meta of its own
            found |= {(name, field) for field in _nested_fields(cls)}
    assert found == set(NESTED), f"nested fields without a stated rule, or gone: {sorted(found ^ set(NESTED))}"
