"""Cohort allocation in the product: only people still looking are chosen by default; a preview
changes nothing; confirming asks once, with the numbers, and makes exactly those offers, once; a
supervisor withdraws offers not yet answered, with a reason, through the enrolment workflow."""

import re
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from reintegra.access import case_get_for_user, enrolment_get_for_user
from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.cases.models import CaseEvent
from reintegra.livelihoods import allocation, enrolments, services, skills
from reintegra.livelihoods.models import OPTION_FIELDS, AllocationRound, Enrolment, values_of

from ..cases.conftest import IDENTITY
from ..conftest import api_client_for, client_for

REASON = "The course was cancelled by the provider."
QUESTION = re.compile(r"Make (\d+) offers? to (\d+) (?:person|people) across (\d+) options?\?")


def returnee(users, k, **profile):
    gender = "Feminine" if k % 2 == 0 else "Masculine"
    case = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"R{k}", "gender": gender}))
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    skills.profile_save(
        actor=users["alice"],
        access=access,
        **(
            {
                "experience": [{"isco": "74" if k < 2 else "75", "years": 3, "abroad": True}],
                "aspirations": [{"isco": "74", "mode": "wage_job"}],
                "needs_income_now": True,
                "income_needed_monthly": Decimal(8000),
                "currency": "THB",
            }
            | profile
        ),
    )
    return case


def cohort(users, n=4):
    return [returnee(users, k) for k in range(n)]


def recommend(users, case, option):
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    return enrolments.enrolment_recommend(actor=users["alice"], access=access, opportunity=option)


def move(user, enrolment, *steps):
    for step in steps:
        enrolment.refresh_from_db()
        grant = enrolment_get_for_user(user, enrolment_id=enrolment.pk)
        needs_reason = step in ("declined", "dropped_out", "withdrawn")
        enrolments.enrolment_move(
            actor=user, access=grant, to=step, reason=REASON if needs_reason else "", version=enrolment.version
        )
    enrolment.refresh_from_db()
    return enrolment


def place(users, case, option):
    enrolment = move(users["alice"], recommend(users, case, option), "offered", "accepted", "enrolled")
    grant = enrolment_get_for_user(users["alice"], enrolment_id=enrolment.pk)
    enrolments.placement_record(
        actor=users["alice"],
        access=grant,
        kind="job",
        employer_name="Mae Sai Works",
        isco="74",
        started_on=timezone.localdate(),
    )
    enrolment.refresh_from_db()
    return enrolment


def checked(page, case):
    """Whether the selection ticks this person (None: they cannot be chosen at all)."""
    if f'id="person-{case.pk}" checked' in page:
        return True
    if f'id="person-{case.pk}"' in page:
        return False
    return None


def preview(client, people, options, **extra):
    post = {"people": [c.pk for c in people], "options": [o.pk for o in options], "min_assigned": 2} | extra
    response = client.post("/livelihoods/allocation/", post)
    page = response.content.decode()
    match = re.search(r'name="token" value="([0-9a-f-]+)"', page)
    return page, match.group(1) if match else None


# --- Who is chosen -----------------------------------------------------------------------------------


def test_only_people_still_looking_are_chosen_by_default(users, catalogue):
    paid, unpaid = catalogue
    looking = returnee(users, 0)
    placed = returnee(users, 1)
    place(users, placed, paid)
    busy = returnee(users, 2)
    move(users["alice"], recommend(users, busy, unpaid), "offered")
    declined = returnee(users, 3)
    move(users["alice"], recommend(users, declined, unpaid), "declined")
    withdrawn = returnee(users, 4)
    move(users["sam"], move(users["alice"], recommend(users, withdrawn, unpaid), "offered"), "withdrawn")
    no_profile = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Nobody"}))

    page = client_for(users["sam"]).get("/livelihoods/allocation/").content.decode()

    assert checked(page, looking) is True
    assert checked(page, withdrawn) is True  # a withdrawn offer leaves the person looking
    assert checked(page, placed) is False and "In work since" in page
    assert checked(page, declined) is False and "Declined Sewing course on" in page
    assert checked(page, busy) is None and "Has an option open: Sewing course (Offered)" in page
    assert checked(page, no_profile) is None and no_profile.code not in page  # counted, not listed
    assert "1 more person of your agency has no skills profile yet" in page
    assert "Show everyone: 3 more people, not chosen by default" in page
    assert "You may still choose a person who is placed" in page  # why a supervisor may add them


