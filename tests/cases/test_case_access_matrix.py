"""Every case and referral page, for every persona. The case is Alpha's, referred to Beta
(accepted, profile shared); the referral to Gamma (the trainer) is still pending."""

import re

import pytest

from reintegra.referrals import services as referral_services

from ..conftest import client_for
from .conftest import refer, share_with

ALL = ["anon", "charlie", "alice", "sam", "bob", "bella", "pat", "ana", "cora"]


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {persona: overrides.get(persona, default) for persona in ALL}


OWNER_ONLY = expect(404, anon=302, alice=200, sam=200)
PAGES = [
    ("/cases/", expect(403, anon=302, alice=200, sam=200, bob=200, bella=200, pat=200)),
    ("/cases/new/", expect(403, anon=302, alice=200, sam=200, bob=200, bella=200)),
    ("/cases/tasks/", expect(403, anon=302, alice=200, sam=200, bob=200, bella=200, pat=200)),
    ("/cases/{code}/", expect(404, anon=302, alice=200, sam=200, bob=200, bella=200)),
    ("/cases/{code}/edit/", OWNER_ONLY),
    ("/cases/{code}/photo/", expect(404, anon=302)),  # no photo yet, for anyone
    ("/referrals/", expect(403, anon=302, alice=200, sam=200, bob=200, bella=200, pat=200)),
    ("/referrals/{beta_referral}/", expect(404, anon=302, alice=200, sam=200, bob=200, bella=200)),
    ("/referrals/{gamma_referral}/", expect(404, anon=302, alice=200, sam=200, pat=200)),
]
POSTS = [
    ("/cases/{code}/notes/", {"text": "A note"}, expect(404, anon=302, alice=302, sam=302)),
    # Beta sees the profile only: it has no identifying detail to reveal.
    ("/cases/{code}/reveal/", {}, expect(404, anon=302, alice=200, sam=200)),
    ("/cases/search/", {"name": "Somsri"}, expect(403, anon=302, alice=302, sam=302, bob=302, bella=302, pat=302)),
    # Alice's change uses version 1 up: Sam's, posted from the same page, comes back as stale (the
    # page again with his form, 400); both may change the stage, nobody else may.
    ("/cases/{code}/stage/", {"stage": "return", "version": "1"}, expect(404, anon=302, alice=302, sam=400)),
    ("/referrals/{gamma_referral}/accept/", {}, expect(404, anon=302, alice=403, sam=403, pat=302)),
]


@pytest.fixture
def setting(case, users, network):
    share_with(users["alice"], case, network.beta, categories=["profile"])
    beta = refer(users["alice"], case, network.beta, categories=["profile"])
    referral_services.referral_move(move="accept", actor=users["bob"], referral=beta)
    share_with(users["alice"], case, network.trainer, categories=["profile"])
    gamma = refer(users["alice"], case, network.trainer, categories=["profile"])
    return {"code": case.code, "beta_referral": beta.pk, "gamma_referral": gamma.pk}


