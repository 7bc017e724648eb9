import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from reintegra.accounts.audit import audit_record, audit_verify
from reintegra.accounts.models import AuditEvent
from reintegra.network import services as network_services

from ..conftest import client_for


def test_every_network_write_is_in_the_audit_log_with_actor_and_address(users, network):
    before = AuditEvent.objects.count()
    client_for(users["cora"]).post(
        "/network/agencies/alpha-welfare/edit/",
        {
            "name": "Alpha Welfare Office",
            "type": "SocialWelfare",
            "country": "TH",
            "areas": ["TH-57"],
            "version": network.alpha.version,
        },
        REMOTE_ADDR="10.1.2.3",
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.object_type, event.object_id) == ("update", "network.agency", str(network.alpha.pk))
    assert event.actor == users["cora"] and event.actor_username == "cora"
    assert event.ip_address == "10.1.2.3"
    assert event.categories == ["agency"]


def test_a_read_of_personal_data_is_recorded_with_its_categories(users):
    event = audit_record(
        actor=users["sam"], action=AuditEvent.Action.READ, obj=users["alice"], categories=["identity", "contact"]
    )
    assert event.action == "read" and event.categories == ["contact", "identity"]
    assert audit_verify().ok


def test_the_chain_holds_for_untouched_events(network):
    report = audit_verify()
    assert report.ok and report.checked == AuditEvent.objects.count() > 5


def test_the_chain_names_a_modified_row(network):
    target = AuditEvent.objects.order_by("seq")[3]
    # Bypasses the model's append-only guard, as someone with database access could.
    AuditEvent.objects.filter(pk=target.pk).update(actor_username="mallory")
    report = audit_verify()
    assert not report.ok
    assert report.broken_seq == target.seq
    assert "altered" in report.reason


def test_the_chain_names_a_deleted_row(network):
    target = AuditEvent.objects.order_by("seq")[2]
    AuditEvent.objects.filter(pk=target.pk).delete()
    report = audit_verify()
    assert not report.ok and report.broken_seq == target.seq


def test_the_chain_notices_the_last_rows_deleted(network):
    last = AuditEvent.objects.order_by("-seq").first()
    AuditEvent.objects.filter(pk=last.pk).delete()
    report = audit_verify()
    assert not report.ok and report.broken_seq == last.seq


def test_a_rehashed_forgery_is_still_caught_by_the_next_link(network):
    from reintegra.accounts.audit import event_hash

    events = list(AuditEvent.objects.order_by("seq"))
    forged = events[1]
    fields = {
        f: getattr(forged, f)
        for f in (
            "seq",
            "at",
            "actor_username",
            "action",
            "object_type",
            "object_id",
            "categories",
            "ip_address",
            "details",
            "prev_hash",
        )
    }
    fields["object_id"] = "999"
    AuditEvent.objects.filter(pk=forged.pk).update(object_id="999", hash=event_hash(**fields))
    report = audit_verify()
    assert not report.ok and report.broken_seq == events[2].seq


def test_events_cannot_be_changed_or_deleted_through_the_model(network):
    event = AuditEvent.objects.first()
    event.actor_username = "mallory"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_the_verify_command_exits_non_zero_on_a_broken_chain(network, capsys):
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
    AuditEvent.objects.filter(seq=2).update(details={"forged": True})
    with pytest.raises(CommandError, match="event #2"):
        call_command("audit", "verify")


def test_a_failed_write_leaves_no_audit_event(network):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        network_services.agency_create(actor=None, slug="bad", name="<b>x</b>", type="NGO", country="TH")
    assert list(refused.value.message_dict) == ["name"]
    assert "Markup such as HTML tags is not allowed" in refused.value.message_dict["name"][0]
    assert AuditEvent.objects.count() == before
