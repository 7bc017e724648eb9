"""Lists leave a case's and a referral's long texts out (CASE_TEXTS, REFERRAL_TEXTS): a page of rows does not
decrypt a summary or a reason it never shows, and reading one later still gives it."""

from django.utils import timezone

from reintegra.access import case_get_for_user
from reintegra.cases import selectors, tasks
from reintegra.cases.models import CASE_TEXTS
from reintegra.home.selectors import today_for
from reintegra.referrals.models import REFERRAL_TEXTS
from reintegra.referrals.selectors import referral_inbox

from .conftest import refer, share_with


def test_lists_of_cases_tasks_and_referrals_leave_the_cases_texts_encrypted(users, network, case):
    alice = users["alice"]
    tasks.task_create(actor=alice, case=case, title="Call back", due_on=timezone.localdate(), assignee=alice)
    share_with(alice, case, network.beta)
    refer(alice, case, network.beta)

    listed = selectors.case_list(user=alice, filters=selectors.CaseFilters())[:10]
    task = next(iter(selectors.open_tasks(user=alice)))
    today = today_for(user=alice)
    received = next(iter(referral_inbox(user=users["bob"])))

    for row in [listed[0], task.case, today.tasks.due_today[0].case, received.case, today.waiting[0].case]:
        assert set(CASE_TEXTS) <= row.get_deferred_fields()
    for referral in [received, today.waiting[0]]:
        assert set(REFERRAL_TEXTS) <= referral.get_deferred_fields()
    assert listed[0].notes == "Returned via Mae Sai checkpoint."  # read when asked


def test_a_case_read_for_its_page_still_has_its_texts(users, case):
    access = case_get_for_user(users["alice"], code=case.code)
    assert not set(CASE_TEXTS) & access.case.get_deferred_fields()
    assert access.case.notes == "Returned via Mae Sai checkpoint."
