"""The catalogue of the product's forms (FORMS): for each, where it posts, who fills it, valid data,
one field to break, and the form shown again. Built on a World of records made through the real
services. Shared by tests/test_forms_keep_input.py (no form loses what was typed, issue 11) and
tests/test_hostile_inputs.py (the hostile-input corpus through every form, issue 12)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reintegra.access import case_get_for_user, enrolment_get_for_user
from reintegra.accounts.models import AuditEvent
from reintegra.cases import services as case_services
from reintegra.livelihoods import enrolments as flow
from reintegra.livelihoods import services as livelihood_services
from reintegra.plans import services as plan_services
from reintegra.plans.forms import AssessmentForm
from reintegra.referrals import services as referral_services

from .cases.conftest import IDENTITY, refer, share_with
from .conftest import PASSWORD

TODAY = timezone.localdate


def days_ago(n: int) -> str:
    return (TODAY() - datetime.timedelta(days=n)).isoformat()


class World:
    """What the forms work on, built through the real services when a row needs it."""

    def __init__(self, users: dict, network: Any) -> None:
        self.users, self.network = users, network

    @cached_property
    def case(self):
        return case_services.case_open(actor=self.users["alice"], **IDENTITY)

    @cached_property
    def consent_to_beta(self):
        """The returnee's consent to share their profile with Beta, which a referral there needs."""
        return share_with(self.users["alice"], self.case, self.network.beta, categories=["profile"])

    @cached_property
    def referral(self):
        """Alpha refers the case to Beta under the returnee's consent; Beta has not answered."""
        share_with(self.users["alice"], self.case, self.network.beta, categories=["profile"])
        return refer(self.users["alice"], self.case, self.network.beta, categories=["profile"])

    @cached_property
    def accepted_referral(self):
        """Beta accepted the referral: it records the services it gives."""
        referral_services.referral_move(move="accept", actor=self.users["bob"], referral=self.referral)
        return self.referral

    @cached_property
    def trainer_referral(self):
        """Alpha referred the case to Gamma, which accepted: Gamma says where the person stands on its options."""
        alice, categories = self.users["alice"], ("identity", "profile", "livelihood")
        share_with(alice, self.case, self.network.trainer, categories=categories)
        referral = refer(alice, self.case, self.network.trainer, categories=categories)
        referral_services.referral_move(move="accept", actor=self.users["pat"], referral=referral)
        assert self.option.provider == self.network.trainer
        return referral

    @cached_property
    def option(self):
        return livelihood_services.opportunity_save(
            actor=self.users["cora"],
            provider=self.network.trainer,
            kind="paid_training",
            title="Electrician apprenticeship",
            isco="74",
            area="TH-57",
            duration_weeks=12,
            seats=15,
            stipend_monthly=Decimal(6000),
            currency="THB",
        )

    def _move(self, user, enrolment, to, days):
        enrolment.refresh_from_db()
        access = enrolment_get_for_user(user, enrolment_id=enrolment.pk)
        return flow.enrolment_move(
            actor=user, access=access, to=to, on=TODAY() - datetime.timedelta(days=days), version=enrolment.version
        )

    @cached_property
    def enrolment(self):
        """Somsri is enrolled in Gamma's apprenticeship, referred there by Alpha."""
        alice, pat = self.users["alice"], self.users["pat"]
        categories = ("identity", "profile", "livelihood")
        share_with(alice, self.case, self.network.trainer, categories=categories)
        referral = refer(alice, self.case, self.network.trainer, categories=categories)
        referral_services.referral_move(move="accept", actor=pat, referral=referral)
        access = case_get_for_user(alice, code=self.case.code, for_edit=True)
        enrolment = flow.enrolment_recommend(
            actor=alice, access=access, opportunity=self.option, on=TODAY() - datetime.timedelta(days=60)
        )
        self._move(alice, enrolment, "offered", 59)
        self._move(alice, enrolment, "accepted", 58)
        self._move(pat, enrolment, "enrolled", 57)
        enrolment.refresh_from_db()
        return enrolment

    @cached_property
    def follow_up(self):
        """The first income follow-up, scheduled when the training was completed."""
        self._move(self.users["pat"], self.enrolment, "completed", 40)
        return self.enrolment.follow_ups.order_by("due_on").first()

    @cached_property
    def plan(self):
        return plan_services.plan_start(actor=self.users["alice"], case=self.case)

    @cached_property
    def goal(self):
        return plan_services.goal_add(
            actor=self.users["alice"], plan=self.plan, domain="economic", description="A steady income"
        )

    @cached_property
    def submitted_plan(self):
        """Alice's plan, with a goal and the returnee's agreement, submitted: it waits for Sam."""
        alice, plan = self.users["alice"], self.goal.plan
        plan.refresh_from_db()
        plan = plan_services.plan_update(
            actor=alice, plan=plan, version=plan.version, returnee_took_part=True, returnee_agreed_on=TODAY()
        )
        return plan_services.plan_move(actor=alice, plan=plan, move="submit")

    @cached_property
    def assessment(self):
        case_services.return_record(
            actor=self.users["alice"],
            case=self.case,
            country_from="MY",
            returned_on=TODAY() - datetime.timedelta(days=30),
            return_type="deportation",
        )
        return self.case.assessments.order_by("due_on").first()

    @cached_property
    def closed_case(self):
        case = self.case
        case_services.case_set_stage(actor=self.users["alice"], case=case, stage="reintegration", version=case.version)
        case_services.closure_move(actor=self.users["alice"], case=case, move="request", reason="Working a year.")
        case_services.closure_move(actor=self.users["sam"], case=case, move="approve")
        case.refresh_from_db()
        return case


