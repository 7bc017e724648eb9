"""The authorisation matrix (issue 12): every route of the project against every persona.

Every URL pattern the resolver knows (the API router's included) must have a row in ROUTES, or
`test_every_route_has_a_row` fails naming it. A row builds its URL from the objects of one world
(below) and says, per persona, what the product answers: a status code, or for anonymous pages the
redirect to the sign-in page (LOGIN). Each row is requested by GET. A row with `write` (every route
that takes writes only, and the forms and endpoints that also write) is sent an empty body with its
`method`; every persona refused (401, 403, 404, 405, or sent to sign in), and every persona not among
those who may act (`acts`), must change nothing: no row counted in any table, no new audit record.
A refused GET writes nothing either. `sees` names who finds Alpha's case in a list.

Reading a row: `page(404, cw_a=200, sup_a=200)` is "404 for everyone, anonymous sent to sign in,
Alpha's caseworker and supervisor 200"; `api(...)` the same with 401 for anonymous.

The personas: anonymous; `nobody`, an account without agency or role; Alpha's caseworker and
supervisor (`cw_a`, `sup_a`), who own the case; Beta's (`cw_b`, `sup_b`), another agency, in another
country, that never received it; provider staff of an agency with an active referral of the case
(`prov`), of one never referred it (`prov_none`), of one whose referral was completed (`prov_ended`,
which keeps the enrolment whose follow-ups it still records, decisions/0018); an M&E analyst
(`analyst`); a network coordinator (`coord`); an installation administrator (`admin`, a superuser
with no agency).

The Django admin's own routes share one row (`admin:*`), requested at its index and two of its
lists.
"""

import copy
import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve
from rest_framework.test import APIClient

from reintegra.access import case_get_for_user, enrolment_get_for_user
from reintegra.accounts.models import AuditEvent, Role, User
from reintegra.accounts.services import api_token_issue
from reintegra.cases import services as case_services
from reintegra.cases import tasks
from reintegra.exchange import ctdc_jobs
from reintegra.exchange import jobs as exchange_jobs
from reintegra.lib import clock
from reintegra.livelihoods import allocation, handover, skills
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods import services as livelihood_services
from reintegra.livelihoods.models import LabourMarketDemand
from reintegra.network import services as network_services
from reintegra.notifications.models import Kind, Notification
from reintegra.plans import attempts
from reintegra.plans import services as plan_services
from reintegra.referrals import services as referral_services
from reintegra.transfers import services as transfer_services

from .cases.conftest import IDENTITY, refer, share_with
from .conftest import api_client_for, build_network, build_users, client_for, make_agency, make_user
from .exchange.conftest import SOMSRI, csv_bytes
from .livelihoods.conftest import WELDING
from .livelihoods.test_labour_market import GOOD
from .routes import walk

PERSONAS = (
    "anon",
    "nobody",
    "cw_a",
    "sup_a",
    "cw_b",
    "sup_b",
    "prov",
    "prov_none",
    "prov_ended",
    "analyst",
    "coord",
    "admin",
)
LOGIN = "/login/"  # anonymous on a page: sent to sign in, with the page to come back to
ADMIN_LOGIN = "/admin/login/"
REFUSED = {401, 403, 404, 405, LOGIN, ADMIN_LOGIN}

Answer = int | str


def expect(default: Answer, **overrides: Answer) -> dict[str, Answer]:
    unknown = set(overrides) - set(PERSONAS)
    assert not unknown, f"not a persona: {unknown}"
    return {persona: overrides.get(persona, default) for persona in PERSONAS}


def page(default: Answer, **overrides: Answer) -> dict[str, Answer]:
    """A page: anonymous is sent to sign in unless said otherwise."""
    return expect(default, **({"anon": LOGIN} | overrides))


def api(default: Answer, **overrides: Answer) -> dict[str, Answer]:
    """An endpoint: anonymous gets 401 unless said otherwise."""
    return expect(default, **({"anon": 401} | overrides))


@dataclass(frozen=True)
class Row:
    name: str  # the route, qualified with its namespace ("cases:detail", "api:case-detail")
    url: str  # a template filled from the world's ids
    get: dict[str, Answer]
    write: dict[str, Answer] | None = None  # the answer to an empty body sent with `method`
    method: str = "post"
    # Who may act on the route: every other persona must change nothing, whatever it is answered.
    # By default, whoever is not refused.
    acts: tuple[str, ...] | None = None
    # For a list: who finds Alpha's case (its code) in the answer; everyone else gets it empty of her.
    sees: tuple[str, ...] | None = None

    @property
    def actors(self) -> set[str]:
        if self.acts is not None:
            return set(self.acts)
        return {p for p, answer in (self.write or {}).items() if answer not in REFUSED}


# Who meets what, by kind of route.
OWNERS = ("cw_a", "sup_a")  # Alpha's caseworker and supervisor: the case is theirs
RECEIVERS = ("cw_a", "sup_a", "cw_b", "sup_b", "prov", "prov_none", "prov_ended")  # the roles that hold cases
MEMBERS = (*RECEIVERS, "analyst", "coord", "admin")


def only(answer: Answer, personas: tuple[str, ...]) -> dict[str, Answer]:
    return dict.fromkeys(personas, answer)


CASE_PAGE = page(404, **only(200, OWNERS), prov=200)  # the case's own agency, and the provider it is referred to
OWNER_PAGE = page(404, **only(200, OWNERS))
POST_ONLY = page(405)  # a page that takes POST only: GET is refused, after the sign-in
API_POST_ONLY = api(405)
MEMBER_LIST = page(200, nobody=403)
API_MEMBER_LIST = api(200, nobody=403)
API_MEMBER_OBJECT = api(200, nobody=404)
COORDINATORS = page(403, coord=200, admin=200)


# Pages that read or change the network, the programme and the staff.
AGENCY_EDITORS = page(404, sup_a=200, coord=200, admin=200)  # Alpha's own supervisor, coordinators, administrators
STAFF_MANAGERS = page(403, sup_a=200, sup_b=200, admin=200)
CASE_OPENERS = page(403, cw_a=200, sup_a=200, cw_b=200, sup_b=200)
OPTION_MAKERS = page(403, sup_a=200, sup_b=200, coord=200, admin=200)
ALLOCATORS = page(403, sup_a=200, sup_b=200)
PROGRAMME_READERS = page(403, sup_a=200, sup_b=200, analyst=200, coord=200)  # de-identified figures
INSIGHT_ROLES = ("sup_a", "sup_b", "analyst", "coord")  # supervisors read their own agency's
INSIGHT_READERS = page(403, **only(200, INSIGHT_ROLES))
API_INSIGHT_READERS = api(403, **only(200, INSIGHT_ROLES))
CASELOAD_READERS = page(403, sup_a=200, sup_b=200)
EXCHANGERS = page(403, sup_a=200, sup_b=200)  # an agency's supervisors import and export its cases


NOTIFIED = ("cw_a", "prov", "prov_ended", "sup_b")  # who has a notification of Alpha's case


def owners_post(answer: Answer, **more: Answer) -> dict[str, Answer]:
    """A write on Alpha's case, for its own agency only; anyone else is told there is no such case."""
    return page(404, **(only(answer, OWNERS) | more))


def api_owners_post(answer: Answer, **more: Answer) -> dict[str, Answer]:
    return api(404, **(only(answer, OWNERS) | more))


ROUTES: list[Row] = [
    # --- Home, sign-in, accounts ---------------------------------------------------------------------
    # The day's work: Alice's tasks; for Eta, the completed course whose placement it records; for
    # both supervisors, the transfer of the case waiting for Beta's answer (its code only).
    Row("home", "/", page(200), sees=("cw_a", "prov_ended", "sup_a", "sup_b")),
    # Another agency's task, or none: "No such task", back to where it was clicked, nothing written.
    Row(
        "home_task_done",
        "/today/tasks/{task}/done/",
        POST_ONLY,
        page(302, nobody=403, analyst=403, coord=403, admin=403),
        acts=OWNERS,
    ),
    Row("login", "/login/", expect(302, anon=200)),
    Row("logout", "/logout/", expect(405), expect(LOGIN), acts=PERSONAS),
    Row("staff", "/staff/", STAFF_MANAGERS, STAFF_MANAGERS),
    Row("staff_set_active", "/staff/{member}/active/", POST_ONLY, page(403, sup_a=302, sup_b=404, admin=302)),
    Row("preferences", "/account/preferences/", page(200), page(200)),
    Row("password_change", "/account/password/", page(200), page(200)),
    # API tokens: each their own; a supervisor (or an administrator) those of their agency's staff.
    Row("api_tokens", "/account/tokens/", page(200)),
    Row("staff_tokens", "/staff/{member}/tokens/", page(403, sup_a=200, sup_b=404, admin=200)),
    Row(
        "api_token_revoke",
        "/account/tokens/{token}/revoke/",
        POST_ONLY,
        page(404, cw_a=302, sup_a=302, admin=302),
    ),
    # --- Two-factor sign-in (required of supervisors, coordinators and administrators) -----------------
    Row("two_factor_verify", "/login/code/", page(302), page(302), acts=()),  # signed in already: nothing to verify
    Row("two_factor", "/account/two-factor/", page(200)),
    # Those who must keep two-factor sign-in have an authenticator already: sent back to its page.
    Row("two_factor_setup", "/account/two-factor/set-up/", page(200, sup_a=302, sup_b=302, coord=302, admin=302)),
    Row("two_factor_qr", "/account/two-factor/set-up/qr.svg", page(404)),  # no set-up under way
    Row("two_factor_disable", "/account/two-factor/off/", POST_ONLY, page(302), acts=()),  # nothing to turn off
    Row(
        "two_factor_recovery_codes",
        "/account/two-factor/recovery-codes/",
        POST_ONLY,
        page(302, sup_a=200, sup_b=200, coord=200, admin=200),
    ),
    Row("exit", "/exit/", expect(200)),
    Row("healthz", "/healthz", expect(200)),
    # The returnee's feedback (issue 16): the form at /f/ with no sign-in; a token that is no link is a
    # 404 for everyone (a wrong one counts against the address, in the cache); the caseworker's link
    # is a POST for the case's own roles (an empty one is a 400 naming the fields).
    Row("feedback:start", "/f/", expect(200), expect(400), acts=()),
    Row("feedback:answer", "/f/not-a-token/", expect(404), expect(404), acts=()),
    Row(
        "feedback_link_new",
        "/feedback/links/new/",
        POST_ONLY,
        page(403, **only(400, ("cw_a", "sup_a", "cw_b", "sup_b"))),
        acts=(),
    ),
    Row(
        "api:feedback-links",
        "/api/v1/feedback-links/",
        API_POST_ONLY,
        api(403, **only(400, ("cw_a", "sup_a", "cw_b", "sup_b"))),
        acts=(),
    ),
    Row("quick_exit", "/exit/now/", expect(405), expect(302), acts=PERSONAS),
    # --- Notifications (issue 16): each person's own. Of Alpha's case were told its caseworker (the
    # referral accepted), the providers it was sent to, and Beta's supervisor (the transfer to answer).
    Row("notifications:list", "/notifications/", page(200), sees=NOTIFIED),
    Row("notifications:email", "/notifications/email/", page(200), page(400)),  # no frequency chosen
    Row("notifications:read_all", "/notifications/read-all/", POST_ONLY, page(302)),
    # Another person's notice: there is no such notice for anyone but its recipient.
    Row("notifications:open", "/notifications/{notification}/open/", POST_ONLY, page(404, sup_b=302)),
    Row("notifications:read", "/notifications/{notification}/read/", POST_ONLY, page(404, sup_b=302)),
    Row("set_language", "/i18n/setlang/", expect(302)),
    # --- The network directory -----------------------------------------------------------------------
    Row("network:directory", "/network/?country=TH&stage=identification", MEMBER_LIST),
    Row("network:area_options", "/network/areas/?country=PH", MEMBER_LIST),
    Row("network:agency_create", "/network/agencies/new/", COORDINATORS, COORDINATORS),
    Row("network:agency", "/network/agencies/{beta}/", page(200, nobody=404)),
    Row("network:agency", "/network/agencies/no-such-agency/", page(404)),
    Row("network:agency_edit", "/network/agencies/{alpha}/edit/", AGENCY_EDITORS, AGENCY_EDITORS),
    Row("network:agency_edit", "/network/agencies/{beta}/edit/", page(404, sup_b=200, coord=200, admin=200)),
    Row("network:service_create", "/network/agencies/{alpha}/services/new/", AGENCY_EDITORS, AGENCY_EDITORS),
    Row("network:service", "/network/services/{service}/", page(200, nobody=404)),
    Row("network:service_edit", "/network/services/{service}/edit/", AGENCY_EDITORS, AGENCY_EDITORS),
    Row("network:coverage", "/network/coverage/", MEMBER_LIST),
    Row("network:coverage_csv", "/network/coverage.csv?country=PH", MEMBER_LIST),
    Row("network:coverage_json", "/network/coverage.json?country=TH&dimension=category", MEMBER_LIST),
    # --- Cases ---------------------------------------------------------------------------------------
    Row("cases:list", "/cases/", page(403, **only(200, RECEIVERS)), sees=(*OWNERS, "prov")),
    Row("cases:search", "/cases/search/", POST_ONLY, page(403, **only(400, RECEIVERS))),
    Row("cases:intake", "/cases/new/", CASE_OPENERS, CASE_OPENERS),
    Row("cases:home_area_options", "/cases/home-areas/?citizenships=MM", CASE_OPENERS),
    Row("cases:tasks", "/cases/tasks/", page(403, **only(200, RECEIVERS)), sees=("cw_a",)),  # hers
    Row("cases:detail", "/cases/{case}/", CASE_PAGE),
    Row("cases:edit", "/cases/{case}/edit/", OWNER_PAGE, owners_post(200)),
    # The provider's referral shares the identity: it may be shown the details the page hides.
    Row("cases:reveal", "/cases/{case}/reveal/", POST_ONLY, owners_post(200, prov=200)),
    Row("cases:photo", "/cases/{case}/photo/", page(404)),  # no photo yet, for anyone
    Row("cases:photo_upload", "/cases/{case}/photo/upload/", POST_ONLY, owners_post(400)),
    Row("cases:stage", "/cases/{case}/stage/", POST_ONLY, owners_post(400)),
    Row("cases:history", "/cases/{case}/history/", POST_ONLY, owners_post(400)),
    Row("cases:return", "/cases/{case}/return/", POST_ONLY, owners_post(400)),
    Row("cases:consent", "/cases/{case}/consents/", POST_ONLY, owners_post(400)),
    Row("cases:consent_withdraw", "/cases/{case}/consents/{consent}/withdraw/", POST_ONLY, owners_post(302)),
    Row("cases:note", "/cases/{case}/notes/", POST_ONLY, owners_post(400)),
    Row("cases:task", "/cases/{case}/tasks/", POST_ONLY, owners_post(400)),
    Row("cases:task_done", "/cases/{case}/tasks/{task}/done/", POST_ONLY, owners_post(302)),
    Row("cases:closure", "/cases/{case}/closure/", POST_ONLY, owners_post(400)),
    Row("cases:closure_decide", "/cases/{case}/closure/decision/", POST_ONLY, owners_post(302)),
    Row("cases:reopen", "/cases/{case}/reopen/", POST_ONLY, owners_post(400)),
    Row("cases:remigration", "/cases/{case}/remigration/", POST_ONLY, owners_post(400)),
    # Lost contact (issue 16): a supervisor's, on a case of the queue; Alpha's case has missed no
    # follow-up, so its supervisor is told so (a message, nothing changed).
    Row("cases:lost_contact_close", "/cases/{case}/lost-contact/close/", POST_ONLY, owners_post(302, cw_a=403)),
    Row("cases:lost_contact_dismiss", "/cases/{case}/lost-contact/dismiss/", POST_ONLY, owners_post(302, cw_a=403)),
    Row("cases:erasure", "/cases/{case}/erasure/", POST_ONLY, owners_post(400)),
    Row("cases:erasure_decide", "/cases/{case}/erasure/decision/", POST_ONLY, owners_post(302)),
    # --- Plans and assessments -----------------------------------------------------------------------
    Row("plans:plan", "/cases/{case}/plan/", CASE_PAGE),  # the provider's referral shares the plan
    Row("plans:print", "/cases/{case}/plan/print/", CASE_PAGE),
    Row("plans:priorities", "/cases/{case}/plan/priorities/", POST_ONLY, owners_post(400)),
    Row("plans:start", "/cases/{case}/plan/start/", POST_ONLY, owners_post(302)),  # there is one already
    Row("plans:meta", "/cases/{case}/plan/details/", POST_ONLY, owners_post(400)),
    Row("plans:goal", "/cases/{case}/plan/goals/", POST_ONLY, owners_post(400)),
    Row("plans:action", "/cases/{case}/plan/goals/{goal}/actions/", POST_ONLY, owners_post(400)),
    Row("plans:action_done", "/cases/{case}/plan/actions/{action}/done/", POST_ONLY, owners_post(302)),
    Row("plans:submit", "/cases/{case}/plan/submit/", POST_ONLY, owners_post(302)),
    # The caseworker may not approve; the supervisor may (not this draft: it goes back with a message).
    Row("plans:approve", "/cases/{case}/plan/approve/", POST_ONLY, owners_post(302, cw_a=403)),
    # Sending back: a caseworker is refused before the reason is read; the supervisor is asked for one.
    Row("plans:send_back", "/cases/{case}/plan/send-back/", POST_ONLY, owners_post(400, cw_a=403)),
    Row("plans:assessment", "/cases/{case}/plan/assessments/{assessment}/", CASE_PAGE, owners_post(200)),
    Row(
        "plans:assessment_not_reached",
        "/cases/{case}/plan/assessments/{assessment}/not-reached/",
        POST_ONLY,
        owners_post(400),
    ),
    # Taking back an attempt recorded by mistake: whoever recorded it (Alice), nobody else of her agency.
    Row(
        "plans:assessment_attempt_remove",
        "/cases/{case}/plan/assessments/{assessment}/not-reached/{attempt}/remove/",
        POST_ONLY,
        owners_post(302, sup_a=403),
    ),
    # --- Referrals -----------------------------------------------------------------------------------
    # The referrals the agency received (the ended one included, so Eta knows to stop).
    Row("referrals:inbox", "/referrals/", page(403, **only(200, RECEIVERS)), sees=("prov", "prov_ended")),
    Row("referrals:detail", "/referrals/{referral}/", CASE_PAGE),
    # The ended referral: its agency keeps reading that it ended (and who sent it), nothing more.
    Row("referrals:detail", "/referrals/{ended_referral}/", page(404, **only(200, OWNERS), prov_ended=200)),
    Row("referrals:service", "/referrals/{referral}/service/", POST_ONLY, page(404, cw_a=403, sup_a=403, prov=400)),
    Row("referrals:action", "/referrals/{referral}/start/", POST_ONLY, page(404, cw_a=403, sup_a=403, prov=302)),
    Row("referrals:send", "/referrals/send/{case}/", POST_ONLY, owners_post(400)),
    # --- Transfers (issue 16): Alpha's case proposed to Beta, waiting ------------------------------------
    Row("transfers:list", "/transfers/", page(403, **only(200, (*OWNERS, "cw_b", "sup_b")))),
    Row("transfers:detail", "/transfers/{transfer}/", page(404, **only(200, (*OWNERS, "cw_b", "sup_b")))),
    # Only Beta's supervisor answers (an empty acceptance names no caseworker: 400).
    Row(
        "transfers:action",
        "/transfers/{transfer}/accept/",
        POST_ONLY,
        page(404, **only(403, (*OWNERS, "cw_b")), sup_b=400),
    ),
    Row("transfers:propose", "/transfers/propose/{case}/", OWNER_PAGE | {"cw_a": 403}, owners_post(400, cw_a=403)),
    Row("transfers:assign", "/transfers/assign/{case}/", OWNER_PAGE | {"cw_a": 403}, owners_post(400, cw_a=403)),
    # --- Livelihoods ---------------------------------------------------------------------------------
    Row("livelihoods:options", "/livelihoods/options/", MEMBER_LIST),
    Row("livelihoods:option_create", "/livelihoods/options/new/", OPTION_MAKERS, OPTION_MAKERS),
    Row("livelihoods:option_edit", "/livelihoods/options/{option}/", COORDINATORS, COORDINATORS),
    Row("livelihoods:audit", "/livelihoods/audit/", PROGRAMME_READERS),
    Row("livelihoods:audit_csv", "/livelihoods/audit.csv", PROGRAMME_READERS),
    Row("livelihoods:prediction", "/livelihoods/prediction/", PROGRAMME_READERS),
    Row("livelihoods:allocation", "/livelihoods/allocation/", ALLOCATORS, ALLOCATORS),
    Row(
        "livelihoods:allocation_confirm", "/livelihoods/allocation/confirm/", POST_ONLY, page(403, sup_a=400, sup_b=400)
    ),
    Row("livelihoods:allocation_round", "/livelihoods/allocation/rounds/{round}/", page(403, sup_a=200, sup_b=404)),
    Row(
        "livelihoods:allocation_withdraw",
        "/livelihoods/allocation/rounds/{round}/withdraw/",
        POST_ONLY,
        page(403, sup_a=400, sup_b=404),
    ),
    Row("livelihoods:labour_market", "/livelihoods/labour-market/", MEMBER_LIST),
    Row(
        "livelihoods:labour_market_import",
        "/livelihoods/labour-market/import/",
        POST_ONLY,
        page(403, coord=400, admin=400),
    ),
    Row("livelihoods:demand_create", "/livelihoods/labour-market/new/", COORDINATORS, COORDINATORS),
    Row("livelihoods:demand_edit", "/livelihoods/labour-market/{demand}/", COORDINATORS, COORDINATORS),
    Row("livelihoods:enrolments", "/livelihoods/enrolments/", MEMBER_LIST, sees=(*OWNERS, "prov", "prov_ended")),
    Row("livelihoods:enrolment", "/livelihoods/enrolments/{enrolment}/", CASE_PAGE),
    # Eta's completed course: Eta keeps it while income follow-ups remain to record (decisions/0018).
    Row("livelihoods:enrolment", "/livelihoods/enrolments/{kept}/", page(404, **only(200, OWNERS), prov_ended=200)),
    Row(
        "livelihoods:enrolment_move",
        "/livelihoods/enrolments/{enrolment}/status/",
        POST_ONLY,
        owners_post(400, prov=400),
    ),
    Row("livelihoods:stipend", "/livelihoods/enrolments/{enrolment}/stipends/", POST_ONLY, owners_post(400, prov=400)),
    Row(
        "livelihoods:placement", "/livelihoods/enrolments/{enrolment}/placement/", POST_ONLY, owners_post(400, prov=400)
    ),
    Row(
        "livelihoods:follow_up",
        "/livelihoods/enrolments/{kept}/follow-ups/{follow_up}/",
        POST_ONLY,
        owners_post(400, prov_ended=400),
    ),
    # Not reached (issue 16): whoever records the follow-up records an attempt that did not reach the person.
    Row(
        "livelihoods:follow_up_not_reached",
        "/livelihoods/enrolments/{kept}/follow-ups/{follow_up}/not-reached/",
        POST_ONLY,
        owners_post(400, prov_ended=400),
    ),
    Row(
        "livelihoods:follow_up_attempt_remove",
        "/livelihoods/enrolments/{kept}/follow-ups/{follow_up}/not-reached/{follow_up_attempt}/remove/",
        POST_ONLY,
        owners_post(302, sup_a=403, prov_ended=403),
    ),
    Row(
        "livelihoods:referral_enrol", "/livelihoods/referrals/{referral}/enrol/", POST_ONLY, owners_post(400, prov=400)
    ),
    Row("livelihoods:case", "/livelihoods/case/{case}/", CASE_PAGE),
    # --- Insights (issue 13): aggregates for analysts, coordinators and (their agency's) supervisors -------
    Row("insights:index", "/insights/", INSIGHT_READERS),
    Row("insights:dashboard", "/insights/returns/?gender=Feminine&since=2020-01-01", INSIGHT_READERS),
    Row("insights:dashboard", "/insights/network/", INSIGHT_READERS),
    Row("insights:dashboard", "/insights/voice/", INSIGHT_READERS),
    Row("insights:dashboard", "/insights/outcomes/", INSIGHT_READERS),
    Row("insights:dashboard", "/insights/caseload/", CASELOAD_READERS),  # it names the agency's workers
    Row("insights:dashboard", "/insights/no-such-dashboard/", page(403, **only(404, INSIGHT_ROLES))),
    Row("insights:dashboard", "/insights/returns/?gender=Nobody", page(403, **only(400, INSIGHT_ROLES))),
    Row("insights:figure_csv", "/insights/returns/returns-by-country.csv?country=TH", INSIGHT_READERS),
    Row("insights:figure_csv", "/insights/caseload/caseload-stage-worker.csv", CASELOAD_READERS),
    Row("insights:figure_csv", "/insights/returns/no-such-figure.csv", page(403, **only(404, INSIGHT_ROLES))),
    # The CTDC file is the whole network's: analysts and coordinators only, not a supervisor (issue 14).
    Row("ctdc_csv", "/insights/ctdc.csv", page(403, analyst=200, coord=200)),
    Row("ctdc_csv", "/insights/ctdc.csv?k=2", page(403, analyst=400, coord=400)),
    # The CTDC file asked for (made in the background when large): kept for the one who asked alone.
    Row("ctdc_export", "/insights/ctdc/", page(403, analyst=200, coord=200), page(403, analyst=400, coord=400)),
    Row("ctdc_job", "/insights/ctdc/jobs/{ctdc_job}/", page(403, analyst=200, coord=404)),
    Row("ctdc_job_progress", "/insights/ctdc/jobs/{ctdc_job}/progress/", page(403, analyst=200, coord=404)),
    Row(
        "ctdc_job_download",
        "/insights/ctdc/jobs/{ctdc_job}/download/",
        POST_ONLY,
        page(403, analyst=302, coord=404),  # not made yet: said on its page
    ),
    Row("livelihoods:profile", "/livelihoods/case/{case}/profile/", POST_ONLY, owners_post(400)),
    Row("livelihoods:recommend", "/livelihoods/case/{case}/recommend/", POST_ONLY, owners_post(400)),
    # --- Data exchange (issue 14): HTCDS import and export, for the agency's supervisors ----------------
    Row("exchange:import", "/exchange/import/", EXCHANGERS, page(403, sup_a=400, sup_b=400)),  # no file
    # Sam's upload of Alpha's: Beta's supervisor is told there is no such import.
    Row("exchange:job", "/exchange/import/jobs/{job}/", page(403, sup_a=200, sup_b=404)),
    Row("exchange:job_progress", "/exchange/import/jobs/{job}/progress/", page(403, sup_a=200, sup_b=404)),
    Row("exchange:job_confirm", "/exchange/import/jobs/{job}/confirm/", POST_ONLY, page(403, sup_a=302, sup_b=404)),
    Row("exchange:job_discard", "/exchange/import/jobs/{job}/discard/", POST_ONLY, page(403, sup_a=302, sup_b=404)),
    Row("exchange:export", "/exchange/export/", EXCHANGERS, page(403, sup_a=400, sup_b=400)),  # no format
    # --- The API: accounts, network, labour market ---------------------------------------------------
    Row("api:token", "/api/v1/auth/token/", expect(405), expect(400), acts=()),
    # The token the request is made with ends: whoever holds one may end it.
    Row("api:token-logout", "/api/v1/auth/logout/", API_POST_ONLY, api(204), acts=PERSONAS[1:]),
    Row("api:tokens", "/api/v1/auth/tokens/", api(200)),
    Row(
        "api:token-revoke",
        "/api/v1/auth/tokens/{token}/",
        API_POST_ONLY,
        api(404, cw_a=204, sup_a=204, admin=204),
        method="delete",
    ),
    Row("api:api-root", "/api/v1/", api(200)),
    Row("api:schema", "/api/v1/schema/", api(200)),
    Row("api:docs", "/api/v1/docs/", api(200)),
    Row("api:coverage", "/api/v1/coverage/?country=TH", API_MEMBER_LIST),
    Row("api:opportunities", "/api/v1/opportunities/", API_MEMBER_LIST, api(400, nobody=403), acts=()),
    Row("api:opportunity", "/api/v1/opportunities/{option}/", API_MEMBER_OBJECT),
    Row("api:labour-market-list", "/api/v1/labour-market/", API_MEMBER_LIST, api(403, coord=400, admin=400)),
    Row("api:labour-market-import-csv", "/api/v1/labour-market/import/", API_POST_ONLY, api(403, coord=415, admin=415)),
    Row(
        "api:labour-market-detail",
        "/api/v1/labour-market/{demand}/",
        API_MEMBER_OBJECT,
        api(403, coord=409, admin=409),
        method="put",
    ),  # 409: no version sent
    Row(
        "api:agency-list",
        "/api/v1/agencies/?country=PH&stage=shelter_assistance",
        API_MEMBER_LIST,
        api(403, coord=400, admin=400),
    ),
    Row(
        "api:agency-detail",
        "/api/v1/agencies/{alpha}/",
        API_MEMBER_OBJECT,
        api(404, sup_a=409, coord=409, admin=409),
        method="patch",
    ),
    Row("api:service-list", "/api/v1/services/", API_MEMBER_LIST, api(400, nobody=403), acts=()),
    Row(
        "api:service-detail",
        "/api/v1/services/{service}/",
        API_MEMBER_OBJECT,
        api(404, sup_a=409, coord=409, admin=409),
        method="patch",
    ),
    # --- The API: cases ------------------------------------------------------------------------------
    # A list holds what the user may see: for anyone else it is empty of Alpha's case. An account
    # without a role gets an empty list of cases, consents, tasks and referrals (pages answer it 403).
    Row(
        "api:case-list",
        "/api/v1/cases/",
        api(200),
        api(403, **only(400, ("cw_a", "sup_a", "cw_b", "sup_b"))),
        sees=(*OWNERS, "prov"),
    ),
    Row(
        "api:case-duplicates",
        "/api/v1/cases/duplicates/",
        API_POST_ONLY,
        api(403, **only(400, ("cw_a", "sup_a", "cw_b", "sup_b"))),
    ),
    Row("api:case-search", "/api/v1/cases/search/", API_POST_ONLY, api(403, **only(400, RECEIVERS))),
    Row(
        "api:case-detail",
        "/api/v1/cases/{case}/",
        api(404, **only(200, OWNERS), prov=200),
        api_owners_post(400),
        method="patch",
    ),
    Row("api:case-closure", "/api/v1/cases/{case}/closure/", API_POST_ONLY, api_owners_post(400)),
    Row("api:case-closure-decision", "/api/v1/cases/{case}/closure/decision/", API_POST_ONLY, api_owners_post(400)),
    Row("api:case-history", "/api/v1/cases/{case}/history/", API_POST_ONLY, api_owners_post(400)),
    Row("api:case-notes", "/api/v1/cases/{case}/notes/", API_POST_ONLY, api_owners_post(400)),
    Row("api:case-reopen", "/api/v1/cases/{case}/reopen/", API_POST_ONLY, api_owners_post(400)),
    Row("api:case-remigrations", "/api/v1/cases/{case}/remigrations/", API_POST_ONLY, api_owners_post(400)),
    Row(
        "api:case-lost-contact-close",
        "/api/v1/cases/{case}/lost-contact/close/",
        API_POST_ONLY,
        api_owners_post(400, cw_a=403),
    ),
    Row(
        "api:case-lost-contact-dismiss",
        "/api/v1/cases/{case}/lost-contact/dismiss/",
        API_POST_ONLY,
        api_owners_post(400, cw_a=403),
    ),
    Row("api:case-erasure", "/api/v1/cases/{case}/erasure/", API_POST_ONLY, api_owners_post(400)),
    Row("api:case-erasure-decision", "/api/v1/cases/{case}/erasure/decision/", API_POST_ONLY, api_owners_post(400)),
    Row("api:case-return-journey", "/api/v1/cases/{case}/return/", API_POST_ONLY, api_owners_post(400), method="put"),
    Row("api:case-stage", "/api/v1/cases/{case}/stage/", API_POST_ONLY, api_owners_post(400)),
    Row("api:case-timeline", "/api/v1/cases/{case}/timeline/", api(404, **only(200, OWNERS), prov=200)),
    Row("api:consent-list", "/api/v1/consents/", api(200), api(400), acts=(), sees=OWNERS),
    Row("api:consent-detail", "/api/v1/consents/{consent}/", api(404, **only(200, OWNERS))),
    Row("api:consent-withdraw", "/api/v1/consents/{consent}/withdraw/", API_POST_ONLY, api_owners_post(200)),
    Row("api:task-list", "/api/v1/tasks/", api(200), api(400), acts=(), sees=OWNERS),
    Row("api:task-done", "/api/v1/tasks/{task}/done/", API_POST_ONLY, api_owners_post(200)),
    Row("api:case-assign", "/api/v1/cases/{case}/assign/", API_POST_ONLY, api_owners_post(400, cw_a=403)),
    # --- The API: transfers ---------------------------------------------------------------------------
    Row("api:transfer-list", "/api/v1/transfers/", api(200), api(400), acts=(), sees=(*OWNERS, "cw_b", "sup_b")),
    Row("api:transfer-detail", "/api/v1/transfers/{transfer}/", api(404, **only(200, (*OWNERS, "cw_b", "sup_b")))),
    *(
        Row(
            f"api:transfer-{move}",
            f"/api/v1/transfers/{{transfer}}/{move}/",
            API_POST_ONLY,
            api(404, **only(403, (*OWNERS, "cw_b", "sup_b")) | {answerer: 400}),
        )
        for move, answerer in (("accept", "sup_b"), ("decline", "sup_b"))
    ),
    Row(
        "api:transfer-withdraw",
        "/api/v1/transfers/{transfer}/withdraw/",
        API_POST_ONLY,
        api(404, **(only(403, (*OWNERS, "cw_b", "sup_b")) | {"sup_a": 200})),
    ),
    # --- The API: notifications, each person's own -------------------------------------------------------
    Row("api:notification-list", "/api/v1/notifications/", api(200), sees=NOTIFIED),
    Row("api:notification-detail", "/api/v1/notifications/{notification}/", api(404, sup_b=200)),
    Row("api:notification-read", "/api/v1/notifications/{notification}/read/", API_POST_ONLY, api(404, sup_b=200)),
    Row("api:notification-read-all", "/api/v1/notifications/read-all/", API_POST_ONLY, api(200)),
    # --- The API: referrals --------------------------------------------------------------------------
    Row("api:referral-list", "/api/v1/referrals/", api(200), api(400), acts=(), sees=(*OWNERS, "prov", "prov_ended")),
    Row("api:referral-detail", "/api/v1/referrals/{referral}/", api(404, **only(200, OWNERS), prov=200)),
    Row("api:referral-detail", "/api/v1/referrals/{ended_referral}/", api(404, **only(200, OWNERS), prov_ended=200)),
    Row(
        "api:referral-accept",
        "/api/v1/referrals/{referral}/accept/",
        API_POST_ONLY,
        api(404, **only(403, OWNERS), prov=400),
    ),
    Row(
        "api:referral-cancel",
        "/api/v1/referrals/{referral}/cancel/",
        API_POST_ONLY,
        api(404, **only(400, OWNERS), prov=400),
    ),
    Row(
        "api:referral-complete",
        "/api/v1/referrals/{referral}/complete/",
        API_POST_ONLY,
        api(404, **only(403, OWNERS), prov=400),
    ),
    Row(
        "api:referral-decline",
        "/api/v1/referrals/{referral}/decline/",
        API_POST_ONLY,
        api(404, **only(400, OWNERS), prov=400),
    ),
    Row(
        "api:referral-revoke",
        "/api/v1/referrals/{referral}/revoke/",
        API_POST_ONLY,
        api(404, **only(400, OWNERS), prov=400),
    ),
    Row(
        "api:referral-start",
        "/api/v1/referrals/{referral}/start/",
        API_POST_ONLY,
        api(404, **only(403, OWNERS), prov=200),
    ),
    # --- The API: plans and assessments --------------------------------------------------------------
    Row(
        "api:priority-list",
        "/api/v1/priorities/?case={case}",
        api(404, **only(200, OWNERS), prov=200),
        api(400),
        acts=(),
    ),
    Row("api:plan-list", "/api/v1/plans/", API_POST_ONLY, api(400), acts=()),
    Row(
        "api:plan-detail",
        "/api/v1/plans/{case}/",
        api(404, **only(200, OWNERS), prov=200),
        api_owners_post(400),
        method="patch",
    ),
    Row("api:plan-goal-add", "/api/v1/plans/{case}/goals/", API_POST_ONLY, api_owners_post(400)),
    Row("api:plan-action-add", "/api/v1/plans/{case}/goals/{goal}/actions/", API_POST_ONLY, api_owners_post(400)),
    Row("api:plan-action-done", "/api/v1/plans/{case}/actions/{action}/done/", API_POST_ONLY, api_owners_post(200)),
    Row("api:plan-submit", "/api/v1/plans/{case}/submit/", API_POST_ONLY, api_owners_post(400)),
    Row("api:plan-approve", "/api/v1/plans/{case}/approve/", API_POST_ONLY, api_owners_post(400, cw_a=403)),
    Row("api:plan-send-back", "/api/v1/plans/{case}/send-back/", API_POST_ONLY, api_owners_post(400, cw_a=403)),
    Row("api:assessment-list", "/api/v1/assessments/?case={case}", api(404, **only(200, OWNERS), prov=200)),
    Row("api:assessment-record", "/api/v1/assessments/{assessment}/record/", API_POST_ONLY, api_owners_post(400)),
    Row(
        "api:assessment-not-reached",
        "/api/v1/assessments/{assessment}/not-reached/",
        API_POST_ONLY,
        api_owners_post(400),
    ),
    Row(
        "api:assessment-not-reached-remove",
        "/api/v1/assessments/{assessment}/not-reached/{attempt}/",
        API_POST_ONLY,
        api_owners_post(204, sup_a=403),
        method="delete",
    ),
    # --- The API: livelihoods ------------------------------------------------------------------------
    Row("api:skills-list", "/api/v1/skills/", API_MEMBER_LIST, sees=OWNERS),
    Row(
        "api:skills-detail",
        "/api/v1/skills/{case}/",
        api(404, **only(200, OWNERS), prov=200),
        api_owners_post(409),
        method="put",
    ),
    Row(
        "api:enrolment-list",
        "/api/v1/enrolments/",
        API_MEMBER_LIST,
        api(400, nobody=403),
        acts=(),
        sees=(*OWNERS, "prov", "prov_ended"),
    ),
    # Recommendations are the case's own agency's: the provider is told there are none to see.
    Row(
        "api:enrolment-recommendations",
        "/api/v1/enrolments/recommendations/?case={case}",
        api(404, **only(200, OWNERS)),
    ),
    Row("api:enrolment-detail", "/api/v1/enrolments/{enrolment}/", api(404, **only(200, OWNERS), prov=200)),
    Row("api:enrolment-detail", "/api/v1/enrolments/{kept}/", api(404, **only(200, OWNERS), prov_ended=200)),
    Row(
        "api:enrolment-placement",
        "/api/v1/enrolments/{enrolment}/placement/",
        API_POST_ONLY,
        api_owners_post(400, prov=400),
        method="put",
    ),
    Row(
        "api:enrolment-status", "/api/v1/enrolments/{enrolment}/status/", API_POST_ONLY, api_owners_post(400, prov=400)
    ),
    Row(
        "api:enrolment-stipends",
        "/api/v1/enrolments/{enrolment}/stipends/",
        API_POST_ONLY,
        api_owners_post(400, prov=400),
    ),
    Row("api:follow-up-list", "/api/v1/follow-ups/", API_MEMBER_LIST, sees=(*OWNERS, "prov_ended")),
    Row(
        "api:follow-up-detail",
        "/api/v1/follow-ups/{follow_up}/",
        api(404, **only(200, OWNERS), prov_ended=200),
        api(404, **only(400, OWNERS), prov_ended=400),
        method="patch",
    ),
    Row(
        "api:follow-up-not-reached",
        "/api/v1/follow-ups/{follow_up}/not-reached/",
        API_POST_ONLY,
        api(404, **only(400, OWNERS), prov_ended=400),
    ),
    Row(
        "api:follow-up-not-reached-remove",
        "/api/v1/follow-ups/{follow_up}/not-reached/{follow_up_attempt}/",
        API_POST_ONLY,
        api(404, cw_a=204, sup_a=403, prov_ended=403),
        method="delete",
    ),
    # --- The API: insights ---------------------------------------------------------------------------
    Row("api:insights-returns", "/api/v1/insights/returns/?age=25-34", API_INSIGHT_READERS),
    Row(
        "api:insights-returns",
        "/api/v1/insights/returns/?until=2020-01-01&since=2021-01-01",
        api(403, **only(400, INSIGHT_ROLES)),
    ),
    Row("api:insights-referrals", "/api/v1/insights/referrals/", API_INSIGHT_READERS),
    Row("api:insights-priorities", "/api/v1/insights/priorities/", API_INSIGHT_READERS),
    Row("api:insights-outcomes", "/api/v1/insights/outcomes/", API_INSIGHT_READERS),
    Row("api:insights-feedback", "/api/v1/insights/feedback/", API_INSIGHT_READERS),
    Row("api:insights-caseload", "/api/v1/insights/caseload/", api(403, sup_a=200, sup_b=200)),
    Row("api:insights-programme-audit", "/api/v1/insights/programme-audit/", API_INSIGHT_READERS),
    Row(
        "api:insights-programme-audit",
        "/api/v1/insights/programme-audit/?since=2026-02-30",
        api(403, **only(400, INSIGHT_ROLES)),
    ),
    # --- The Django admin: administrators only; everyone else is sent to its sign-in -----------------
    Row("admin:*", "/admin/", expect(ADMIN_LOGIN, admin=200)),
    Row("admin:*", "/admin/accounts/user/", expect(ADMIN_LOGIN, admin=200)),
    Row("admin:*", "/admin/accounts/auditevent/", expect(ADMIN_LOGIN, admin=200)),
]
# --- The world ---------------------------------------------------------------------------------------