def test_a_large_agency_is_read_oldest_first_one_round_at_a_time(users, catalogue, monkeypatch):
    """At national scale the selection is bounded: the oldest open cases, until enough people still
    looking; offers made take them out and the next round goes on with the cases after them."""
    monkeypatch.setattr(allocation, "COHORT_LOOKING", 2)
    monkeypatch.setattr(allocation, "COHORT_BATCH", 2)
    people = cohort(users, 5)
    _paid, unpaid = catalogue

    first = allocation.candidates(user=users["sam"])
    assert [c.case for c in first.looking] == people[:2] and not first.complete
    page = client_for(users["sam"]).get("/livelihoods/allocation/").content.decode()
    assert "these are its 2 oldest open cases" in page
    assert checked(page, people[1]) is True and checked(page, people[2]) is None

    for case in people[:2]:
        move(users["alice"], recommend(users, case, unpaid), "offered")
    second = allocation.candidates(user=users["sam"])
    assert [c.case for c in second.looking] == people[2:4] and not second.complete
    assert {c.case for c in second.people} == set(people[:4])  # those offered shown with their option

    monkeypatch.setattr(allocation, "COHORT_LOOKING", 10)
    monkeypatch.setattr(allocation, "COHORT_READ", 4)  # the most read at once stops the reading too
    capped = allocation.candidates(user=users["sam"])
    assert len(capped.people) == 4 and not capped.complete
    monkeypatch.setattr(allocation, "COHORT_READ", 100)
    everyone = allocation.candidates(user=users["sam"])
    assert [c.case for c in everyone.looking] == people[2:] and everyone.complete

    confirming = allocation.candidates(user=users["sam"], among=[people[4].pk, people[0].pk])
    assert [c.case for c in confirming.people] == [people[0], people[4]]


def test_a_person_placed_but_looking_again_at_the_last_follow_up_is_chosen(users, catalogue):
    paid, _unpaid = catalogue
    case = returnee(users, 0)
    enrolment = place(users, case, paid)
    grant = enrolment_get_for_user(users["alice"], enrolment_id=enrolment.pk)
    enrolments.follow_up_record(
        actor=users["alice"],
        access=grant,
        follow_up=enrolment.follow_ups.get(months=1),
        done_on=timezone.localdate(),
        employment="looking",
    )
    page = client_for(users["sam"]).get("/livelihoods/allocation/").content.decode()
    assert checked(page, case) is True
    enrolments.follow_up_record(  # the latest follow-up done is what counts: in work again
        actor=users["alice"],
        access=grant,
        follow_up=enrolment.follow_ups.get(months=3),
        done_on=timezone.localdate(),
        employment="employed",
    )
    page = client_for(users["sam"]).get("/livelihoods/allocation/").content.decode()
    assert checked(page, case) is False and "In work since" in page


def test_each_person_shows_their_area_wishes_and_need_for_income(users, catalogue):
    case = returnee(users, 0, work_areas=["TH-57"], aspirations=[{"isco": "51", "mode": "own_business"}])
    calm = returnee(users, 1, needs_income_now=False, income_needed_monthly=None, currency="")
    sam = client_for(users["sam"])
    page = sam.get("/livelihoods/allocation/").content.decode()
    card = page.split(f'id="person-{case.pk}"')[1].split("</li>")[0]
    assert "Chiang Rai" in card and "TH-57" not in card.replace(case.code, "")  # a code may start TH-57
    assert "Personal service workers" in card
    assert "needs an income now" in card and "8,000 THB" in card
    assert "no income needed at once" in page.split(f'id="person-{calm.pk}"')[1].split("</li>")[0]
    thai = sam.get("/livelihoods/allocation/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "เชียงราย" in thai.split(f'id="person-{case.pk}"')[1].split("</li>")[0]  # the area in the reader's language


def test_the_selection_is_audited_as_a_read(users, catalogue):
    people = cohort(users, n=2)
    client_for(users["sam"]).get("/livelihoods/allocation/")
    read = AuditEvent.objects.filter(action=AuditEvent.Action.READ, details__via="allocation").get()
    assert sorted(read.details["codes"]) == sorted(c.code for c in people)
    client_for(users["bella"]).get("/livelihoods/allocation/")  # Beta's supervisor is shown no one of Alpha
    assert not AuditEvent.objects.filter(details__via="allocation", actor=users["bella"]).exists()


def test_a_supervisor_may_add_a_placed_person_but_not_one_with_an_option_open(users, catalogue):
    paid, unpaid = catalogue
    people = cohort(users, n=2)
    placed = returnee(users, 2)
    place(users, placed, unpaid)
    busy = returnee(users, 3)
    recommend(users, busy, unpaid)
    sam = client_for(users["sam"])
    page, token = preview(sam, [*people, placed], [paid, unpaid])
    assert token is not None and placed.code in page.split('id="allocation-pairs"')[1]
    assert checked(page, placed) is True  # kept as chosen, and the list of others shown open
    page, token = preview(sam, [*people, busy], [paid, unpaid])
    assert token is None and "is not one of the available choices" in page
    assert not Enrolment.objects.filter(status="offered").exists()


# --- Confirming ------------------------------------------------------------------------------------


def test_confirming_asks_once_with_the_numbers_and_makes_exactly_those_offers(users, catalogue):
    paid, unpaid = catalogue
    people = cohort(users)
    sam = client_for(users["sam"])
    page, token = preview(sam, people, [paid, unpaid])
    assert "The modes side by side" in page and "Continue to confirm the offers" in page
    assert not Enrolment.objects.exists()  # a preview changes nothing

    question = sam.post("/livelihoods/allocation/confirm/", {"token": token})
    assert question.status_code == 200
    body = question.content.decode()
    offers, persons, options = map(int, QUESTION.search(body).groups())
    assert "Make the offers" in body and "Back" in body and f"?preview={token}" in body
    assert not Enrolment.objects.exists()  # asking makes nothing

    made = sam.post("/livelihoods/allocation/confirm/", {"token": token, "confirm": "1"})
    round_ = AllocationRound.objects.get()
    assert made.status_code == 302 and made.url == f"/livelihoods/allocation/rounds/{round_.pk}/"
    offered = Enrolment.objects.filter(allocation_round=round_)
    assert set(offered.values_list("status", flat=True)) == {"offered"}
    assert offered.count() == offers == 4
    assert offered.values("case").distinct().count() == persons
    assert offered.values("opportunity").distinct().count() == options
    assert round_.made_by == users["sam"] and round_.agency == users["sam"].agency
    assert AuditEvent.objects.filter(object_type="livelihoods.allocationround", details__offers=4).count() == 1


def test_a_preview_posted_with_confirm_offers_nothing(users, catalogue):
    """The old one-click path: confirming from the preview form itself makes no offer."""
    paid, unpaid = catalogue
    people = cohort(users)
    client_for(users["sam"]).post(
        "/livelihoods/allocation/",
        {"people": [c.pk for c in people], "options": [paid.pk, unpaid.pk], "min_assigned": 2, "confirm": "1"},
    )
    assert not Enrolment.objects.exists() and not AllocationRound.objects.exists()


def test_back_shows_the_same_preview_again(users, catalogue):
    paid, unpaid = catalogue
    people = cohort(users, n=3)
    sam = client_for(users["sam"])
    _page, token = preview(sam, people[:2], [paid, unpaid], women_max=80)
    back = sam.get(f"/livelihoods/allocation/?preview={token}").content.decode()
    assert "The modes side by side" in back and 'value="80"' in back
    assert checked(back, people[0]) is True and checked(back, people[2]) is False  # the choice as it was


def test_confirming_twice_makes_the_offers_once(users, catalogue):
    paid, unpaid = catalogue
    people = cohort(users)
    sam = client_for(users["sam"])
    _page, token = preview(sam, people, [paid, unpaid])
    first = sam.post("/livelihoods/allocation/confirm/", {"token": token, "confirm": "1"})
    again = sam.post("/livelihoods/allocation/confirm/", {"token": token, "confirm": "1"}, follow=True)
    assert Enrolment.objects.count() == 4 and AllocationRound.objects.count() == 1
    assert again.redirect_chain[0][0] == first.url
    assert "These offers were made already" in again.content.decode()


def test_two_confirmations_of_one_token_in_the_service_make_one_round(users, catalogue):
    paid, _unpaid = catalogue
    people = cohort(users, n=2)
    token = uuid.uuid4()
    grants = [(case_get_for_user(users["sam"], code=c.code, for_edit=True), paid) for c in people]
    round_, made = allocation.cohort_offer(user=users["sam"], token=token, offers=grants, constraints={})
    again, made_again = allocation.cohort_offer(user=users["sam"], token=token, offers=grants, constraints={})
    assert made and not made_again and again == round_
    assert Enrolment.objects.count() == 2


def test_an_unknown_or_malformed_token_makes_nothing(users, catalogue):
    cohort(users, n=2)
    sam = client_for(users["sam"])
    response = sam.post("/livelihoods/allocation/confirm/", {"token": str(uuid.uuid4()), "confirm": "1"}, follow=True)
    assert "no longer kept" in response.content.decode()
    assert sam.post("/livelihoods/allocation/confirm/", {"token": "x", "confirm": "1"}).status_code == 400
    assert sam.get("/livelihoods/allocation/confirm/").status_code == 405
    assert not Enrolment.objects.exists()


def test_a_change_since_the_preview_refuses_the_whole_round_naming_who(users, catalogue):
    paid, unpaid = catalogue
    people = cohort(users)
    sam = client_for(users["sam"])
    _page, token = preview(sam, people, [paid, unpaid])
    recommend(users, people[1], unpaid)  # meanwhile, their caseworker put an option forward
    response = sam.post("/livelihoods/allocation/confirm/", {"token": token, "confirm": "1"})
    body = response.content.decode()
    assert response.status_code == 400 and people[1].code in body and "Nothing was offered" in body
    assert not Enrolment.objects.filter(status="offered").exists() and not AllocationRound.objects.exists()


def test_the_service_refuses_more_offers_than_seats_left_and_makes_none(users, catalogue):
    paid, _unpaid = catalogue
    one_seat(users, paid)
    people = cohort(users, n=2)
    grants = [(case_get_for_user(users["sam"], code=c.code, for_edit=True), paid) for c in people]
    with pytest.raises(ValidationError) as refused:
        allocation.cohort_offer(user=users["sam"], token=uuid.uuid4(), offers=grants, constraints={})
    assert "1 seat left to offer, not 2" in str(refused.value)
    assert not Enrolment.objects.exists() and not AllocationRound.objects.exists()


def test_only_a_supervisor_of_the_agency_makes_offers(users, catalogue):
    paid, _unpaid = catalogue
    people = cohort(users, n=1)
    grants = [(case_get_for_user(users["alice"], code=people[0].code, for_edit=True), paid)]
    with pytest.raises(PermissionDenied):
        allocation.cohort_offer(user=users["alice"], token=uuid.uuid4(), offers=grants, constraints={})
    for name in ("alice", "pat", "ana", "cora", "charlie"):
        assert client_for(users[name]).post("/livelihoods/allocation/confirm/", {"token": "x"}).status_code == 403


# --- Withdrawing -----------------------------------------------------------------------------------


def confirmed_round(users, catalogue, n=4):
    paid, unpaid = catalogue
    people = cohort(users, n=n)
    sam = client_for(users["sam"])
    _page, token = preview(sam, people, [paid, unpaid])
    sam.post("/livelihoods/allocation/confirm/", {"token": token, "confirm": "1"})
    return AllocationRound.objects.get(), sam


def test_a_supervisor_withdraws_one_offer_with_a_reason_on_the_timeline_and_in_the_audit(users, catalogue):
    round_, sam = confirmed_round(users, catalogue)
    offer = round_.offers.order_by("pk").first()
    page = sam.get(f"/livelihoods/allocation/rounds/{round_.pk}/").content.decode()
    assert offer.case.code in page and "Withdraw this offer" in page
    response = sam.post(f"/livelihoods/allocation/rounds/{round_.pk}/withdraw/", {"offer": offer.pk, "reason": REASON})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == "withdrawn" and offer.withdrawal_reason == REASON and offer.withdrawn_by == users["sam"]
    assert set(round_.offers.exclude(pk=offer.pk).values_list("status", flat=True)) == {"offered"}
    line = CaseEvent.objects.filter(case=offer.case).order_by("-pk").first()
    assert "Offer withdrawn" in line.display_summary and line.text == REASON
    assert AuditEvent.objects.filter(
        object_type="livelihoods.enrolment", object_id=str(offer.pk), details__move="withdrawn"
    ).exists()


def test_a_withdrawal_needs_a_reason_and_keeps_nothing_without_one(users, catalogue):
    round_, sam = confirmed_round(users, catalogue, n=2)
    offer = round_.offers.first()
    response = sam.post(f"/livelihoods/allocation/rounds/{round_.pk}/withdraw/", {"offer": offer.pk, "reason": " "})
    assert response.status_code == 400 and "Say why the offer is withdrawn" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == "offered"


def test_every_offer_not_yet_answered_is_withdrawn_at_once(users, catalogue):
    round_, sam = confirmed_round(users, catalogue)
    answered = move(users["alice"], round_.offers.order_by("pk").first(), "accepted")
    response = sam.post(f"/livelihoods/allocation/rounds/{round_.pk}/withdraw/", {"reason": REASON}, follow=True)
    assert "3 offers withdrawn." in response.content.decode()
    answered.refresh_from_db()
    assert answered.status == "accepted"  # an answered offer is the person's
    assert round_.offers.filter(status="withdrawn").count() == 3


def test_withdrawal_is_refused_to_anyone_but_a_supervisor_of_the_agency(users, catalogue):
    round_, sam = confirmed_round(users, catalogue, n=2)
    offer = round_.offers.first()
    alice = client_for(users["alice"])
    url = f"/livelihoods/allocation/rounds/{round_.pk}/withdraw/"
    assert alice.post(url, {"offer": offer.pk, "reason": REASON}).status_code == 403
    assert client_for(users["bella"]).post(url, {"offer": offer.pk, "reason": REASON}).status_code == 404
    assert client_for(users["bella"]).get(f"/livelihoods/allocation/rounds/{round_.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):  # the caseworker's grant holds no supervisor party
        move(users["alice"], offer, "withdrawn")
    assert "Withdraw the offer" not in alice.get(f"/livelihoods/enrolments/{offer.pk}/").content.decode()
    assert "Withdraw the offer" in sam.get(f"/livelihoods/enrolments/{offer.pk}/").content.decode()
    offer.refresh_from_db()
    assert offer.status == "offered"


def test_the_api_lists_and_makes_the_withdrawal_for_supervisors_only(users, catalogue):
    round_, _sam = confirmed_round(users, catalogue, n=1)
    offer = round_.offers.get()
    url = f"/api/v1/enrolments/{offer.pk}/"
    assert "withdrawn" in api_client_for(users["sam"]).get(url).json()["moves"]
    assert "withdrawn" not in api_client_for(users["alice"]).get(url).json()["moves"]
    refused = api_client_for(users["alice"]).post(
        f"{url}status/", {"to": "withdrawn", "reason": REASON, "version": offer.version}, format="json"
    )
    assert refused.status_code == 403
    done = api_client_for(users["sam"]).post(
        f"{url}status/", {"to": "withdrawn", "reason": REASON, "version": offer.version}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"


def test_a_withdrawn_offer_frees_the_person_and_the_seat(users, catalogue):
    paid, _unpaid = catalogue
    one_seat(users, paid)
    first, second = cohort(users, n=2)
    sam = client_for(users["sam"])
    _page, token = preview(sam, [first], [paid])
    sam.post("/livelihoods/allocation/confirm/", {"token": token, "confirm": "1"})
    assert allocation.seats_to_offer([paid]) == {paid.pk: 0}  # the offer holds the only seat
    page, _token = preview(sam, [second], [paid])
    assert "no option this round" in page.split('id="allocation-pairs"')[1]
    offer = Enrolment.objects.get(case=first)
    sam.post(f"/livelihoods/allocation/rounds/{offer.allocation_round_id}/withdraw/", {"reason": REASON})
    assert allocation.seats_to_offer([paid]) == {paid.pk: 1}
    assert checked(sam.get("/livelihoods/allocation/").content.decode(), first) is True


def test_only_supervisors_allocate_and_only_their_agencys_returnees(users, catalogue):
    cohort(users, n=2)
    for name in ("alice", "pat", "ana", "cora", "charlie"):
        assert client_for(users[name]).get("/livelihoods/allocation/").status_code == 403, name
    page = client_for(users["bella"]).get("/livelihoods/allocation/").content.decode()
    assert "TH-" not in page.split('id="allocation-form"')[1]  # Beta's supervisor sees none of Alpha's cases


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


def test_shares_chances_and_the_duncan_index_read_in_words(users, catalogue):
    paid, unpaid = catalogue
    people = cohort(users)
    page, _token = preview(client_for(users["sam"]), people, [paid, unpaid])
    metrics = page.split('id="allocation-metrics"')[1].split("</section>")[0]
    assert re.search(r"\d+\u00a0%", metrics)  # shares as percentages
    assert "would have to change options" in metrics or "spread alike" in metrics
    pairs = page.split('id="allocation-pairs"')[1].split("</section>")[0]
    assert re.search(r"chance of a decent income: (about \d in 10|fewer than 1 in 10|more than 9 in 10)", pairs)
    assert not re.search(r"0\.\d\d", pairs)  # no bare probabilities


def one_seat(users, option):
    values = values_of(option, OPTION_FIELDS) | {"seats": 1}
    services.opportunity_save(actor=users["cora"], opportunity=option, version=option.version, **values)
    option.refresh_from_db()
