"""The notifications page, the unread count in the header, mark-read, the e-mail preference page,
and the API `/api/v1/notifications/`."""

import pytest
from django.urls import reverse

from reintegra.notifications import services
from reintegra.notifications.models import EmailFrequency, EmailPreference, Kind, Notification

from ..conftest import api_client_for, client_for
from ..html import parse


@pytest.fixture
def notices(users):
    alice = users["alice"]
    made = [
        *services.notify([alice], kind=Kind.TASK_OVERDUE, case_code="TH-AAAA-0001", link="/cases/TH-AAAA-0001/"),
        *services.notify([alice], kind=Kind.PLAN_APPROVED, case_code="TH-AAAA-0002", link="/cases/TH-AAAA-0002/plan/"),
        *services.notify([users["bob"]], kind=Kind.REFERRAL_RECEIVED, case_code="TH-BBBB-0003", link="/referrals/1/"),
    ]
    return made


def unread_badge(response) -> str | None:
    badge = parse(response.content).by_id("unread-count")
    return badge.text.split()[0] if badge is not None else None


def test_the_header_counts_the_unread_and_the_list_shows_only_ones_own(notices, users):
    alice = client_for(users["alice"])
    response = alice.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert unread_badge(response) == "2"
    page = response.content.decode()
    assert "TH-AAAA-0001" in page and "TH-AAAA-0002" in page and "TH-BBBB-0003" not in page
    assert unread_badge(alice.get(reverse("home"))) == "2"


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(notices, users):
    alice = client_for(users["alice"])
    response = alice.post(reverse("notifications:open", args=[notices[0].pk]))
    assert response.status_code == 302 and response["Location"] == "/cases/TH-AAAA-0001/"
    assert Notification.objects.get(pk=notices[0].pk).read_at is not None
    assert unread_badge(alice.get(reverse("notifications:list"))) == "1"
    alice.post(reverse("notifications:read", args=[notices[1].pk]))
    assert unread_badge(alice.get(reverse("notifications:list"))) is None


def test_mark_all_read_marks_only_ones_own(notices, users):
    response = client_for(users["alice"]).post(reverse("notifications:read_all"), follow=True)
    assert response.status_code == 200
    assert not Notification.objects.filter(recipient=users["alice"], read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=users["bob"]).read_at is None


def test_another_persons_notice_or_an_unknown_one_is_a_404(notices, users):
    alice = client_for(users["alice"])
    assert alice.post(reverse("notifications:open", args=[notices[2].pk])).status_code == 404
    assert alice.post(reverse("notifications:read", args=[999999])).status_code == 404
    assert Notification.objects.get(pk=notices[2].pk).read_at is None
    assert alice.get(reverse("notifications:open", args=[notices[0].pk])).status_code == 405


def test_the_pages_need_sign_in(notices):
    response = client_for(None).get(reverse("notifications:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_email_preference_is_saved_and_bad_input_is_named(users):
    alice = client_for(users["alice"])
    assert alice.get(reverse("notifications:email")).status_code == 200
    response = alice.post(reverse("notifications:email"), {"frequency": "weekly"})
    assert response.status_code == 400
    assert "weekly" in response.content.decode()  # the error names the choice refused
    assert not EmailPreference.objects.exists()
    response = alice.post(reverse("notifications:email"), {"frequency": EmailFrequency.DAILY})
    assert response.status_code == 302
    assert services.frequency_of(users["alice"]) == EmailFrequency.DAILY
    page = alice.get(reverse("notifications:email")).content.decode()
    assert 'value="daily" checked' in page or 'value="daily"\n' in page or "checked" in page


def test_the_api_lists_and_marks_read(notices, users):
    api = api_client_for(users["alice"])
    body = api.get("/api/v1/notifications/").json()
    assert body["count"] == 2
    assert {n["case_code"] for n in body["results"]} == {"TH-AAAA-0001", "TH-AAAA-0002"}
    first = body["results"][0]
    assert set(first) == {"id", "kind", "kind_label", "case_code", "link", "created_at", "read_at"}
    response = api.post(f"/api/v1/notifications/{first['id']}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert api.get("/api/v1/notifications/?unread=1").json()["count"] == 1
    assert api.post(f"/api/v1/notifications/{notices[2].pk}/read/").status_code == 404
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/?unread=1").json()["count"] == 0
    assert Notification.objects.get(pk=notices[2].pk).read_at is None
    assert api_client_for(None).get("/api/v1/notifications/").status_code in (401, 403)