def _build_world() -> dict:
    """Alpha's case of Somsri, referred to three providers' agencies (one referral active, one ended)
    and to none of a fourth, with everything a route names: a plan with a goal and an action, the
    assessments a return schedules, a task, a consent, an enrolment, an income follow-up, an
    allocation round, a labour-market figure."""
    network = build_network()
    people = build_users(network)
    provider = {"type": "TrainingProvider", "country": "TH", "areas": ["TH-57"]}
    idle = make_agency("zeta-training", name="Zeta Training", **provider)
    ended = make_agency("eta-training", name="Eta Training", **provider)
    cooking = network_services.service_create(
        actor=None, agency=ended, name="Cooking", stage="reintegration", category="vocational_training", capacity=8
    )
    users = {
        "nobody": people["charlie"],
        "cw_a": people["alice"],
        "sup_a": people["sam"],
        "cw_b": people["bob"],
        "sup_b": people["bella"],
        "prov": people["pat"],
        "prov_none": make_user("zoe", idle, Role.PROVIDER_STAFF),
        "prov_ended": make_user("ed", ended, Role.PROVIDER_STAFF),
        "analyst": people["ana"],
        "coord": people["cora"],
        "admin": make_user("root", None, ""),
    }
    User.objects.filter(pk=users["admin"].pk).update(is_superuser=True, is_staff=True)
    users["admin"].refresh_from_db()
    alice, sam, pat, ed, cora = (users[k] for k in ("cw_a", "sup_a", "prov", "prov_ended", "coord"))
    today = clock.today()

    livelihood_services.labour_market_import(actor=cora, text=GOOD.replace("TH-57,72,", "TH-57,74,", 1))
    paid = livelihood_services.opportunity_save(actor=cora, provider=network.trainer, **WELDING)
    unpaid = livelihood_services.opportunity_save(
        actor=cora,
        provider=network.trainer,
        kind="vocational_training",
        title="Sewing course",
        isco="75",
        area="TH-57",
        duration_weeks=16,
        seats=10,
    )
    eta_course = livelihood_services.opportunity_save(
        actor=cora,
        provider=ended,
        kind="vocational_training",
        title="Cooking course",
        isco="51",
        area="TH-57",
        duration_weeks=8,
    )
    case = case_services.case_open(actor=alice, notes="Returned via Mae Sai checkpoint.", **IDENTITY)
    case_services.return_record(
        actor=alice,
        case=case,
        country_from="MY",
        returned_on=today - datetime.timedelta(days=40),
        return_type="assisted_voluntary",
    )
    skills.profile_save(
        actor=alice,
        access=case_get_for_user(alice, code=case.code, for_edit=True),
        experience=[{"isco": "74", "years": 3, "abroad": True}],
        aspirations=[{"isco": "74", "mode": "wage_job"}],
        needs_income_now=True,
        income_needed_monthly=Decimal(8000),
        currency="THB",
    )
    shared = ("identity", "profile", "livelihood", "plan")
    consent = share_with(alice, case, network.trainer, categories=shared)
    referral = refer(alice, case, network.trainer, categories=shared, service=network.trainer.services.get())
    referral_services.referral_move(actor=pat, referral=referral, move="accept")
    enrolment = flow.enrolment_recommend(
        actor=alice, access=case_get_for_user(alice, code=case.code, for_edit=True), opportunity=paid
    )

    # Eta's referral: a completed course, its income follow-ups, then the referral completed.
    share_with(alice, case, ended, categories=("identity", "profile", "livelihood"))
    done = refer(alice, case, ended, categories=("identity", "profile", "livelihood"), service=cooking)
    referral_services.referral_move(actor=ed, referral=done, move="accept")
    kept = handover.enrolment_from_referral(actor=ed, referral=done, opportunity=eta_course, to="enrolled")
    kept.refresh_from_db()
    flow.enrolment_move(
        actor=ed,
        access=enrolment_get_for_user(ed, enrolment_id=kept.pk),
        to="completed",
        on=None,
        reason="",
        version=kept.version,
    )
    referral_services.referral_move(actor=ed, referral=done, move="complete", confirmed=True)

    plan_services.priorities_record(actor=alice, case=case, ranking=["income", "debt"], context="intake")
    plan = plan_services.plan_start(actor=alice, case=case)
    goal = plan_services.goal_add(
        actor=alice, plan=plan, domain="economic", description="A paid job", priorities=["income"]
    )
    action = plan_services.action_add(
        actor=alice, goal=goal, kind="task", description="Visit the family", responsible_agency=network.alpha
    )
    task = tasks.task_create(actor=alice, case=case, title="Call the family", due_on=today)
    other = case_services.case_open(
        actor=alice, **(IDENTITY | {"given_name": "Malee", "phones": ["+66 81 999 0000"], "identity_documents": []})
    )
    job = exchange_jobs.import_job_start(
        actor=sam, agency=network.alpha, file_name="cases.csv", data=csv_bytes([SOMSRI]), rows=1
    )
    round_, _made = allocation.cohort_offer(
        user=sam,
        token=uuid.uuid4(),
        offers=[(case_get_for_user(sam, code=other.code, for_edit=True), unpaid)],
        constraints={},
    )
    # A transfer of Alpha's case to Beta, proposed by Sam without consent (his recorded decision), waiting.
    transfer = transfer_services.transfer_propose(
        actor=sam,
        access=case_get_for_user(sam, code=case.code, for_edit=True),
        to_agency=network.beta,
        reason="She moves home.",
        override_reason="Protection emergency.",
    )
    ids = {
        "case": case.code,
        "transfer": transfer.pk,
        # Bella's notice of the transfer she is to answer.
        "notification": Notification.objects.get(recipient=users["sup_b"], kind=Kind.TRANSFER_PROPOSED).pk,
        "referral": referral.pk,
        "ended_referral": done.pk,
        "consent": consent.pk,
        "task": task.pk,
        "goal": goal.pk,
        "action": action.pk,
        "assessment": case.assessments.order_by("pk").first().pk,
        "enrolment": enrolment.pk,
        "kept": kept.pk,
        "follow_up": kept.follow_ups.order_by("months").first().pk,
        # Alice's attempts that did not reach the person, on the assessment and on the follow-up above.
        "attempt": attempts.assessment_not_reached(
            actor=alice,
            access=case_get_for_user(alice, code=case.code, for_edit=True),
            assessment=case.assessments.order_by("pk").first(),
            on=today,
            how="phone",
        ).pk,
        "follow_up_attempt": attempts.follow_up_not_reached(
            actor=alice,
            access=enrolment_get_for_user(alice, enrolment_id=kept.pk),
            follow_up=kept.follow_ups.order_by("months").first(),
            on=today,
            how="phone",
        ).pk,
        "option": paid.pk,
        "demand": LabourMarketDemand.objects.order_by("pk").first().pk,
        "round": round_.pk,
        "service": network.alpha.services.order_by("pk").first().pk,
        "member": alice.pk,
        "token": api_token_issue(user=alice, name="matrix")[0].pk,  # Alice's API token
        "alpha": network.alpha.slug,
        "beta": network.beta.slug,
        "job": job.pk,  # Sam's HTCDS upload, previewed
        # Ana's CTDC file, waiting for the worker (kept for her alone).
        "ctdc_job": ctdc_jobs.ctdc_job_start(actor=users["analyst"], k=11, cases=0).pk,
    }
    return {"users": users, "ids": ids}


