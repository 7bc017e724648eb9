"""The supervisor's lost-contact queue is worked out at most once every SUPERVISOR_QUEUES_SECONDS per
agency and kept in the shared cache; each read checks its cases again, so a case closed or said to be
reached again leaves the queue at once."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reintegra.plans import lost_contact
from tests.cases.test_closure_reasons import returned

from .test_not_reached import ago, assessments_due, not_reached, opened_weeks_ago


def followed_up_queries(queries) -> int:
    return sum("plans_assessment" in q["sql"] for q in queries.captured_queries)


def out_of_contact(case, users, settings) -> None:
    """One follow-up missed (not reached) puts the case in the queue; the queue cached for 5 minutes."""
    settings.LOST_CONTACT_MISSED = 1
    settings.SUPERVISOR_QUEUES_SECONDS = 300
    opened_weeks_ago(case)
    returned(case, users, days_ago=5)
    [baseline] = assessments_due(case, 3)
    not_reached(users["alice"], case, baseline, on=ago(2))


def test_the_queue_is_read_from_the_cache_and_a_dismissed_case_leaves_it_at_once(case, users, settings):
    out_of_contact(case, users, settings)
    [item] = lost_contact.lost_contact_queue_for_page(agency_id=case.agency_id)
    assert item.case == case
    with CaptureQueriesContext(connection) as again:
        assert [i.case for i in lost_contact.lost_contact_queue_for_page(agency_id=case.agency_id)] == [case]
    assert followed_up_queries(again) == 0  # from the cache, the case checked again only

    lost_contact.lost_contact_dismiss(actor=users["sam"], case=case)  # contact restored
    assert lost_contact.lost_contact_queue_for_page(agency_id=case.agency_id) == []
    assert lost_contact.lost_contact_queue(agency_id=case.agency_id) == []  # and worked out afresh, the same


def test_a_case_closed_since_leaves_the_cached_queue(case, users, settings):
    out_of_contact(case, users, settings)
    assert len(lost_contact.lost_contact_queue_for_page(agency_id=case.agency_id)) == 1
    lost_contact.lost_contact_close(actor=users["sam"], case=case)
    assert lost_contact.lost_contact_queue_for_page(agency_id=case.agency_id) == []