@pytest.mark.parametrize(("url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_case_pages_answer_each_persona_as_the_access_rules_say(url, expected, users, setting):
    for persona, status in expected.items():
        response = client_for(users.get(persona)).get(url.format(**setting))
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"


@pytest.mark.parametrize(("url", "data", "expected"), POSTS, ids=[p[0] for p in POSTS])
def test_case_actions_answer_each_persona_as_the_access_rules_say(url, data, expected, users, setting):
    for persona, status in expected.items():
        response = client_for(users.get(persona)).post(url.format(**setting), data)
        assert response.status_code == status, f"{persona} on {url}: {response.status_code}, expected {status}"


def test_the_list_reads_the_access_rule_in_two_parts_that_never_share_a_case(case, users, network, setting):
    """The case list reads own and referred cases apart (cases/listing.py): for every persona the two
    parts together are exactly what the access rule lets them see, and never the same case twice."""
    from reintegra.access import case_list_for_user, case_parts_for_user
    from reintegra.cases import services as case_services
    from reintegra.cases.selectors import CaseFilters, case_list

    from .conftest import IDENTITY

    case_services.case_open(actor=users["bob"], **IDENTITY)  # Beta's own, beside Alpha's referred to it
    for persona in ALL[1:]:
        user = users[persona]
        own, referred = case_parts_for_user(user)
        assert not set(own) & set(referred), persona
        assert set(own) | set(referred) == set(case_list_for_user(user)), persona
        if not case_list_for_user(user).exists():
            continue  # charlie (no agency), the analyst, the coordinator: no case at all
        listed = case_list(user=user, filters=CaseFilters())
        assert list(listed) == list(case_list_for_user(user).order_by("-opened_at", "-pk")), persona
        assert listed.count() == len(list(listed))
    bob = case_list(user=users["bob"], filters=CaseFilters())
    assert bob.count() == 2 and {c.agency_id for c in bob} == {network.alpha.pk, network.beta.pk}
    only_referred = case_list(user=users["bob"], filters=CaseFilters(referred=True))
    assert [c.code for c in only_referred] == [case.code]


def test_a_page_of_the_list_is_the_same_rows_as_the_whole_list_cut(case, users, network, setting):
    from django.core.paginator import Paginator

    from reintegra.cases import services as case_services
    from reintegra.cases.selectors import CaseFilters, case_list

    from .conftest import IDENTITY

    for k in range(4):
        case_services.case_open(actor=users["bob"], **(IDENTITY | {"given_name": f"B{k}"}))
    listed = case_list(user=users["bob"], filters=CaseFilters())
    whole = list(listed)
    assert len(whole) == 5 and case in whole
    pages = Paginator(listed, 2)
    assert [c for n in pages.page_range for c in pages.page(n).object_list] == whole
    assert pages.num_pages == 3 and listed[4] == whole[4]


def test_the_sites_list_stops_at_its_newest_cases_and_says_so(case, users, network, setting, monkeypatch):
    """The site lists the newest `LIST_AT_MOST` cases: the count stops there, the last page is the
    oldest of those, and the page says more match. The API still counts every case."""
    from django.core.paginator import Paginator

    from reintegra.cases import services as case_services
    from reintegra.cases import views
    from reintegra.cases.selectors import CaseFilters, case_list

    from .conftest import IDENTITY

    for k in range(4):
        case_services.case_open(actor=users["bob"], **(IDENTITY | {"given_name": f"B{k}"}))
    whole = list(case_list(user=users["bob"], filters=CaseFilters()))
    assert len(whole) == 5
    for at_most, cut in ((3, True), (4, True), (5, False), (9, False)):
        listed = case_list(user=users["bob"], filters=CaseFilters(), at_most=at_most)
        pages = Paginator(listed, 2)
        assert pages.count == min(at_most, 5) and listed.cut is cut, at_most
        assert [c for n in pages.page_range for c in pages.page(n).object_list] == whole[: min(at_most, 5)]

    monkeypatch.setattr(views, "LIST_PAGE", 2)
    monkeypatch.setattr(views, "LIST_AT_MOST", 3)
    bob = client_for(users["bob"])
    body = bob.get("/cases/").content.decode()
    assert 'id="list-cut"' in body and "Page 1 of 2" in body
    last = bob.get("/cases/?page=9").content.decode()  # past the end: the last page, the third case
    assert "Page 2 of 2" in last and whole[2].code in last and whole[3].code not in last
    assert 'id="list-cut"' not in bob.get("/cases/?referred=1").content.decode()  # one case: all of it
    assert bob.get("/api/v1/cases/?page_size=2").json()["count"] == 5


def test_the_lists_queries_are_read_by_their_indexes_on_postgresql(case, users):
    """The case list's page and its code search can each be read by an index (migration 0016; a million
    cases: 0.2 ms and 3 ms instead of 0.1 s and 0.36 s). The page: with sequential reads, bitmaps and
    sorts forbidden, the plan names an index giving it in order (on a handful of rows the planner may
    as well read the agency's few cases and sort them). The search: its condition is the trigram
    index's very expression, which PostgreSQL needs to use it. On a handful of rows the planner's
    cheapest read was once a full bitmap of another index, so which plan a tiny table gets is not
    what is shown."""
    from django.db import connection

    from reintegra.access import case_parts_for_user
    from reintegra.cases.selectors import CaseFilters, _filtered

    if connection.vendor != "postgresql":
        pytest.skip("the indexes are PostgreSQL's; SQLite reads a small agency's cases whole")
    own, _referred = case_parts_for_user(users["alice"])
    page = _filtered(own, CaseFilters(), users["alice"]).values_list("opened_at", "pk").order_by("-opened_at", "-pk")
    search = _filtered(own, CaseFilters(q="2j2w"), users["alice"]).values_list("pk")  # the search as the list asks it
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'case_code_trigram'")
        (trigram,) = cursor.fetchone()
        for setting_off in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{setting_off} = off")
        sql, params = page[:30].query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plans = {"page": "\n".join(row[0] for row in cursor.fetchall())}
    # Either index of the cases newest first gives the page in order (case_opened, every agency's, is
    # the cheaper on a table of one agency's few cases; at a million the agency's own is read).
    assert "Sort" not in plans["page"] and re.search(r"using case_(agency_)?opened ", plans["page"]), plans["page"]
    assert re.search(r"USING gin \(upper\(\(?code\)?::text\) gin_trgm_ops\)", trigram), trigram
    assert 'UPPER("cases_case"."code"::text) LIKE UPPER(' in str(search.query), str(search.query)


def test_the_cases_referred_to_an_agency_are_listed_from_indexes_on_postgresql(case, users, setting):
    """A provider's list (the cases referred to it) walks the cases newest first by `case_opened` and
    finds each among the agency's active referrals in `referral_active_to`, neither table read (a
    million cases: 31 ms for a page instead of 0.29 s); its count, cut at the list's end, merges
    that index with the cases' keys (15 ms instead of 0.8 s for 113,000 referrals)."""
    from django.db import connection

    from reintegra.access import case_parts_for_user
    from reintegra.cases.selectors import CaseFilters, _filtered

    if connection.vendor != "postgresql":
        pytest.skip("the indexes are PostgreSQL's; SQLite reads a small agency's referrals whole")
    _own, referred = case_parts_for_user(users["bob"])
    referred = _filtered(referred, CaseFilters(), users["bob"])
    page = referred.values_list("opened_at", "pk").order_by("-opened_at", "-pk")[:30]
    with connection.cursor() as cursor:
        for setting_off in ("seqscan", "bitmapscan", "sort", "hashjoin", "mergejoin"):
            cursor.execute(f"SET LOCAL enable_{setting_off} = off")
        sql, params = page.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "using case_opened " in plan, plan
    assert "using referral_active_to " in plan, plan


def test_a_referrals_consent_is_checked_by_looking_for_the_withdrawn_on_postgresql(users, network):
    """Whether a referral's consent was withdrawn is read from `consent_withdrawn`, the index of the few
    withdrawn consents (migration cases 0018), not from every referral's consent: a provider holding a
    hundred thousand referrals counted its cases in 0.8 s the other way. The rule itself is tested by
    the withdrawal tests (test_case_access.py)."""
    from django.db import connection

    from reintegra.access import case_list_for_user

    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's; SQLite reads a few consents whole")
    query = case_list_for_user(users["pat"]).values("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "consent_withdrawn" in plan and "cases_consent_pkey" not in plan, plan
