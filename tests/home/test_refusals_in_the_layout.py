"""A page a role cannot use, or a record it may not see, answers in the site's layout: it says what
happened and leads home, without saying whether a record exists."""

import re

import pytest
from django.urls import reverse

from reintegra.cases import services as case_services

from ..cases.conftest import IDENTITY
from ..conftest import client_for


@pytest.mark.parametrize(("persona", "url"), [("ana", "cases:list"), ("cora", "referrals:inbox")])
def test_a_page_a_role_does_not_use_explains_itself_and_leads_home(users, persona, url):
    response = client_for(users[persona]).get(reverse(url))
    page = response.content.decode()
    assert response.status_code == 403
    assert "This page is not part of your work" in page and f'href="{reverse("home")}"' in page
    assert '<nav aria-label="Main">' in page  # in the site's layout, with its navigation


def test_a_record_one_may_not_see_is_not_found_in_the_same_words_as_one_that_does_not_exist(users, network):
    case = case_services.case_open(actor=users["alice"], **IDENTITY)
    hidden = client_for(users["bob"]).get(reverse("cases:detail", args=[case.code]))
    missing = client_for(users["bob"]).get(reverse("cases:detail", args=["TH-0000-0000"]))
    assert hidden.status_code == missing.status_code == 404
    assert "Nothing here for you" in hidden.content.decode()

    def words(response, code):  # the page without the address asked for and the form's one-time token
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode().replace(code, ""))

    assert words(hidden, case.code) == words(missing, "TH-0000-0000")


def test_someone_without_an_agency_sees_no_links_to_pages_they_cannot_use(users):
    page = client_for(users["charlie"]).get(reverse("home")).content.decode()
    for url in ("network:directory", "network:coverage", "livelihoods:options", "cases:list"):
        assert f'href="{reverse(url)}"' not in page
