import pytest
from django.core.management import call_command
from django.db import connection

from reintegra.cases import services, tasks
from reintegra.cases.models import Case, Returnee
from reintegra.cases.selectors import case_search_by_identity
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
    "00123",
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
