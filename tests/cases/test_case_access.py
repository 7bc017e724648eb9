import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from reintegra.access import case_get_for_user
from reintegra.accounts.models import AuditEvent
from reintegra.cases import services, tasks
from reintegra.cases.selectors import case_read, case_timeline
from reintegra.lib.concurrency import EditConflict
from reintegra.referrals import services as referral_services

from .conftest import refer, share_with


def test_a_case_is_invisible_to_other_agencies_and_to_analysts_and_coordinators(case, users):
    for persona in ("bob", "bella", "pat", "ana", "cora", "charlie"):
        with pytest.raises(Http404):
            case_get_for_user(users[persona], code=case.code)
    assert case_get_for_user(users["sam"], code=case.code).own


def test_an_accepted_referral_opens_only_the_shared_categories_until_it_ends(case, users, network):
    share_with(users["alice"], case, network.beta)
    referral = refer(users["alice"], case, network.beta)
    with pytest.raises(Http404):  # pending: not yet
        case_get_for_user(users["bob"], code=case.code)
    referral_services.referral_move(move="accept", actor=users["bella"], referral=referral)
    access = case_get_for_user(users["bob"], code=case.code)
    assert access.categories == {"profile", "history"} and not access.own
    with pytest.raises(Http404):
        case_get_for_user(users["bob"], code=case.code, for_edit=True)
    referral_services.referral_move(move="complete", actor=users["bob"], referral=referral)
    with pytest.raises(Http404):
        case_get_for_user(users["bob"], code=case.code)


def test_revoking_the_referral_or_withdrawing_consent_ends_access_at_once(case, users, network):
    consent = share_with(users["alice"], case, network.beta)
    first = refer(users["alice"], case, network.beta)
    referral_services.referral_move(move="accept", actor=users["bob"], referral=first)
    referral_services.referral_move(move="revoke", actor=users["alice"], referral=first, reason="Returnee moved.")
    with pytest.raises(Http404):
        case_get_for_user(users["bob"], code=case.code)
    second = refer(users["alice"], case, network.beta)
    referral_services.referral_move(move="accept", actor=users["bob"], referral=second)
    assert case_get_for_user(users["bob"], code=case.code)
    services.consent_withdraw(actor=users["alice"], consent=consent)
    with pytest.raises(Http404):
        case_get_for_user(users["bob"], code=case.code)
    second.refresh_from_db()
    assert second.status == "revoked"
    assert AuditEvent.objects.filter(object_type="cases.consent", details__withdrawn=True).exists()


def test_no_referral_goes_out_without_a_consent_that_covers_it(case, users, network):
    with pytest.raises(ValidationError, match="No consent covers"):
        refer(users["alice"], case, network.beta)
    share_with(users["alice"], case, network.beta, categories=["profile"])
    with pytest.raises(ValidationError, match="No consent covers"):  # asks for more than consented
        refer(users["alice"], case, network.beta, categories=["profile", "contact"])
    with pytest.raises(ValidationError, match="No consent covers"):  # another agency than consented
        refer(users["alice"], case, network.trainer, categories=["profile"])
    assert refer(users["alice"], case, network.beta, categories=["profile"]).consent is not None


def test_only_a_supervisor_overrides_missing_consent_and_must_say_why(case, users, network):
    with pytest.raises(ValidationError, match="Only a supervisor"):
        refer(users["alice"], case, network.beta, override_reason="Child at risk")
    referral = refer(users["sam"], case, network.beta, override_reason="Child at risk of re-trafficking tonight.")
    assert referral.override_by == users["sam"] and referral.consent is None
    timeline = [e.summary for e in case_timeline(access=case_get_for_user(users["sam"], code=case.code))]
    assert any("without consent" in s for s in timeline)


def test_reading_a_case_is_audited_with_the_categories_shown(case, users, network):
    share_with(users["alice"], case, network.beta, categories=["identity", "profile"])
    referral = refer(users["alice"], case, network.beta, categories=["identity", "profile"])
    referral_services.referral_move(move="accept", actor=users["bob"], referral=referral)
    case_read(user=users["bob"], access=case_get_for_user(users["bob"], code=case.code), via="test")
    event = AuditEvent.objects.filter(action="read", actor=users["bob"]).latest("seq")
    assert event.object_id == str(case.pk) and event.categories == ["identity", "profile"]