# --- The machinery ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """Built once for the module inside a transaction rolled back at its end; each test runs in a
    savepoint of its own, and each request in one more, so every persona meets the same world."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = _build_world()
        # Signed in once (the sessions and tokens live in the world); each request starts from these cookies.
        world["clients"] = {
            persona: (client_for(user), api_client_for(user)) for persona, user in world["users"].items()
        }
        world["cookies"] = {persona: copy.deepcopy(web.cookies) for persona, (web, _api) in world["clients"].items()}
        yield world
        transaction.set_rollback(True)


def _counted_tables() -> list[str]:
    labels = {config.label for config in apps.get_app_configs() if config.name.startswith("reintegra")}
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.app_label in labels and m._meta.managed and not m._meta.proxy
    )


def snapshot() -> tuple:
    """The row count of every table of the project and the audit chain's head, in one query."""
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in _counted_tables())  # noqa: S608
    audit = quote(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}, (SELECT MAX(seq) FROM {audit})")  # noqa: S608  names from the models
        return tuple(cursor.fetchone())


def _ask(world: dict, persona: str, method: str, url: str) -> tuple[Answer, bool, HttpResponse]:
    """The answer `persona` gets, and whether anything was written; nothing stays written."""
    is_api = url.startswith("/api/")
    if persona == "anon":
        client = APIClient() if is_api else Client()
    else:
        web, api_client = world["clients"][persona]
        client = api_client if is_api else web
        client.cookies = SimpleCookie() if is_api else copy.deepcopy(world["cookies"][persona])
    with transaction.atomic():
        before = snapshot()
        if method == "get":
            response = client.get(url)
        elif is_api:
            response = getattr(client, method)(url, {}, format="json")
        else:
            response = getattr(client, method)(url, {})
        wrote = snapshot() != before
        transaction.set_rollback(True)
    answer: Answer = response.status_code
    if response.status_code == 302:
        location = response["Location"]
        for target in (LOGIN, ADMIN_LOGIN):
            if location.startswith(target):
                answer = target
    return answer, wrote, response


