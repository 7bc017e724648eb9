"""The retention policy (issue 14; decisions/0029): `reintegra retention apply [--dry-run]` lists the
closed cases past the retention period and erases their returnees' identifying data, and only theirs."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from reintegra.accounts.audit import audit_verify
from reintegra.accounts.models import AuditEvent
from reintegra.cases import retention
from reintegra.cases import services as case_services
from reintegra.cases.models import Case, NameWordIndex, PhoneIndex, Returnee

from .cases.conftest import IDENTITY


def closed_case(users, name: str, *, years_ago: float | None) -> Case:
    case = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": name}))
    if years_ago is None:
        return case
    case_services.closure_move(actor=users["alice"], case=case, move="request", reason="Settled at home.")
    case_services.closure_move(actor=users["sam"], case=case, move="approve")
    closed = timezone.now() - datetime.timedelta(days=round(365.25 * years_ago))
    Case.objects.filter(pk=case.pk).update(closed_at=closed)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def cases(users, settings):
    settings.RETENTION_YEARS_AFTER_CLOSURE = 5
    return {
        "old": closed_case(users, "Malee", years_ago=6),
        "older": closed_case(users, "Ratana", years_ago=9),
        "recent": closed_case(users, "Kanya", years_ago=4),
        "open": closed_case(users, "Duang", years_ago=None),
    }


def run(*args: str) -> str:
    out = StringIO()
    call_command("retention", "apply", *args, stdout=out)
    return out.getvalue()


def names() -> dict[str, str]:
    return {c.code: c.returnee.given_name for c in Case.objects.select_related("returnee")}


def test_a_dry_run_lists_the_due_cases_and_changes_nothing(cases):
    before_names, before_events = names(), AuditEvent.objects.count()
    output = run("--dry-run")
    for key in ("old", "older"):
        assert f"{cases[key].code}  closed {cases[key].closed_at:%Y-%m-%d}" in output
    assert cases["recent"].code not in output and cases["open"].code not in output
    assert "5 years after closure" in output and "due: 2" in output and "nothing was erased" in output
    assert names() == before_names and AuditEvent.objects.count() == before_events
    assert not Case.objects.filter(erased_at__isnull=False).exists()


def test_apply_erases_exactly_the_due_cases(cases):
    output = run()
    assert cases["old"].code in output and cases["older"].code in output
    after = names()
    assert after[cases["old"].code] == after[cases["older"].code] == ""
    assert after[cases["recent"].code] == "Kanya" and after[cases["open"].code] == "Duang"
    assert set(Case.objects.filter(erased_at__isnull=False).values_list("code", flat=True)) == {
        cases["old"].code,
        cases["older"].code,
    }
    erased = Returnee.objects.filter(cases__erased_at__isnull=False)
    assert not erased.exclude(name_index="").exists()
    assert not PhoneIndex.objects.filter(returnee__in=erased).exists()
    assert not NameWordIndex.objects.filter(returnee__in=erased).exists()
    kept = Returnee.objects.get(cases=cases["recent"])
    assert kept.name_index and PhoneIndex.objects.filter(returnee=kept).exists()
    # Logged as the retention's act, with no actor, and the chain still holds.
    events = AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, details__erasure="retention")
    assert sorted(events.values_list("object_id", flat=True)) == sorted([str(cases["old"].pk), str(cases["older"].pk)])
    assert all(e.actor_id is None for e in events)
    assert audit_verify().ok
    # The next run finds nothing left to do.
    assert "due: 0" in run("--dry-run")


def test_a_returnee_with_a_recent_case_is_not_due(cases, users):
    other = case_services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": "Malee"}))
    Case.objects.filter(pk=other.pk).update(returnee=cases["old"].returnee)
    assert [d.code for d in retention.retention_due()] == [cases["older"].code]


def test_the_period_is_a_setting(cases, settings):
    settings.RETENTION_YEARS_AFTER_CLOSURE = 3
    assert {d.code for d in retention.retention_due()} == {cases["old"].code, cases["older"].code, cases["recent"].code}
    settings.RETENTION_YEARS_AFTER_CLOSURE = 10
    assert retention.retention_due() == []
