"""The search for a person: by POST, never with a name or phone number in an address; by any word
of a name, or its first four letters or more (decisions/0017); its result kept under a token that
belongs to one user for a short while."""

import importlib
import re
import time
from urllib.parse import quote, quote_plus

from django.apps import apps
from django.urls import reverse

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services
from reintegra.cases.models import NameWordIndex
from reintegra.cases.selectors import case_search_by_identity
from reintegra.cases.views import SEARCHES

from ..conftest import api_client_for, client_for
from .conftest import IDENTITY

SEARCH = reverse("cases:search")
LIST = reverse("cases:list")


def open_case(user, **fields):
    return services.case_open(actor=user, **(IDENTITY | fields))


def found(user, name="", phone=""):
    return set(case_search_by_identity(user=user, name=name, phone=phone).values_list("code", flat=True))


def urls_of(response) -> list[str]:
    """Every address the search went through or offers: the redirects, the final request, and
    every link and form target of the page."""
    body = response.content.decode()
    final = response.request["PATH_INFO"] + "?" + response.request.get("QUERY_STRING", "")
    links = re.findall(r'(?:href|action|src|hx-get|hx-post)="([^"]*)"', body)
    return [url for url, _status in getattr(response, "redirect_chain", [])] + [final, *links]


def test_no_name_or_phone_number_reaches_any_address_the_search_goes_through(users):
    cases = [open_case(users["alice"], given_name="Somsri", family_name=f"Sukjai{i}") for i in range(31)]
    client = client_for(users["alice"])
    query = {"name": "Somsri Sukjai", "phone": "+66 81 234 5678"}
    response = client.post(SEARCH, query, follow=True)
    assert response.status_code == 200 and response.redirect_chain[0][1] == 302
    next_link = re.search(r'href="(\?[^"]*page=2)"', response.content.decode()).group(1).replace("&amp;", "&")
    page_two = client.get(LIST + next_link)
    assert page_two.status_code == 200 and "Page 2 of 2" in page_two.content.decode()
    shown = {c.code for c in cases if c.code in response.content.decode() + page_two.content.decode()}
    assert shown == {c.code for c in cases}  # found by phone (all share it), over two pages
    for url in urls_of(response) + urls_of(page_two):
        for secret in ("Somsri", "somsri", "Sukjai", "sukjai", "81 234", "812345678", "8123"):
            for form in (secret, quote(secret), quote_plus(secret)):
                assert form not in url, f"{form!r} in {url!r}"


def test_a_part_of_a_name_finds_the_person(users):
    somsri = open_case(users["alice"], given_name="Somsri", family_name="Sukjai", other_names="Noi")
    thai = open_case(users["alice"], given_name="สมศรี", family_name="สุขใจ", phones=["+66 81 000 1111"])
    jose = open_case(users["alice"], given_name="José Ma.", family_name="Niño-Dela Cruz", phones=["+63 917 000 2222"])
    alice = users["alice"]
    for name in ("Somsri", "sukjai", "SUKJ", "Soms sukjai", "noi", "Sukjai, Somsri"):
        assert found(alice, name) == {somsri.code}, name
    assert found(alice, "สุขใจ") == found(alice, "สมศร") == {thai.code}
    for name in ("jose", "Nino", "dela cruz", "ma"):
        assert found(alice, name) == {jose.code}, name
    # Short beginnings are not searched (they would match anyone); a word not in the name finds no one.
    for name in ("Som", "Suk", "Somsri Sukjaiy", "Somchai", "สมชาย"):
        assert found(alice, name) == set(), name


def test_the_name_words_follow_an_edit_and_hold_no_plaintext(case, users):
    services.case_update(actor=users["alice"], case=case, version=case.version, given_name="Malai")
    assert found(users["alice"], "Malai Kaewmanee") == {case.code}
    assert found(users["alice"], "Somsri") == set()
    keys = list(NameWordIndex.objects.filter(returnee=case.returnee).values_list("key", flat=True))
    assert len(keys) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)


def test_the_migration_indexes_the_names_recorded_before_it(case, users):
    NameWordIndex.objects.all().delete()
    assert found(users["alice"], "Somsri") == set()
    migration = importlib.import_module("reintegra.cases.migrations.0005_name_word_index")
    migration.index_name_words(apps, None)
    assert found(users["alice"], "Somsri") == {case.code}


def test_the_search_is_posted_and_shows_the_result_under_a_token(case, users):
    client = client_for(users["alice"])
    assert client.get(SEARCH, {"name": "Somsri"}).status_code == 405
    response = client.post(SEARCH, {"name": "Somsri"})
    assert response.status_code == 302 and re.fullmatch(r"/cases/\?search=[\w-]{20,}", response["Location"])
    body = client.get(response["Location"]).content.decode()
    assert case.code in body and "1 case found by your search" in body
    # The old query string searches no one any more, and so records no search.
    client.get(LIST, {"name": "Somsri Kaewmanee"})
    assert AuditEvent.objects.filter(object_id="search").count() == 1


def test_a_search_without_a_name_or_with_a_short_phone_number_is_refused_naming_the_problem(case, users):
    client = client_for(users["alice"])
    response = client.post(SEARCH, {"name": "", "phone": ""})
    assert response.status_code == 400 and "Give a name or a phone number" in response.content.decode()
    response = client.post(SEARCH, {"name": "Somsri", "phone": "12 34"})
    body = response.content.decode()
    assert response.status_code == 400 and "at least 7 digits" in body
    assert 'value="Somsri"' in body and 'value="12 34"' in body  # what was typed stays, in the page only
    assert not AuditEvent.objects.filter(object_id="search").exists()


def test_a_search_token_of_another_user_or_past_its_time_is_refused(case, users):
    alice = client_for(users["alice"])
    location = alice.post(SEARCH, {"name": "Somsri"})["Location"]
    token = location.split("=", 1)[1]
    # Another user of the same agency, with the address: not theirs.
    response = client_for(users["sam"]).get(location)
    assert response.status_code == 404 and case.code not in response.content.decode()
    assert "expired or was made by someone else" in response.content.decode()
    # Even with the search copied into their own session, it stays Alice's.
    sam = client_for(users["sam"])
    session = sam.session
    session[SEARCHES] = {token: alice.session[SEARCHES][token]}
    session.save()
    assert sam.get(location).status_code == 404
    # Alice's own search, once past its time.
    session = alice.session
    session[SEARCHES][token]["expires"] = time.time() - 1
    session.save()
    response = alice.get(location)
    assert response.status_code == 404 and case.code not in response.content.decode()


def test_roles_without_cases_cannot_use_a_search(case, users):
    location = client_for(users["alice"]).post(SEARCH, {"name": "Somsri"})["Location"]
    for persona in ("ana", "cora", "charlie"):
        assert client_for(users[persona]).get(location).status_code == 403
    assert client_for(None).post(SEARCH, {"name": "Somsri"}).status_code == 302  # to the login


def test_the_api_searches_by_post_with_the_name_in_the_body_and_audits_it(case, users):
    client = api_client_for(users["alice"])
    url = "/api/v1/cases/search/"
    assert client.get(url, {"name": "Somsri"}).status_code == 405
    response = client.post(url, {"name": "kaew"}, format="json")
    assert response.status_code == 200 and [c["code"] for c in response.json()] == [case.code]
    assert "Somsri" not in response.content.decode()  # codes and stages, no names
    response = client.post(url, {"phone": "0812345678"}, format="json")
    assert [c["code"] for c in response.json()] == [case.code]
    assert AuditEvent.objects.filter(object_id="search", actor=users["alice"]).count() == 2
    response = client.post(url, {}, format="json")
    assert response.status_code == 400 and "Give a name or a phone number" in response.content.decode()
    assert api_client_for(users["bob"]).post(url, {"name": "Somsri"}, format="json").json() == []
    for persona in ("ana", "cora", "charlie"):
        assert api_client_for(users[persona]).post(url, {"name": "Somsri"}, format="json").status_code == 403
