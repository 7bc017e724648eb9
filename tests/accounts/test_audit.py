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


def test_a_batch_writes_the_head_once_and_the_chain_holds_across_a_savepoint_rolled_back(users):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from reintegra.accounts.audit import audit_batch
    from reintegra.accounts.models import AuditChainHead

    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries, audit_batch():
        for n in range(5):
            audit_record(actor=users["sam"], action="read", object_type="test", object_id=str(n))
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(actor=users["sam"], action="read", object_type="test", object_id="undone")
            raise RuntimeError("the caller's work failed")
        audit_record(actor=users["sam"], action="read", object_type="test", object_id="5")
    head_updates = [q for q in queries if q["sql"].startswith("UPDATE") and AuditChainHead._meta.db_table in q["sql"]]
    assert len(head_updates) == 1
    written = list(AuditEvent.objects.order_by("seq")[before:].values_list("object_id", flat=True))
    assert written == ["0", "1", "2", "3", "4", "5"]
    assert audit_verify().ok
    # Outside a batch each event moves the head itself.
    audit_record(actor=users["sam"], action="read", object_type="test", object_id="6")
    assert audit_verify().ok and AuditChainHead.objects.get().last_seq == AuditEvent.objects.count()


def test_a_batch_that_fails_leaves_neither_its_events_nor_a_moved_head(users):
    from reintegra.accounts.audit import audit_batch
    from reintegra.accounts.models import AuditChainHead

    audit_record(actor=users["sam"], action="read", object_type="test", object_id="kept")
    head = AuditChainHead.objects.values_list("last_seq", "last_hash").get()
    with pytest.raises(RuntimeError), audit_batch():
        audit_record(actor=users["sam"], action="read", object_type="test", object_id="gone")
        raise RuntimeError("the import failed")
    assert AuditChainHead.objects.values_list("last_seq", "last_hash").get() == head
    assert not AuditEvent.objects.filter(object_id="gone").exists() and audit_verify().ok


def test_events_appended_while_the_chain_is_walked_do_not_break_it(network, users, monkeypatch):
    """On a live site the chain grows while `audit verify` walks it (minutes at a million cases): it
    checks the chain up to the head as it stood at the start, and the events appended since hold."""
    from reintegra.accounts import audit

    hash_of = audit.event_hash
    appended: list[AuditEvent] = []
    walking = [True]

    def hash_and_append(**fields):
        if walking[0]:  # a request reads someone's record while the walk is under way
            walking[0] = False
            appended.append(
                audit_record(
                    actor=users["sam"], action=AuditEvent.Action.READ, obj=users["alice"], categories=["identity"]
                )
            )
        return hash_of(**fields)

    before = AuditEvent.objects.count()
    monkeypatch.setattr(audit, "event_hash", hash_and_append)
    report = audit_verify()

    assert appended and report.ok and report.checked == before
    monkeypatch.setattr(audit, "event_hash", hash_of)
    assert audit_verify().ok and audit_verify().checked == before + 1


def test_an_event_written_beyond_the_head_is_noticed(network):
    last = AuditEvent.objects.order_by("-seq").first()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                **{f.name: getattr(last, f.name) for f in AuditEvent._meta.concrete_fields if not f.primary_key}
                | {"seq": last.seq + 1, "hash": "f" * 64, "prev_hash": last.hash}
            )
        ]
    )
    report = audit_verify()
    assert not report.ok and report.broken_seq == last.seq + 1 and "head" in report.reason
