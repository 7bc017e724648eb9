"""Cohort allocation in the product: a supervisor previews optimal beside greedy, and confirming makes
offers, never enrolments."""

from decimal import Decimal

from reintegra.access import case_get_for_user
from reintegra.cases import services as case_services
from reintegra.livelihoods import skills
from reintegra.livelihoods.models import Enrolment

from ..cases.conftest import IDENTITY
from ..conftest import client_for


def cohort(users, n=4):
    people = []
    for k in range(n):
        gender = "Feminine" if k % 2 == 0 else "Masculine"
        case = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"R{k}", "gender": gender}))
        access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
        skills.profile_save(
            actor=users["alice"],
            access=access,
            experience=[{"isco": "74" if k < 2 else "75", "years": 3, "abroad": True}],
            aspirations=[{"isco": "74", "mode": "wage_job"}],
            needs_income_now=True,
            income_needed_monthly=Decimal(8000),
            currency="THB",
        )
        people.append(case)
    return people


def test_a_supervisor_previews_and_confirms_offers(users, catalogue):
    paid, unpaid = catalogue
    people = cohort(users)
    sam = client_for(users["sam"])
    page = sam.get("/livelihoods/allocation/")
    assert page.status_code == 200 and people[0].code in page.content.decode()
    post = {"people": [c.pk for c in people], "options": [paid.pk, unpaid.pk], "min_assigned": 2}
    preview = sam.post("/livelihoods/allocation/", post).content.decode()
    assert "Optimal beside greedy" in preview and "Expected decent incomes" in preview
    assert not Enrolment.objects.exists()  # a preview changes nothing
    sam.post("/livelihoods/allocation/", post | {"confirm": "1"})
    statuses = set(Enrolment.objects.values_list("status", flat=True))
    assert statuses == {"offered"} and Enrolment.objects.count() == 4


def test_an_impossible_share_of_women_is_named(users, catalogue):
    paid, _ = catalogue
    people = cohort(users)
    response = client_for(users["sam"]).post(
        "/livelihoods/allocation/",
        {
            "people": [c.pk for c in people],
            "options": [paid.pk],
            "women_min": 80,
            "min_assigned": 1,
            "min_total": 4,
        },
    )
    body = response.content.decode()
    assert "respect the share of women" in body
    response = client_for(users["sam"]).post(
        "/livelihoods/allocation/",
        {"people": [c.pk for c in people], "options": [paid.pk], "min_assigned": 1, "min_total": 2, "budget": "0"},
    )
    assert "respect the budget" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_only_supervisors_allocate_and_only_their_agencys_returnees(users, catalogue):
    cohort(users, n=2)
    for name in ("alice", "pat", "ana", "cora", "charlie"):
        assert client_for(users[name]).get("/livelihoods/allocation/").status_code == 403, name
    page = client_for(users["bella"]).get("/livelihoods/allocation/").content.decode()
    assert "TH-" not in page.split('id="allocation-form"')[1]  # Beta's supervisor sees none of Alpha's cases