@dataclass(frozen=True)
class Form:
    """One form: where it posts, who fills it, valid data, the field to break (and how), the id of
    the <form> shown again, the status of that page, and fields not shown again by design
    (passwords and files, which no browser may be given back)."""

    name: str
    role: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]]
    broken: tuple[str, Any]
    form_id: str
    link: str  # the id of the broken field, where the summary's link leads
    status: int = 400
    not_shown_again: tuple[str, ...] = ()
    files: Callable[[], dict[str, Any]] = field(default=lambda: {})


def history(w: World) -> dict:
    return {
        "type": "Exploitation",
        "country": "MY",
        "area": "Johor Bahru",
        "started_on": days_ago(400),
        "ended_on": days_ago(30),
        "exploitation_types": ["ForcedLabour", "Servitude"],
        "industry": "F_Construction",
        "duration_months": "13",
        "debt_amount": "30000.00",
        "debt_currency": "THB",
        "creditor": "Broker in Mae Sai",
    }


def referral(w: World) -> dict:
    """Sent under the returnee's consent to share their profile with Beta."""
    assert w.consent_to_beta is not None
    return {
        "to_agency": str(w.network.beta.pk),
        "service": str(w.network.beta.services.get().pk),
        "reasons": ["AdditionalServicesRequired"],
        "reason_text": "Needs a safe place for a month",
        "urgency": "priority",
        "categories": ["profile"],
    }


def returnee(w: World) -> dict:
    return {
        "given_name": "Malee",
        "family_name": "Srisuk",
        "other_names": "Lee",
        "birth_date": "1996-04-02",
        "gender": "Feminine",
        "phones": "+66 81 765 4321",
        "email": "malee@example.org",
        "address": "5 Moo 2, Mae Chan",
        "id_type": "national_id",
        "id_number": "1-5702-00222-11-0",
        "citizenships": ["TH", "MM"],
        "home_area": "MM-01",
        "languages": ["th"],
        "education": "LowerSecondaryEducation",
        "marital_status": "Single",
        "children": "1",
    }


PROFILE = {
    "education": "LowerSecondaryEducation",
    "literacy": "functional",
    "numeracy": "basic",
    "languages": ["th", "en"],
    "experience_1_isco": "75",
    "experience_1_years": "4",
    "experience_1_abroad": "on",
    "aspiration_1_isco": "74",
    "aspiration_1_mode": "wage_job",
    "aspiration_2_isco": "51",
    "aspiration_2_mode": "own_business",
    "aspirations_words": "A steady job near home, then my own shop",
    "interest_realistic": "80",
    "interest_enterprising": "65",
    "work_areas": ["TH-57", "TH-50"],
    "needs_income_now": "on",
    "income_needed_monthly": "9000",
    "currency": "THB",
    "debt_pressure": "high",
}


