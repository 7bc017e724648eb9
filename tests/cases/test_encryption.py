import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from reintegra.cases import services, tasks
from reintegra.cases.models import Case, Returnee
from reintegra.cases.selectors import case_search_by_identity
from reintegra.cases.serializers import HistoryEventSerializer
from reintegra.lib import crypto
from reintegra.referrals import services as referral_services

from .conftest import IDENTITY, refer, share_with

SECRETS = [
    "Somsri",
    "Kaewmanee",
    "1994-03-02",
    "812345678",
    "somsri.k@example.org",
    "Mae Sai",
    "00123-45",
    "Returned via",
    "her passport",
    "Visit Somsri",
    "Somsri's aunt",
    "moved to Somsri",
]


def raw_dump() -> str:
    """Every row of every table, as the database holds it."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


def test_no_identifying_value_sits_in_plaintext_in_any_table(case, users, network):
    services.note_add(actor=users["alice"], case=case, text="Somsri asked about her passport.")
    tasks.task_create(actor=users["alice"], case=case, title="Visit Somsri at home", due_on=case.opened_at.date())
    services.closure_move(move="request", actor=users["alice"], case=case, reason="Stays with Somsri's aunt now.")
    consent = share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta, reason_text="Family moved to Somsri's town.")
    referral_services.referral_move(
        move="decline", actor=users["bob"], referral=referral, reason="Full: moved to Somsri's town"
    )
    services.consent_withdraw(actor=users["alice"], consent=consent)
    dump = raw_dump()
    for secret in SECRETS:
        assert secret not in dump, f"{secret!r} found in plaintext"
    returnee = Returnee.objects.get(pk=case.returnee_id)
    assert returnee.given_name == "Somsri" and returnee.phones == ["+66 81 234 5678"]
    assert returnee.identity_documents[0]["number"] == "1-5701-00123-45-6"


def test_search_by_name_words_or_phone_goes_through_the_keyed_hashes(case, users):
    assert list(case_search_by_identity(user=users["sam"], name="kaewmanee  SOMSRI")) == [case]
    assert list(case_search_by_identity(user=users["sam"], phone="081-234-5678")) == [case]
    assert list(case_search_by_identity(user=users["sam"], name="Somsri Kaew")) == [case]  # a beginning
    assert list(case_search_by_identity(user=users["sam"], name="Somsri Kae")) == []  # too short to be one
    assert list(case_search_by_identity(user=users["sam"], name="Somsri Kaewmanie")) == []
    assert list(case_search_by_identity(user=users["bob"], name="Somsri Kaewmanee")) == []  # another agency


def test_after_key_rotation_every_record_still_reads_and_old_keys_can_go(isolated_keys, users):
    cases = [services.case_open(actor=users["alice"], **(IDENTITY | {"given_name": f"Person{i}"})) for i in range(7)]
    before = raw_dump()
    first_key = crypto.keyring.keys[0]
    call_command("keys", "rotate", "--batch", "3")  # keeps the old key
    assert len(crypto.keyring.keys) == 2
    from reintegra.cases.keys import keys_rotate

    keys_rotate(drop_old=True, settle_seconds=0)
    assert len(crypto.keyring.keys) == 1 and crypto.keyring.keys[0] != first_key
    assert raw_dump() != before
    for i, case in enumerate(cases):
        returnee = Case.objects.select_related("returnee").get(pk=case.pk).returnee
        assert returnee.given_name == f"Person{i}"
        assert returnee.birth_date == IDENTITY["birth_date"]
        assert returnee.identity_documents == IDENTITY["identity_documents"]
    # Search still works: the blind index has its own key, which does not rotate.
    assert case_search_by_identity(user=users["alice"], phone="0812345678").count() == 7


def test_a_value_under_an_unknown_key_fails_loudly(isolated_keys, case):
    from cryptography.fernet import Fernet

    isolated_keys.write_text(Fernet.generate_key().decode() + "\n")
    crypto.keyring.reset()
    with pytest.raises(crypto.InvalidToken):
        Returnee.objects.get(pk=case.returnee_id)


def raw_values(table: str, columns: list[str]) -> list[tuple]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)}")  # noqa: S608
        return cursor.fetchall()


def test_where_a_person_was_held_their_creditor_and_their_return_are_encrypted(case, users):
    """Issue 12, finding 9 (decisions/0024): these columns held plain text."""
    alice = users["alice"]
    services.history_add(
        actor=alice, case=case, type="Exploitation", country="MY", area="Kampung Baru", creditor="Uncle Lek"
    )
    services.return_record(
        actor=alice,
        case=case,
        country_from="MY",
        returned_on=case.opened_at.date(),
        return_type="assisted_voluntary",
        documents_issued="Certificate of identity",
        point_of_arrival="Sadao checkpoint",
    )
    dump = raw_dump()
    for clear in ("Kampung Baru", "Uncle Lek", "Certificate of identity", "Sadao checkpoint"):
        assert clear not in dump, f"{clear!r} found in plaintext"
    event = case.history.get()
    assert (event.area, event.creditor) == ("Kampung Baru", "Uncle Lek")
    journey = Case.objects.get(pk=case.pk).return_journey
    assert (journey.documents_issued, journey.point_of_arrival) == ("Certificate of identity", "Sadao checkpoint")


def test_the_migration_encrypts_the_plain_values_already_there(case, users):
    services.history_add(actor=users["alice"], case=case, type="Exploitation", country="MY")
    with connection.cursor() as cursor:  # a row as an installation before the migration held it
        cursor.execute("UPDATE cases_historyevent SET area = %s, creditor = %s", ["Kampung Baru", "Uncle Lek"])
    migration = importlib.import_module("reintegra.cases.migrations.0010_encrypt_places_and_creditor")
    migration.encrypt(django_apps, connection.schema_editor(atomic=False))
    assert "Kampung Baru" not in str(raw_values("cases_historyevent", ["area", "creditor"]))
    event = case.history.get()
    assert (event.area, event.creditor) == ("Kampung Baru", "Uncle Lek")
    migration.decrypt(django_apps, connection.schema_editor(atomic=False))
    assert raw_values("cases_historyevent", ["area", "creditor"]) == [("Kampung Baru", "Uncle Lek")]


def test_an_encrypted_line_keeps_its_length_limit_in_forms_and_the_api(case, users):
    serializer = HistoryEventSerializer(data={"type": "Exploitation", "country": "MY", "area": "x" * 121})
    assert not serializer.is_valid() and "area" in serializer.errors
    with pytest.raises(ValidationError) as refused:
        services.history_add(actor=users["alice"], case=case, type="Exploitation", country="MY", creditor="y" * 121)
    assert "creditor" in refused.value.message_dict
