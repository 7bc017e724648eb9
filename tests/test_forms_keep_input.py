"""No form loses what was typed (issue 11). Every form of the product is in FORMS: posted with valid
data but one bad field, it comes back with every other field still filled, the error beside the bad
field and in a summary (in the error style) whose link leads to it, open if it was folded away, and
nothing saved. The forms that are not in the table have nothing typed to keep: buttons (accept,
done, withdraw, approve), the language switch, and the filters of lists (GET, in the address)."""

import pathlib
import re
from decimal import Decimal

import pytest

from reintegra.livelihoods.models import SkillsProfile

from .cases.conftest import share_with
from .conftest import client_for
from .form_catalogue import FORMS, PROFILE, Form, World, formatted, writes
from .html import Element, parse, summary_links, values


def folded_away(element: Element) -> Element | None:
    return next((a for a in element.ancestors() if a.tag == "details"), None)


@pytest.fixture
def world(users, network) -> World:
    return World(users, network)


@pytest.mark.parametrize("row", FORMS, ids=[row.name for row in FORMS])
def test_a_form_with_one_bad_field_comes_back_with_everything_typed_and_saves_nothing(row: Form, world, users):
    url = row.url(world)
    data = row.data(world)
    name, bad = row.broken
    posted = data | {name: bad}
    before = writes()
    response = client_for(users[row.role]).post(url, posted)

    assert response.status_code == row.status, response.content.decode()[:2000]
    assert writes() == before, "nothing may be saved"
    page = parse(response.content)
    form = page.by_id(formatted(row, world, row.form_id))
    assert form is not None and form.tag == "form", f"no form #{row.form_id}"
    shown = values(form)
    for key, value in data.items():
        if key in row.not_shown_again or key == name:
            continue
        expected = sorted(map(str, value)) if isinstance(value, list) else [str(value)]
        assert sorted(shown.get(key, [])) == expected, f"{key} lost: {shown.get(key)} instead of {expected}"
    # The error beside its field, in the error style; the summary links to the field.
    link = formatted(row, world, row.link)
    target = page.by_id(link)
    assert target is not None and form in list(target.ancestors()), f"the link's target #{link} is not in the form"
    box = next(a for a in target.ancestors() if "field" in a.classes())
    assert "has-error" in box.classes() and box.by_id(f"{link}_error").text
    # The only error is the broken field's: the rest of the data is valid, and kept.
    assert set(summary_links(page)) == {link}, summary_links(page)
    [summary] = [e for e in page.iter() if "data-error-summary" in e.attrs]
    assert all(item.find_all("a") for item in summary.find_all("li")), summary.text
    assert "errors" in summary.classes() and summary.attrs.get("role") == "alert"
    assert not page.find_all("li", class_="success")
    details = folded_away(form)
    assert details is None or "open" in details.attrs, "a form with errors stays open"


# Forms posted with fields that are tested elsewhere, and why.
ELSEWHERE = {
    "login-form": "test_a_failed_login_keeps_the_username below (its error names no field)",
    "quick-exit": "a button (accounts/test_quick_exit.py)",
    "two-factor-form": "one code, refused beside its field and never kept (accounts/test_two_factor.py)",
    "two-factor-setup-form": "one code, refused beside its field and never kept (accounts/test_two_factor.py)",
    "language-form": "the language switch: one choice, applied at once",
    "feedback-code-form": "one code, refused and never kept (feedback/test_feedback.py)",
    "feedback-answer-form": "the returnee's answers, kept on error (feedback/test_feedback.py)",
    "{}-form": "a referral's decisions, one form each: decline is a row; cancel and revoke keep their reason in "
    "referrals/test_referral_actions.py, the confirmed completion in referrals/test_referral_end.py",
    "assign-form": "one choice among the caseworkers listed, refused beside it (transfers/test_transfers.py)",
    "allocation-form": "the allocation page's own tests (livelihoods/test_allocation.py): it needs a cohort",
    "ctdc-form": "the CTDC file's k, kept when refused (exchange/test_ctdc_jobs.py)",
}
# Pages whose forms are tested with their part of issue 11.
PAGES_ELSEWHERE = {
    "allocation_round.html": "withdrawing cohort offers, with a reason: the allocation part's tests",
    "allocation_confirm.html": "confirming a cohort allocation: the allocation part's tests",
}
TEMPLATES = pathlib.Path(__file__).parent.parent / "reintegra" / "templates"


