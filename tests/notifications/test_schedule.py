"""The time-driven notices of `reintegra notify`: tasks due tomorrow and overdue (assignee),
assessments and follow-ups due, a training completed 30 days ago without a placement (caseworker);
each raised once however often the command runs."""

import datetime
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from reintegra.cases import tasks
from reintegra.lib import clock
from reintegra.livelihoods.choices import EnrolmentStatus
from reintegra.livelihoods.models import Enrolment, IncomeFollowUp
from reintegra.notifications.models import Kind, Notification
from reintegra.plans.models import Assessment

from ..conftest import client_for
from ..html import parse
from .test_events import assert_nothing_personal


def run() -> str:
    out = StringIO()
    call_command("notify", stdout=out)
    return out.getvalue()


def kinds_for(user) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "key"))


def clean_slate(case):
    """Only what each test makes is due: the schedule the case opened with is done."""
    Assessment.objects.filter(case=case).update(done_on=clock.today())
    case.tasks.update(done_at=clock.now())


def test_tasks_due_tomorrow_and_overdue_tell_their_assignee_once(
    case, users, with_email, django_capture_on_commit_callbacks
):
    clean_slate(case)
    today = clock.today()
    tomorrow = tasks.task_create(
        actor=users["sam"],
        case=case,
        title="Call Somsri",
        due_on=today + datetime.timedelta(days=1),
        assignee=users["alice"],
    )
    late = tasks.task_create(
        actor=users["sam"], case=case, title="Visit", due_on=today - datetime.timedelta(days=2), assignee=users["alice"]
    )
    due_today = tasks.task_create(actor=users["sam"], case=case, title="Today", due_on=today, assignee=users["alice"])
    tasks.task_create(
        actor=users["sam"], case=case, title="Later", due_on=today + datetime.timedelta(days=5), assignee=users["alice"]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "Notifications raised: 2" in run()
    assert kinds_for(users["alice"]) == [
        (Kind.TASK_DUE_TOMORROW, f"task:{tomorrow.pk}"),
        (Kind.TASK_OVERDUE, f"task:{late.pk}"),
    ]
    assert kinds_for(users["sam"]) == []
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert "Notifications raised: 0" in run()
    with clock.running_at(timezone.now() + datetime.timedelta(days=1)):
        # The next day the task due today is overdue; the two already told of are not told again.
        assert "Notifications raised: 1 (task_overdue 1)" in run()
    assert Notification.objects.count() == 3
    assert Notification.objects.filter(key=f"task:{due_today.pk}", kind=Kind.TASK_OVERDUE).exists()
    assert_nothing_personal()


def test_a_task_done_tells_nobody(case, users):
    clean_slate(case)
    task = tasks.task_create(
        actor=users["sam"],
        case=case,
        title="Visit",
        due_on=clock.today() - datetime.timedelta(days=1),
        assignee=users["alice"],
    )
    tasks.task_done(actor=users["alice"], task=task)
    run()
    assert not Notification.objects.exists()


def test_an_assessment_due_tells_the_caseworker(case, users):
    clean_slate(case)
    Assessment.objects.update_or_create(
        case=case, point="baseline", defaults={"done_on": None, "due_on": clock.today()}
    )
    run()
    [(kind, key)] = kinds_for(case.caseworker)
    assert kind == Kind.ASSESSMENT_DUE and key.startswith("assessment:")
    run()
    assert Notification.objects.count() == 1


def test_a_training_completed_30_days_ago_without_placement_and_a_follow_up_due_tell_the_caseworker(
    case, users, catalogue
):
    clean_slate(case)
    today = clock.today()
    paid, unpaid = catalogue
    waited = Enrolment.objects.create(
        case=case,
        agency_id=case.agency_id,
        opportunity=paid,
        status=EnrolmentStatus.COMPLETED,
        recommended_by=users["alice"],
        recommended_on=today - datetime.timedelta(days=120),
        ended_on=today - datetime.timedelta(days=30),
    )
    Enrolment.objects.create(
        case=case,
        agency_id=case.agency_id,
        opportunity=unpaid,
        status=EnrolmentStatus.COMPLETED,
        recommended_by=users["alice"],
        recommended_on=today - datetime.timedelta(days=120),
        ended_on=today - datetime.timedelta(days=29),
    )
    follow_up = IncomeFollowUp.objects.create(enrolment=waited, months=1, due_on=today)
    run()
    assert kinds_for(case.caseworker) == [
        (Kind.FOLLOW_UP_DUE, f"follow-up:{follow_up.pk}"),
        (Kind.TRAINING_NO_PLACEMENT, f"enrolment:{waited.pk}"),
    ]
    notice = Notification.objects.get(kind=Kind.TRAINING_NO_PLACEMENT)
    assert notice.link == f"/livelihoods/enrolments/{waited.pk}/"


def test_a_case_out_of_contact_tells_its_agencys_supervisors_once_until_contact_is_restored(case, users):
    from reintegra.plans import lost_contact

    from ..cases.test_closure_reasons import returned

    returned(case, users, days_ago=400)  # every follow-up of the first year missed
    assert lost_contact.lost_contact_queue(agency_id=case.agency_id)
    run()
    assert told_of(Kind.LOST_CONTACT) == ["sam"]  # the supervisors of the case's agency, not its caseworker
    notice = Notification.objects.get(kind=Kind.LOST_CONTACT)
    assert notice.case_code == case.code
    run()
    assert told_of(Kind.LOST_CONTACT) == ["sam"]  # once
    # Contact restored, then lost again: the supervisors are told again.
    lost_contact.lost_contact_dismiss(actor=users["sam"], case=case)
    run()
    assert told_of(Kind.LOST_CONTACT) == ["sam"]  # out of the queue
    # Restored a hundred days ago, and every follow-up since missed again.
    restored = clock.today() - datetime.timedelta(days=100)
    type(case).objects.filter(pk=case.pk).update(contact_restored_on=restored)
    Assessment.objects.filter(case=case).update(done_on=None, due_on=clock.today() - datetime.timedelta(days=40))
    run()
    assert told_of(Kind.LOST_CONTACT) == ["sam", "sam"]
    assert_nothing_personal()


def told_of(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_this_weeks_allocation_is_asked_of_the_supervisors_once_a_week_when_someone_cannot_wait(users, monkeypatch):
    """Someone looking for a training or a job whose longest wait ends before next week: the agency's
    supervisors are told once that week, with no name, and the link opens this week's decision."""
    from reintegra.livelihoods import allocation
    from reintegra.livelihoods.models import SkillsProfile
    from tests.livelihoods.test_allocation import returnee

    today = clock.today()
    returnee(users, 0)  # assessed today: eight weeks to wait
    assert run() == run()  # nothing due yet, whatever else the command says
    assert not Notification.objects.filter(kind=Kind.ALLOCATION_DUE).exists()

    waited = returnee(users, 1)
    longest = datetime.timedelta(weeks=allocation.MAX_WAIT_WEEKS)
    SkillsProfile.objects.filter(case=waited).update(assessed_on=today - longest + datetime.timedelta(days=5))
    run()
    looked = []
    monkeypatch.setattr(allocation, "candidates", lambda **kw: looked.append(kw) or allocation.Selection([], []))
    run()  # the same week: nobody told twice, and the told agency's candidates not even worked out (the others' are)
    monkeypatch.undo()
    assert looked and users["sam"].agency_id not in {kw["user"].agency_id for kw in looked}
    [notice] = Notification.objects.filter(kind=Kind.ALLOCATION_DUE)
    assert notice.recipient == users["sam"] and notice.case_code == ""
    assert notice.link == "/livelihoods/allocation/?mode=week"
    assert_nothing_personal()
    page = client_for(users["sam"]).get(notice.link)
    checked = [e.attrs["value"] for e in parse(page.content).find_all("input", name="mode") if "checked" in e.attrs]
    assert page.status_code == 200 and checked == ["week"]
    assert not Notification.objects.filter(recipient=users["alice"], kind=Kind.ALLOCATION_DUE).exists()

    with clock.running_at(timezone.now() + datetime.timedelta(days=7)):  # next week: told again
        run()
    assert Notification.objects.filter(kind=Kind.ALLOCATION_DUE).count() == 2
