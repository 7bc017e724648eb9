"""Records take their time from the clock (lib/clock.py, decisions/0019): the real time, or the
moment a block runs at when earlier work is entered; the audit log keeps the real time."""

import datetime
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.cases.tasks import task_create, task_done
from reintegra.lib import clock
from reintegra.lib.fields import StampField

from .cases.conftest import IDENTITY

CODE = Path(__file__).resolve().parents[1] / "reintegra"
# The clock itself; the audit log, the lock-out, the duplicate check's throttle (counted over the
# audit log), which keep the real time; the demo, which runs the clock.
REAL_TIME = {"lib/clock.py", "accounts/audit.py", "accounts/lockout.py", "cases/duplicates.py"}


def test_the_clock_tells_the_real_time_unless_a_block_runs_at_another_moment():
    before = timezone.now()
    assert before <= clock.now() <= timezone.now()
    moment = datetime.datetime(2025, 3, 1, 23, 30, tzinfo=datetime.UTC)
    with clock.running_at(moment):
        assert clock.now() == moment
        assert clock.today() == timezone.localdate(moment)  # the site's day (Bangkok: 2 March)
        inner = moment + datetime.timedelta(days=3)
        with clock.running_at(inner):
            assert clock.now() == inner
        assert clock.now() == moment
    assert clock.now() >= before and clock.now() != moment


def test_the_clock_refuses_a_moment_without_a_time_zone():
    with pytest.raises(ValueError, match="time zone"), clock.running_at(datetime.datetime(2025, 3, 1, 9, 0)):  # noqa: DTZ001
        pass


def test_work_entered_at_an_earlier_moment_carries_it_and_the_audit_log_the_real_time(users):
    alice = users["alice"]
    opened = timezone.now() - datetime.timedelta(days=200)
    written, seq = timezone.now(), AuditEvent.objects.count()
    with clock.running_at(opened):
        case = case_services.case_open(actor=alice, **IDENTITY)
        consent = case_services.consent_record(
            actor=alice, case=case, purpose="assistance", given_on=clock.today(), language="th"
        )
    with clock.running_at(opened + datetime.timedelta(days=3)):
        task = task_create(actor=alice, case=case, title="Home visit", due_on=clock.today())
    with clock.running_at(opened + datetime.timedelta(days=4)):
        task_done(actor=alice, task=task)
    task.refresh_from_db()
    case.refresh_from_db()
    assert case.opened_at == opened and case.returnee.created_at == opened and consent.created_at == opened
    assert task.created_at == opened + datetime.timedelta(days=3)
    assert task.done_at == opened + datetime.timedelta(days=4)
    assert list(case.events.order_by("at").values_list("at", flat=True)) == [
        opened,
        opened,
        opened + datetime.timedelta(days=3),
        opened + datetime.timedelta(days=4),
    ]
    written_now = AuditEvent.objects.filter(seq__gt=seq)
    assert written_now.count() >= 4 and not written_now.filter(at__lt=written).exists()


def test_a_date_after_the_clocks_day_is_in_the_future(users):
    alice = users["alice"]
    with clock.running_at(timezone.now() - datetime.timedelta(days=30)):
        case = case_services.case_open(actor=alice, **IDENTITY)
        with pytest.raises(Exception, match="future"):
            case_services.consent_record(
                actor=alice, case=case, purpose="assistance", given_on=timezone.localdate(), language="th"
            )


def test_every_stamp_of_when_a_row_was_made_or_changed_reads_the_clock():
    plain = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("reintegra.")
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField)
        and (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        and not isinstance(field, StampField)
    ]
    assert plain == []


def test_no_service_or_page_reads_the_time_but_through_the_clock():
    pattern = re.compile(r"timezone\.(now|localdate)\b(?!\(\w)|datetime\.(datetime|date)\.today\(|datetime\.now\(")
    found = []
    for path in sorted(CODE.rglob("*.py")):
        relative = path.relative_to(CODE).as_posix()
        if relative in REAL_TIME or relative.startswith("demo/") or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []
