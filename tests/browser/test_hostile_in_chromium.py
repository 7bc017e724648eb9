"""The hostile-input corpus in a real browser (issue 12): markup saved in the text fields people read
— case notes, a referral's reason, an agency's name, a task's title, a goal of the plan — is shown
as the text it is on every page that shows it: no dialog opens, no element is injected.

Values without a tag (an attribute breaker) go through the services, which keep them as typed;
values with tags, which the services refuse, are written past them into the rows (as rows kept from
before the markup filter, or written by a path that forgot it would be): escaping alone must hold."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reintegra.cases import services as case_services
from reintegra.cases.models import CaseEvent, Task
from reintegra.cases.tasks import task_create
from reintegra.network.models import Agency
from reintegra.plans import services as plan_services
from reintegra.plans.models import Goal
from reintegra.referrals.models import Referral

from .. import hostile
from ..cases.conftest import IDENTITY, refer, share_with
from ..conftest import make_user
from .test_case_flow_in_chromium import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INJECTED = """() => ({
    scripts: [...document.scripts].filter(s => s.textContent.includes("alert(1)")).length,
    handlers: document.querySelectorAll("[onerror], [onfocus], [onload], [autofocus]").length,
    images: document.querySelectorAll("img[src='x']").length,
})"""


def test_markup_in_text_fields_shows_as_text_and_never_runs(live_server, page, network):
    alice = make_user("kanya", network.alpha, "caseworker", password=PASSWORD)
    case = case_services.case_open(actor=alice, **IDENTITY)
    today = timezone.localdate()
    attribute, script, img = hostile.ATTRIBUTE.value, hostile.SCRIPT.value, hostile.IMG.value

    # Through the services: text without a tag is kept exactly as typed.
    case_services.note_add(actor=alice, case=case, text=attribute)
    task_create(actor=alice, case=case, title=attribute, due_on=today)
    share_with(alice, case, network.beta, categories=["profile"])
    referral = refer(alice, case, network.beta, categories=["profile"], reason_text=attribute)
    plan = plan_services.plan_start(actor=alice, case=case)
    plan_services.goal_add(actor=alice, plan=plan, domain="economic", description=attribute)
    # Past the services: tags, which only escaping keeps from running.
    note = case_services.note_add(actor=alice, case=case, text="a second note")
    CaseEvent.objects.filter(pk=note.pk).update(text=script)
    second = task_create(actor=alice, case=case, title="a second task", due_on=today + datetime.timedelta(days=1))
    Task.objects.filter(pk=second.pk).update(title=img)
    Referral.objects.filter(pk=referral.pk).update(reason_text=f"{attribute} {script}")
    goal = plan_services.goal_add(actor=alice, plan=plan, domain="social", description="a second goal")
    Goal.objects.filter(pk=goal.pk).update(description=img)
    Agency.objects.filter(pk=network.beta.pk).update(name=img)

    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base = live_server.url
    log_in(page, base, "kanya")
    shown = {
        f"/cases/{case.code}/": [attribute, script, img],
        f"/referrals/{referral.pk}/": [f"{attribute} {script}", img],
        f"/cases/{case.code}/plan/": [attribute, img],
        "/": [attribute],
        "/network/": [img],
        f"/network/agencies/{network.beta.slug}/": [img],
    }
    for path, texts in shown.items():
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        for text in texts:
            expect(page.locator("body")).to_contain_text(text)
        page.mouse.move(5, 5)  # handlers on hover or focus would fire now
        page.keyboard.press("Tab")
        assert page.evaluate(INJECTED) == {"scripts": 0, "handlers": 0, "images": 0}, path
    assert dialogs == []