# --- The tests ----------------------------------------------------------------------------------------


def rows_missing(rows: list[Row]) -> list[str]:
    """Each route of the resolver without a row, each row naming no route, each name two routes share."""
    covered = {row.name for row in rows}
    paths: dict[str, set[str]] = {}
    problems = []
    for route in walk():
        if route.path.startswith("admin/"):  # the Django admin's own routes share one row
            continue
        if not route.name:
            problems.append(f"{route.path}: a route without a name; name it and give it a row in ROUTES")
            continue
        if route.name not in covered:
            problems.append(f"{route.path} ({route.name}): no row in ROUTES of tests/test_route_matrix.py")
        if not route.is_format_suffix:
            paths.setdefault(route.name, set()).add(route.path)
    problems += [f"{name}: one name for {sorted(p)}; give each route a name" for name, p in paths.items() if len(p) > 1]
    problems += [f"{name}: a row for a route that is gone" for name in sorted(covered - set(paths) - {"admin:*"})]
    return problems


def test_every_route_has_a_row():
    assert rows_missing(ROUTES) == []


def test_a_route_without_a_row_is_named():
    rows = [row for row in ROUTES if row.name != "cases:reveal"]
    assert "cases/<str:code>/reveal/ (cases:reveal): no row in ROUTES of tests/test_route_matrix.py" in rows_missing(
        rows
    )