def test_a_stale_update_is_refused_and_the_newer_data_survives(case, users):
    version = case.version
    services.case_update(actor=users["sam"], case=case, version=version, phones=["+66 89 999 0000"])
    with pytest.raises(EditConflict) as conflict:
        services.case_update(actor=users["alice"], case=case, version=version, phones=["+66 80 000 0000"])
    assert "phones" in conflict.value.changes
    case.returnee.refresh_from_db()
    assert case.returnee.phones == ["+66 89 999 0000"]


def test_impossible_dates_are_refused_with_a_field_error_and_nothing_saved(case, users):
    import datetime

    with pytest.raises(ValidationError) as error:
        services.return_record(
            actor=users["alice"],
            case=case,
            country_from="MY",
            returned_on=datetime.date(1990, 1, 1),
            return_type="deportation",
        )
    assert "returned_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.return_record(
            actor=users["alice"],
            case=case,
            country_from="XX",
            returned_on=datetime.date(2025, 1, 1),
            return_type="nope",
        )
    assert {"country_from", "return_type"} <= set(error.value.message_dict)
    services.return_record(
        actor=users["alice"],
        case=case,
        country_from="MY",
        returned_on=datetime.date(2025, 1, 1),
        return_type="deportation",
    )
    tasks_before = case.tasks.count()  # the return scheduled the assessments' follow-ups
    with pytest.raises(ValidationError) as error:
        tasks.task_create(
            actor=users["alice"],
            case=case,
            title="Follow-up visit",
            due_on=datetime.date(2024, 12, 1),
            is_follow_up=True,
        )
    assert "due_on" in error.value.message_dict
    assert case.tasks.count() == tasks_before


def test_markup_and_oversized_text_are_refused(case, users):
    with pytest.raises(ValidationError, match="Markup"):
        services.note_add(actor=users["alice"], case=case, text="<img src=x onerror=alert(1)>")
    with pytest.raises(ValidationError, match="Too long"):
        services.note_add(actor=users["alice"], case=case, text="x" * 6000)


def test_likely_duplicates_are_found_by_name_with_the_birth_date_or_a_phone(case, users):
    """Own cases by the name and birth year, or a phone; elsewhere strictly: the whole birth date, or
    the phone with the name (decisions/0022)."""
    import datetime

    from reintegra.cases.duplicates import duplicate_check

    def check(user, **identity):
        return duplicate_check(actor=users[user], reason="new_case", given_name="Somsri", **identity)

    assert check("alice", family_name="Kaewmanee", birth_date=datetime.date(1994, 12, 31)).own == [case]
    assert check("alice", phones=["081 234 5678"]).own == [case]
    assert check("bob", family_name="Kaewmanee", phones=["081 234 5678"]).elsewhere
    assert check("bob", family_name="Kaewmanee", birth_date=datetime.date(1994, 3, 2)).elsewhere
    assert not check("bob", family_name="Kaewmanee", birth_date=datetime.date(1994, 12, 31)).elsewhere
    assert not check("bob", family_name="Other", phones=["081 234 5678"]).elsewhere
    assert not check("alice", family_name="Kaewmanee", birth_date=datetime.date(1990, 1, 1)).own


def test_closure_needs_a_supervisor_and_reopening_keeps_the_history(case, users):
    services.closure_move(
        move="request", actor=users["alice"], case=case, reason="Reintegrated; stable income for a year."
    )
    with pytest.raises(PermissionDenied):  # a caseworker cannot decide on a closure
        services.closure_move(actor=users["alice"], case=case, move="approve")
    case.refresh_from_db()
    assert case.stage != "closed" and case.closure_requested_at is not None
    services.closure_move(actor=users["sam"], case=case, move="approve")
    case.refresh_from_db()
    assert case.stage == "closed" and case.htcds_status == "Closed"
    services.closure_move(move="reopen", actor=users["alice"], case=case, reason="Creditor threats resumed.")
    case.refresh_from_db()
    assert case.stage == "identification" and case.closed_at is None
    kinds = [e.kind for e in case.events.all()]
    assert kinds.count("closure") == 3