def option(w: World) -> dict:
    return {
        "provider": str(w.network.trainer.pk),
        "kind": "vocational_training",
        "title": "Tailoring course",
        "isco": "75",
        "area": "TH-57",
        "duration_weeks": "10",
        "seats": "12",
        "stipend_monthly": "3000",
        "currency": "THB",
        "min_age": "18",
        "pathway": "Placement with partner garment shops",
        "active": "on",
    }


def agency(w: World) -> dict:
    return {
        "name": "Sunrise Shelter",
        "name_local": "บ้านพักซันไรส์",
        "type": "NGOIOShelter",
        "country": "TH",
        "areas": ["TH-57", "TH-50"],
        "languages": ["th", "en"],
        "contact_email": "hello@sunrise.example.org",
        "contact_phone": "+66 53 000 111",
        "website": "https://sunrise.example.org",
        "address": "1 Road, Chiang Rai",
        "description": "A shelter for women",
        "active": "on",
    }


def service(w: World) -> dict:
    return {
        "name": "Counselling",
        "name_local": "การให้คำปรึกษา",
        "stage": "reintegration",
        "category": "psychosocial_counselling",
        "description": "One to one",
        "min_age": "15",
        "capacity": "8",
        "cost_to_client": "100.00",
        "cost_currency": "THB",
        "languages": ["th"],
        "active": "on",
    }


def assessment(w: World) -> dict:
    form = AssessmentForm()
    data: dict[str, Any] = {"done_on": days_ago(1)}
    for name, form_field in form.fields.items():
        if name == "done_on":
            continue
        choices = getattr(form_field, "choices", None)
        data[name] = str(list(choices)[0][0]) if choices else "2"
    return data


def case_url(path: str) -> Callable[[World], str]:
    return lambda w: f"/cases/{w.case.code}/{path}"