def test_the_table_lists_every_form_that_posts_typed_input():
    """Every form posted from a template with an id (the forms with fields have one) is a row of
    FORMS, or is said above to be tested elsewhere; a form without an id holds buttons only."""
    rows = {re.sub(r"\{\w+\}", "{}", row.form_id) for row in FORMS}
    for path in TEMPLATES.rglob("*.html"):
        if path.name in PAGES_ELSEWHERE:
            continue
        text = path.read_text()
        for tag in re.findall(r"<form\b[^>]*>", text):
            if 'method="post"' not in tag:
                continue
            found = re.search(r'\bid="([^"]+)"', tag)
            if found is None:
                body = text[text.index(tag) : text.index("</form>", text.index(tag))]
                kept = re.sub(r"<input[^>]*type=\"hidden\"[^>]*>|<button.*?</button>|\{%.*?%\}", "", body, flags=re.S)
                assert not re.search(r"<(input|textarea|select)\b", kept), (
                    f"{path.name}: a form with fields needs an id"
                )
                assert "form_fields.html" not in body and "field.html" not in body, f"{path.name}: {tag}"
                continue
            form_id = re.sub(r"\{\{.*?\}\}", "{}", found.group(1))
            assert form_id in rows or form_id in ELSEWHERE, f"{path.name}: #{form_id} is in no row of FORMS"


def test_a_failed_login_keeps_the_username_and_says_why_in_the_error_style(users):
    response = client_for(None).post("/login/", {"username": "alice", "password": "wrong"})
    page = parse(response.content)
    assert response.status_code == 200 and values(page.by_id("login-form"))["username"] == ["alice"]
    [summary] = [e for e in page.iter() if "data-error-summary" in e.attrs]
    assert "errors" in summary.classes() and summary.attrs["role"] == "alert"


# --- The skills profile: the bug of the issue -------------------------------------------------------


def test_the_skills_profile_corrected_after_an_error_saves_every_field(world, users):
    """Two bad fields, then corrected on the page shown again: the profile keeps education,
    aspirations and income, because the page gave back what was typed (the cause of the bug: the
    form was emptied on the way back, and the service saves the fields it is given)."""
    alice = client_for(users["alice"])
    url = f"/livelihoods/case/{world.case.code}/profile/"
    response = alice.post(url, PROFILE | {"interest_realistic": "150", "income_needed_monthly": "lots"})
    assert response.status_code == 400 and not SkillsProfile.objects.exists()
    again = values(parse(response.content).by_id("profile-form"))
    again.update(interest_realistic=["80"], income_needed_monthly=["9000"])
    response = alice.post(url, again)
    assert response.status_code == 302
    profile = SkillsProfile.objects.get(case=world.case)
    assert profile.education == "LowerSecondaryEducation"
    assert profile.aspirations == [{"isco": "74", "mode": "wage_job"}, {"isco": "51", "mode": "own_business"}]
    assert profile.needs_income_now and profile.income_needed_monthly == Decimal(9000) and profile.currency == "THB"
    assert sorted(profile.work_areas) == ["TH-50", "TH-57"] and profile.interests == {
        "realistic": 80,
        "enterprising": 65,
    }


def test_the_referral_refused_for_want_of_consent_keeps_what_was_typed(world, users):
    data = {
        "to_agency": str(world.network.beta.pk),
        "reasons": ["AdditionalServicesRequired"],
        "reason_text": "Needs a safe place",
        "urgency": "urgent",
        "categories": ["profile", "history"],
    }
    response = client_for(users["alice"]).post(f"/referrals/send/{world.case.code}/", data)
    assert response.status_code == 400 and not world.case.referrals.exists()
    page = parse(response.content)
    shown = values(page.by_id("referral-form"))
    assert shown["reason_text"] == ["Needs a safe place"] and shown["urgency"] == ["urgent"]
    assert sorted(shown["categories"]) == ["history", "profile"] and shown["to_agency"] == [str(world.network.beta.pk)]
    assert "No consent covers" in page.by_id("referral-categories_error").text
    assert "referral-categories" in summary_links(page)


def test_a_button_refused_says_so_in_the_error_style_not_the_green_box(world, users):
    """A button has nothing typed to keep: its refusal comes after the redirect, as an error message."""
    consent = share_with(users["alice"], world.case, world.network.beta)
    url = f"/cases/{world.case.code}/consents/{consent.pk}/withdraw/"
    client_for(users["alice"]).post(url)
    response = client_for(users["alice"]).post(url, follow=True)
    [item] = parse(response.content).find_all("li", class_="error")
    assert any(e.attrs.get("role") == "alert" for e in item.iter()) and "withdrawn" in item.text
