"""Tasks the system schedules (an assessment's, an income follow-up's) read in each reader's
language, whoever's action scheduled them and in whatever language; a person's own task keeps
their words."""

import datetime
import importlib

from django.apps import apps
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from reintegra.access import case_get_for_user, enrolment_get_for_user
from reintegra.cases import services as case_services
from reintegra.cases import tasks
from reintegra.cases.models import Task
from reintegra.livelihoods import enrolments
from reintegra.plans.choices import AssessmentPoint
from reintegra.plans.models import Assessment

from ..conftest import client_for
from ..livelihoods.conftest import catalogue  # noqa: F401  (the options, for enrolments)

ASSESSMENT = "Reintegration assessment: %(when)s"


def record_return(case, actor):
    with translation.override("th"):  # scheduled by a Thai reader: the stored title is still English
        case_services.return_record(
            actor=actor, case=case, country_from="SA", returned_on=datetime.date(2025, 6, 1), return_type="deportation"
        )


def test_an_assessment_task_reads_in_each_readers_language(case, users):
    record_return(case, users["alice"])
    task = Assessment.objects.get(case=case, point="baseline").task
    assert task.title == "Reintegration assessment: Baseline" and task.title_phrase == ASSESSMENT
    for language in ("th", "fil"):
        with translation.override(language):
            expected = gettext(ASSESSMENT) % {"when": AssessmentPoint.BASELINE.label}
            assert task.display_title == expected != task.title
    page = client_for(users["alice"]).get(f"/cases/{case.code}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    with translation.override("th"):
        assert task.display_title in page
    assert task.title not in page


def test_a_task_a_person_writes_keeps_their_words_in_every_language(case, users):
    task = tasks.task_create(actor=users["alice"], case=case, title="Call the family", due_on=timezone.localdate())
    with translation.override("th"):
        assert task.display_title == "Call the family"


def test_an_income_follow_up_task_reads_in_each_readers_language_with_its_number(case, users, network, catalogue):  # noqa: F811
    paid, _unpaid = catalogue
    today = timezone.localdate()
    access = case_get_for_user(users["alice"], code=case.code, for_edit=True)
    enrolment = enrolments.enrolment_recommend(
        actor=users["alice"], access=access, opportunity=paid, on=today - datetime.timedelta(days=9)
    )
    for step in ("offered", "accepted", "enrolled", "completed"):
        enrolment.refresh_from_db()
        grant = enrolment_get_for_user(users["alice"], enrolment_id=enrolment.pk)
        enrolments.enrolment_move(
            actor=users["alice"],
            access=grant,
            to=step,
            on=today - datetime.timedelta(days=1),
            version=enrolment.version,
        )
    one, three = (enrolment.follow_ups.get(months=n).task for n in (1, 3))
    assert one.title == f"Income follow-up, 1 month after {paid.title}"
    assert three.title == f"Income follow-up, 3 months after {paid.title}"
    with translation.override("fil"):
        singular, plural = (
            "Income follow-up, %(months)s month after %(option)s",
            "Income follow-up, %(months)s months after %(option)s",
        )
        expected = ngettext(singular, plural, 3) % {"months": 3, "option": paid.title}
        assert three.display_title == expected != three.title


def test_tasks_scheduled_before_titles_were_phrases_get_their_phrase(case, users):
    record_return(case, users["alice"])
    task = Assessment.objects.get(case=case, point="m3").task
    # As an older row was stored: a title in the scheduler's language, and no phrase.
    Task.objects.filter(pk=task.pk).update(title="การประเมินการคืนสู่สังคม: 3 เดือน", title_phrase="", title_params={})
    migration = importlib.import_module("reintegra.plans.migrations.0005_task_titles_as_phrases")
    migration.titles_as_phrases(apps, None)
    task.refresh_from_db()
    with translation.override("en"):
        assert task.display_title == f"Reintegration assessment: {AssessmentPoint.MONTH_3.label}"