FORMS = [
    # The case's page (the caseworker who owns it).
    Form(
        "stage",
        "alice",
        case_url("stage/"),
        lambda w: {"version": str(w.case.version), "stage": "reintegration", "reason": "Back from the shelter"},
        ("stage", "closed-forever"),
        "stage-form",
        "stage-stage",
    ),
    Form(
        "history",
        "alice",
        case_url("history/"),
        history,
        ("started_on", "last spring"),
        "history-form",
        "history-started_on",
    ),
    Form(
        "return",
        "alice",
        case_url("return/"),
        lambda w: {
            "country_from": "MY",
            "returned_on": days_ago(20),
            "return_type": "deportation",
            "assisting_agencies": [str(w.network.ministry.pk)],
            "documents_issued": "Temporary passport",
            "point_of_arrival": "Mae Sai checkpoint",
        },
        ("returned_on", (TODAY() + datetime.timedelta(days=3)).isoformat()),
        "return-form",
        "return-returned_on",
    ),
    Form(
        "consent",
        "alice",
        case_url("consents/"),
        lambda w: {
            "purpose": "sharing",
            "recipient_agency": str(w.network.beta.pk),
            "categories": ["profile", "history"],
            "given_on": days_ago(1),
            "language": "th",
        },
        ("given_on", "yesterday"),
        "consent-form",
        "consent-given_on",
    ),
    Form(
        "referral",
        "alice",
        lambda w: f"/referrals/send/{w.case.code}/",
        referral,
        ("urgency", "yesterday"),
        "referral-form",
        "referral-urgency",
    ),
    Form(
        "task",
        "alice",
        case_url("tasks/"),
        lambda w: {"title": "Call the family", "due_on": days_ago(-3), "is_follow_up": "on"},
        ("due_on", "next week"),
        "task-form",
        "task-due_on",
    ),
    Form(
        "note",
        "alice",
        case_url("notes/"),
        lambda w: {"text": "Met at the office"},
        ("text", ""),
        "note-form",
        "note-text",
    ),
    Form(
        "closure request",
        "alice",
        case_url("closure/"),
        lambda w: {"reason": "Working for a year", "reason_code": "reintegrated"},
        ("reason", ""),
        "closure-form",
        "closure-reason",
    ),
    Form(
        "move abroad again",
        "alice",
        case_url("remigration/"),
        lambda w: {"country": "MY", "regular": "yes", "left_on": days_ago(10)},
        ("left_on", "next week"),
        "remigration-form",
        "remigration-left_on",
    ),
    Form(
        "erasure request",
        "alice",
        case_url("erasure/"),
        lambda w: {"reason": "Asked at the office"},
        ("reason", ""),
        "erasure-form",
        "erasure-reason",
    ),
    Form(
        "reopen",
        "alice",
        lambda w: f"/cases/{w.closed_case.code}/reopen/",
        lambda w: {"reason": "Threats resumed"},
        ("reason", ""),
        "reopen-form",
        "reopen-reason",
    ),
    Form(
        "photo",
        "alice",
        case_url("photo/upload/"),
        lambda w: {},
        ("photo", SimpleUploadedFile("photo.txt", b"not an image", content_type="text/plain")),
        "photo-form",
        "photo-photo",
        not_shown_again=("photo",),
    ),
    # The case's own pages.
    Form(
        "intake",
        "alice",
        lambda w: "/cases/new/",
        lambda w: returnee(w) | {"stage": "return", "notes": "Walk-in"},
        ("email", "not-an-address"),
        "intake-form",
        "id_email",
        status=200,
    ),
    Form(
        "edit",
        "alice",
        case_url("edit/"),
        lambda w: returnee(w) | {"version": str(w.case.version)},
        ("email", "not-an-address"),
        "edit-form",
        "id_email",
        status=200,
    ),
    # The referral's page (the receiving agency declines; it records a service once accepted).
    Form(
        "decline",
        "bob",
        lambda w: f"/referrals/{w.referral.pk}/decline/",
        lambda w: {"decline_reason": "no_capacity", "reason": "Shelter full"},
        ("reason", ""),
        "decline-form",
        "decline-reason",
    ),
    Form(
        "transfer proposed",
        "sam",
        lambda w: f"/transfers/propose/{w.case.code}/",
        lambda w: {"to_agency": w.network.beta.pk, "reason": "She moves home.", "override_reason": "Emergency."},
        ("reason", ""),
        "propose-form",
        "id_reason",
    ),
    Form(
        "service given",
        "bob",
        lambda w: f"/referrals/{w.accepted_referral.pk}/service/",
        lambda w: {"text": "Two nights at the shelter"},
        ("text", ""),
        "service-form",
        "service-text",
    ),
    Form(
        "where the referred person stands",
        "pat",
        lambda w: f"/livelihoods/referrals/{w.trainer_referral.pk}/enrol/",
        lambda w: {"opportunity": str(w.option.pk), "to": "offered", "on": days_ago(2)},
        ("on", "someday"),
        "enrol-form",
        "enrol-on",
    ),
    # The livelihood pages.
    Form(
        "skills profile",
        "alice",
        lambda w: f"/livelihoods/case/{w.case.code}/profile/",
        lambda w: dict(PROFILE),
        ("interest_realistic", "150"),
        "profile-form",
        "id_interest_realistic",
    ),
    Form(
        "recommend",
        "alice",
        lambda w: f"/livelihoods/case/{w.case.code}/recommend/",
        lambda w: {"opportunity": str(w.option.pk), "asked_by_returnee": "on"},
        ("opportunity", "999999"),
        "recommend-form",
        "id_opportunity",
    ),
    Form(
        "enrolment status",
        "pat",
        lambda w: f"/livelihoods/enrolments/{w.enrolment.pk}/status/",
        lambda w: {"version": str(w.enrolment.version), "to": "completed", "on": days_ago(2), "reason": "Finished"},
        ("on", "last week"),
        "move-form",
        "move-on",
    ),
    Form(
        "stipend",
        "pat",
        lambda w: f"/livelihoods/enrolments/{w.enrolment.pk}/stipends/",
        lambda w: {"paid_on": days_ago(3), "amount": "6000", "currency": "THB"},
        ("amount", "a lot"),
        "stipend-form",
        "stipend-amount",
    ),
    Form(
        "placement",
        "pat",
        lambda w: f"/livelihoods/enrolments/{w.enrolment.pk}/placement/",
        lambda w: {
            "version": "",
            "kind": "job",
            "employer_name": "Mae Sai Electrics",
            "isco": "74",
            "started_on": days_ago(5),
            "contract": "permanent",
            "monthly_income": "9500",
            "currency": "THB",
        },
        ("started_on", "last month"),
        "placement-form",
        "placement-started_on",
    ),
    Form(
        "income follow-up",
        "alice",
        lambda w: f"/livelihoods/enrolments/{w.enrolment.pk}/follow-ups/{w.follow_up.pk}/",
        lambda w: {
            "done_on": days_ago(1),
            "employment": "employed",
            "monthly_income": "9000",
            "currency": "THB",
            "debt_outstanding": "5000",
            "notes": "Works at the garage",
        },
        ("monthly_income", "much"),
        "follow-up-{follow_up}-form",
        "follow-up-{follow_up}-monthly_income",
    ),
    Form(
        "income follow-up not reached",
        "alice",
        lambda w: f"/livelihoods/enrolments/{w.enrolment.pk}/follow-ups/{w.follow_up.pk}/not-reached/",
        lambda w: {"on": days_ago(0), "how": "phone", "note": "Switched off all week"},
        ("on", "last Tuesday"),
        "not-reached-{follow_up}-form",
        "not-reached-{follow_up}-on",
    ),
    Form(
        "option",
        "cora",
        lambda w: "/livelihoods/options/new/",
        option,
        ("duration_weeks", "many"),
        "option-form",
        "id_duration_weeks",
        status=200,
    ),
    Form(
        "labour-market figure",
        "cora",
        lambda w: "/livelihoods/labour-market/new/",
        lambda w: {
            "area": "TH-57",
            "isco": "72",
            "vacancies": "120",
            "demand_index": "55.5",
            "monthly_wage": "12000",
            "wage_currency": "THB",
            "source": "Employment office",
            "as_of": days_ago(10),
        },
        ("vacancies", "many"),
        "demand-form",
        "id_vacancies",
        status=200,
    ),
    Form(
        "labour-market import",
        "cora",
        lambda w: "/livelihoods/labour-market/import/",
        lambda w: {},
        ("file", SimpleUploadedFile("figures.csv", "área;zona\n".encode("latin-1"), content_type="text/csv")),
        "import-form",
        "import-file",
        not_shown_again=("file",),
    ),
    # The HTCDS import and export pages (issue 14): a file that is no HTCDS file, a format there is not.
    Form(
        "htcds import",
        "sam",
        lambda w: "/exchange/import/",
        lambda w: {},
        ("file", SimpleUploadedFile("cases.txt", b"prs_FirstName\nSomsri\n", content_type="text/plain")),
        "import-form",
        "import-file",
        not_shown_again=("file",),
    ),
    Form(
        "htcds export",
        "sam",
        lambda w: "/exchange/export/",
        lambda w: {"format": "csv"},
        ("format", "pdf"),
        "export-form",
        "export-format",
    ),
    # The plan's page.
    Form(
        "priorities",
        "alice",
        lambda w: f"/cases/{w.case.code}/plan/priorities/",
        lambda w: {
            "context": "intake",
            "overall": "Work, and my children in school",
            "rank_1": "income",
            "rank_2": "children_schooling",
            "words_1": "Any job near home",
        },
        ("rank_3", "flying"),
        "priority-form",
        "priorities-rank_3",
    ),
    Form(
        "goal",
        "alice",
        lambda w: f"/cases/{w.plan.case.code}/plan/goals/",
        lambda w: {
            "domain": "economic",
            "description": "A steady income",
            "priorities": ["income"],
            "target_date": days_ago(-90),
        },
        ("target_date", "summer"),
        "goal-form",
        "goal-target_date",
    ),
    Form(
        "action",
        "alice",
        lambda w: f"/cases/{w.case.code}/plan/goals/{w.goal.pk}/actions/",
        lambda w: {
            "kind": "service",
            "description": "Enrol in the apprenticeship",
            "responsible_agency": str(w.network.trainer.pk),
            "target_date": days_ago(-30),
        },
        ("target_date", "soon"),
        "goal{goal}-action-form",
        "goal{goal}-action-target_date",
    ),
    Form(
        "plan details",
        "alice",
        lambda w: f"/cases/{w.plan.case.code}/plan/details/",
        lambda w: {
            "version": str(w.plan.version),
            "returnee_took_part": "on",
            "returnee_agreed_on": days_ago(1),
            "language": "fil",
        },
        ("returnee_agreed_on", "a while ago"),
        "meta-form",
        "meta-returnee_agreed_on",
    ),
    Form(
        "send back",
        "sam",
        lambda w: f"/cases/{w.submitted_plan.case.code}/plan/send-back/",
        lambda w: {"reason": "Add a goal for her children's schooling"},
        ("reason", ""),
        "send_back-form",
        "send_back-reason",
    ),
    Form(
        "assessment",
        "alice",
        lambda w: f"/cases/{w.case.code}/plan/assessments/{w.assessment.pk}/",
        assessment,
        ("income_sources", "-1"),
        "assessment-form",
        "id_income_sources",
        status=200,
    ),
    Form(
        "assessment not reached",
        "alice",
        lambda w: f"/cases/{w.case.code}/plan/assessments/{w.assessment.pk}/not-reached/",
        lambda w: {"on": days_ago(0), "how": "visit", "note": "Nobody at home"},
        ("how", "pigeon"),
        "not-reached-form",
        "not-reached-how",
    ),
    # The network.
    Form(
        "agency",
        "cora",
        lambda w: "/network/agencies/new/",
        agency,
        ("contact_email", "nope"),
        "agency-form",
        "id_contact_email",
        status=200,
    ),
    Form(
        "agency edit",
        "cora",
        lambda w: f"/network/agencies/{w.network.alpha.slug}/edit/",
        lambda w: agency(w) | {"name": "Alpha Welfare Office", "version": str(w.network.alpha.version)},
        ("contact_email", "nope"),
        "agency-form",
        "id_contact_email",
        status=200,
    ),
    Form(
        "service",
        "cora",
        lambda w: f"/network/agencies/{w.network.alpha.slug}/services/new/",
        service,
        ("capacity", "many"),
        "service-form",
        "id_capacity",
        status=200,
    ),
    # Accounts and the search for a person.
    Form(
        "search for a person",
        "alice",
        lambda w: "/cases/search/",
        lambda w: {"name": "Somsri", "phone": "+66 81 234 5678"},
        ("phone", "12"),
        "identity-search",
        "id_phone",
    ),
    Form(
        "preferences",
        "alice",
        lambda w: "/account/preferences/",
        lambda w: {"language": "th", "calendar": "buddhist"},
        ("calendar", "lunar"),
        "preferences-form",
        "id_calendar",
        status=200,
    ),
    Form(
        "notifications by e-mail",
        "alice",
        lambda w: "/notifications/email/",
        lambda w: {"frequency": "daily"},
        ("frequency", "weekly"),
        "email-preference-form",
        "id_frequency",
    ),
    Form(
        "password",
        "alice",
        lambda w: "/account/password/",
        lambda w: (
            with_password(w, "alice")
            | {"new_password1": "a new long phrase of words", "new_password2": "a new long phrase of words"}
        ),
        ("new_password2", "another phrase altogether"),
        "password-form",
        "id_new_password2",
        status=200,
        not_shown_again=("old_password", "new_password1", "new_password2"),
    ),
    Form(
        "staff",
        "sam",
        lambda w: "/staff/",
        lambda w: {
            "username": "somchai_k",
            "first_name": "Somchai",
            "last_name": "K.",
            "email": "somchai@example.org",
            "role": "caseworker",
            "password": "a long enough secret",
        },
        ("email", "not-an-address"),
        "staff-form",
        "id_email",
        status=200,
        not_shown_again=("password",),
    ),
]


def with_password(w: World, persona: str) -> dict[str, str]:
    user = w.users[persona]
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return {"old_password": PASSWORD}


def formatted(row: Form, w: World, text: str) -> str:
    ids = {}
    if "{follow_up}" in text:
        ids["follow_up"] = w.follow_up.pk
    if "{goal}" in text:
        ids["goal"] = w.goal.pk
    return text.format(**ids)


def writes() -> int:
    """Every write of the product leaves one audit record in its transaction."""
    return AuditEvent.objects.filter(action__in=["create", "update", "delete"]).count()