def test_every_row_answers_every_persona():
    for row in ROUTES:
        for answers in (row.get, row.write or row.get):
            assert set(answers) == set(PERSONAS), row
        write_only = any(answer == 405 for persona, answer in row.get.items() if persona not in ("anon",))
        assert row.write is not None or not write_only, f"{row.name}: a route that takes writes only needs `write`"


def _check(row: Row, world: dict, method: str, expected: dict[str, Answer], url: str) -> list[str]:
    problems = []
    code = str(world["ids"]["case"])
    for persona in PERSONAS:
        answer, wrote, response = _ask(world, persona, method, url)
        where = f"{persona} {method.upper()} {url}"
        if answer != expected[persona]:
            problems.append(f"{where}: {answer}, the table says {expected[persona]}")
        may_act = method != "get" and persona in row.actors
        refused = expected[persona] in REFUSED
        if wrote and (refused or (method != "get" and not may_act)):
            problems.append(f"{where}: answered {answer} and wrote")
        if row.sees is not None and answer == 200:
            if (code in response.content.decode()) != (persona in row.sees):
                problems.append(f"{where}: Alpha's case {'shown' if persona not in row.sees else 'missing'}")
    return problems


@pytest.mark.parametrize("row", ROUTES, ids=[f"{row.name} {row.url}" for row in ROUTES])
def test_each_persona_is_answered_as_the_table_says(row, world, db):
    url = row.url.format(**world["ids"])
    view_name = resolve(urlsplit(url).path).view_name
    assert view_name == row.name or (row.name == "admin:*" and view_name.startswith("admin:")), view_name
    problems = _check(row, world, "get", row.get, url)
    if row.write is not None:
        problems += _check(row, world, row.method, row.write, url)
    assert not problems, "\n".join(problems)


def test_the_api_has_no_format_twins():
    """The router's `.json` twin of each route (`/api/v1/cases/X/timeline.json`) answered 500 on six
    actions that took no `format`; the API speaks JSON only and has none."""
    assert [route.path for route in walk() if route.is_format_suffix] == []


# --- Valid bodies ------------------------------------------------------------------------------------
# An empty body is refused by validation as much as by access: these writes are well formed, so
# only the access rule stands between a persona and the record. (Creating a second plan starts a
# revision; the receiving provider keeps tasks of its own on a case referred to it.)

WRITES = [
    (
        "post",
        "/api/v1/opportunities/",
        {"provider": "gamma-training", "kind": "vocational_training", "title": "Course", "isco": "75", "area": "TH-57"},
        api(403, coord=201, admin=201),
    ),
    (
        "patch",
        "/api/v1/opportunities/{option}/",
        {"title": "Renamed", "version": 1},
        api(403, nobody=404, coord=200, admin=200),
    ),
    (
        "post",
        "/api/v1/services/",
        {"agency": "alpha-welfare", "name": "Counselling", "stage": "reintegration", "category": "family_tracing"},
        api(404, nobody=403, sup_a=201, coord=201, admin=201),
    ),
    (
        "post",
        "/api/v1/tasks/",
        {"case": "{case}", "title": "Call", "due_on": "{soon}"},
        api_owners_post(201, prov=201),
    ),
    (
        "post",
        "/api/v1/consents/",
        {
            "case": "{case}",
            "purpose": "sharing",
            "given_on": "{past}",
            "language": "th",
            "recipient_agency": "zeta-training",
            "categories": ["profile"],
        },
        api_owners_post(201, nobody=400),
    ),
    ("post", "/api/v1/priorities/", {"case": "{case}", "ranking": ["income", "debt"]}, api_owners_post(201)),
    ("post", "/api/v1/plans/", {"case": "{case}"}, api_owners_post(201)),
    # Alice's own, refused by the rules of the option (one open already), 400; everyone else 404.
    ("post", "/api/v1/enrolments/", {"case": "{case}", "opportunity": "{option}"}, api_owners_post(400, nobody=403)),
    # No consent covers a referral to Zeta: Alpha's is refused by the rules (400), everyone else 404.
    (
        "post",
        "/api/v1/referrals/",
        {"case": "{case}", "to_agency": "zeta-training", "categories": ["profile"]},
        api_owners_post(400, nobody=400),
    ),
]


@pytest.mark.parametrize(("method", "url", "body", "expected"), WRITES, ids=[f"{w[0]} {w[1]}" for w in WRITES])
def test_a_valid_write_is_made_only_by_who_may(method, url, body, expected, world, db):
    today = clock.today()
    ids = world["ids"] | {"soon": today + datetime.timedelta(days=7), "past": today - datetime.timedelta(days=30)}
    url = url.format(**ids)
    body = {key: value.format(**ids) if isinstance(value, str) else value for key, value in body.items()}
    problems = []
    for persona in PERSONAS:
        with transaction.atomic():
            client = api_client_for(world["users"].get(persona))
            before = snapshot()
            response = getattr(client, method)(url, body, format="json")
            wrote = snapshot() != before
            transaction.set_rollback(True)
        if response.status_code != expected[persona]:
            problems.append(f"{persona} {method.upper()} {url}: {response.status_code}, expected {expected[persona]}")
        if wrote != (response.status_code in (200, 201)):
            problems.append(f"{persona} {method.upper()} {url}: answered {response.status_code}, wrote {wrote}")
    assert not problems, "\n".join(problems)
