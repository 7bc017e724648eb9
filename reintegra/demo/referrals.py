"""Referrals between the demo agencies (data/referrals.json): which ones a case gets, and how they
are sent, answered and ended through the referral services."""

import datetime
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from reintegra.access import case_get_for_user
from reintegra.cases import services as case_services
from reintegra.cases.choices import ConsentPurpose, DataCategory, Gender, Stage
from reintegra.cases.models import Case, Consent
from reintegra.cases.tasks import task_create
from reintegra.demo.drawing import Demo, Span, data_file, pick, rank
from reintegra.demo.people import WOMEN, Home
from reintegra.referrals import services as referral_services
from reintegra.referrals.choices import ReferralReason, ReferralStatus, Urgency

if TYPE_CHECKING:
    from reintegra.demo.drafts import CaseDraft


@dataclass(frozen=True)
class Option:
    """A referral a case of the sending agency may need."""

    to: str  # agency slug
    category: str  # of the receiving agency's service
    stage: Stage
    reason: ReferralReason
    text: str
    data: tuple[DataCategory, ...]  # shared with the receiving agency
    urgency: Urgency = Urgency.ROUTINE
    service_hint: str = ""  # a word of the service's name, when the agency has several of the category
    women_only: bool = False
    adults_only: bool = False
    regions: tuple[str, ...] = ()  # home regions it suits; empty for any
    early_only: bool = False  # only for cases still before or just after the return

    def suits(self, *, gender: Gender, minor: bool, home: Home, final: Stage) -> bool:
        return (
            (not self.women_only or gender in WOMEN)
            and not (self.adults_only and minor)
            and (not self.regions or home.region in self.regions)
            and not (self.early_only and rank(final) > rank(Stage.SHELTER_ASSISTANCE))
        )


@dataclass(frozen=True)
class Emergency:
    """A child-protection emergency: a supervisor refers without consent, to show the override."""

    supervisor: str  # username
    option: Option
    stage: Stage  # of the case


@dataclass(frozen=True)
class PlannedReferral:
    option: Option
    status: ReferralStatus  # where it ends
    send_at: Stage  # the case's stage when it is sent


def shared_data(name: str) -> tuple[DataCategory, ...]:
    """A named set of data categories shared with a kind of service ("work", "shelter", …)."""
    return tuple(DataCategory(c) for c in data_file("referrals.json")["shared_data"][name])


def _option(row: dict[str, Any]) -> Option:
    fields = {k: v for k, v in row.items() if k not in ("shares", "stage", "reason", "urgency", "regions")}
    return Option(
        **fields,
        stage=Stage(row["stage"]),
        reason=ReferralReason(row["reason"]),
        data=shared_data(row["shares"]),
        urgency=Urgency(row.get("urgency", Urgency.ROUTINE)),
        regions=tuple(row.get("regions", ())),
    )


@cache
def options() -> dict[str, tuple[Option, ...]]:
    """The referrals each opening agency (by slug) makes."""
    rows = data_file("referrals.json")["options"]
    return {slug: tuple(_option(row) for row in agency_rows) for slug, agency_rows in rows.items()}


@cache
def emergencies() -> tuple[Emergency, ...]:
    data = data_file("referrals.json")["emergencies"]
    return tuple(
        Emergency(
            supervisor=row["supervisor"],
            option=Option(
                to=row["to"],
                category="shelter",
                stage=Stage.SHELTER_ASSISTANCE,
                reason=ReferralReason.ADDITIONAL_SERVICES,
                text=data["text"],
                data=shared_data(data["shares"]),
            ),
            stage=Stage(row["stage"]),
        )
        for row in data["cases"]
    )


@cache
def _status_weights() -> dict[str, dict[str, dict[ReferralStatus, int]]]:
    table = data_file("referrals.json")["status_weights"]
    return {
        when: {answer: {ReferralStatus(s): w for s, w in weights.items()} for answer, weights in answers.items()}
        for when, answers in table.items()
    }


def _texts(key: str) -> Any:
    return data_file("referrals.json")[key]


def referrals_draw(
    *, demo: Demo, slug: str, gender: Gender, minor: bool, home: Home, stage: Stage, final: Stage, path: list[Stage]
) -> list[PlannedReferral]:
    """Referrals to distinct receiving agencies, suited to the person, for a case now at `stage`
    (`final`: the last open stage) that went through `path`."""
    rng = demo.rng
    suited = [o for o in options()[slug] if o.suits(gender=gender, minor=minor, home=home, final=final)]
    if final in (Stage.IDENTIFICATION, Stage.RETURN):  # a shelter may be arranged before the return
        eligible = [o for o in suited if rank(o.stage) <= rank(Stage.SHELTER_ASSISTANCE)]
    else:
        eligible = [o for o in suited if rank(o.stage) <= rank(final)]
    counts = data_file("case_mix.json")["referral_counts"][stage.value]
    count = pick(rng, {int(n): w for n, w in counts.items()})
    # Weighted shuffle: agencies whose demo users answer referrals come up more often.
    eligible.sort(key=lambda o: rng.random() ** (1 / (3 if o.to in demo.receivers else 1)), reverse=True)
    chosen: list[Option] = []
    for option in eligible:
        if len(chosen) < count and option.to not in {c.to for c in chosen}:
            chosen.append(option)
    planned: list[PlannedReferral] = []
    for option in sorted(chosen, key=lambda o: rank(o.stage)):
        when = "closed" if stage == Stage.CLOSED else ("past" if rank(option.stage) < rank(final) else "current")
        answer = "answered" if option.to in demo.receivers else "unanswered"
        status = pick(rng, _status_weights()[when][answer])
        send_at = next((s for s in path if rank(s) >= rank(option.stage)), path[-1])
        planned.append(PlannedReferral(option=option, status=status, send_at=send_at))
    return planned


def referral_play(
    *,
    demo: Demo,
    case: Case,
    draft: "CaseDraft",
    option: Option,
    status: ReferralStatus,
    opened_on: datetime.date,
    override: bool = False,
) -> None:
    """Sends the referral (after recording the sharing consent it needs) and plays it to `status`."""
    rng, opener = demo.rng, draft.opener
    to_agency = demo.agencies.get(option.to)
    if to_agency is None:
        return
    receiver = demo.receivers.get(option.to)
    if receiver is None and status not in (ReferralStatus.PENDING, ReferralStatus.CANCELLED):
        status = ReferralStatus.CANCELLED if draft.stage == Stage.CLOSED else ReferralStatus.PENDING
    through_withdrawal = status == ReferralStatus.REVOKED and rng.random() < 0.4
    consent: Consent | None = None
    covered = any(
        (c.recipient_agency_id == to_agency.pk or c.recipient_agency_type == to_agency.type)
        and set(option.data) <= set(c.categories)
        for c in draft.shared
    )
    if not override and not covered:
        days = Span(**data_file("case_mix.json")["sharing_consent_days"][option.stage.value])
        by_type = not through_withdrawal and rng.random() < 0.15
        extra = [c for c in (DataCategory.CONTACT, DataCategory.NOTES) if c not in option.data and rng.random() < 0.2]
        consent = case_services.consent_record(
            actor=opener,
            case=case,
            purpose=ConsentPurpose.SHARING,
            given_on=demo.day(opened_on, days.draw(rng)),
            language=draft.consent_language,
            recipient_agency=None if by_type else to_agency,
            recipient_agency_type=to_agency.type if by_type else "",
            categories=[*option.data, *extra],
        )
        draft.shared.append(consent)
    services = [s for s in demo.services.get(to_agency.pk, []) if s.category == option.category]
    service = next((s for s in services if option.service_hint and option.service_hint in s.name), None)
    referral = referral_services.referral_send(
        actor=opener,
        access=case_get_for_user(opener, code=case.code, for_edit=True),
        to_agency=to_agency,
        service=service or (services[0] if services else None),
        reasons=[option.reason],
        reason_text=option.text,
        urgency=Urgency.URGENT if override else option.urgency,
        categories=option.data,
        override_reason=_texts("override_reasons")[draft.country] if override else "",
    )
    if status == ReferralStatus.CANCELLED:
        referral_services.referral_move(
            move="cancel", actor=opener, referral=referral, reason=rng.choice(_texts("cancel_reasons"))
        )
    elif status == ReferralStatus.DECLINED and receiver is not None:
        referral_services.referral_move(
            move="decline", actor=receiver, referral=referral, reason=rng.choice(_texts("decline_reasons"))
        )
    elif status != ReferralStatus.PENDING and receiver is not None:
        referral = referral_services.referral_move(move="accept", actor=receiver, referral=referral)
        started = status == ReferralStatus.IN_PROGRESS or (
            status in (ReferralStatus.COMPLETED, ReferralStatus.REVOKED) and rng.random() < 0.7
        )
        if started:
            referral = referral_services.referral_move(move="start", actor=receiver, referral=referral)
            note = _texts("provider_notes").get(option.category)
            if note and rng.random() < 0.5:
                case_services.note_add(actor=receiver, case=case, text=note)
            if status == ReferralStatus.IN_PROGRESS and rng.random() < 0.3:
                task_create(
                    actor=receiver,
                    case=case,
                    title="Check attendance and progress with the returnee",
                    due_on=demo.today + datetime.timedelta(days=rng.randint(3, 21)),
                    assignee=receiver,
                )
        if status == ReferralStatus.COMPLETED:
            completions = _texts("complete_reasons")
            reasons = completions.get(option.category, completions["*"])
            referral_services.referral_move(
                move="complete", actor=receiver, referral=referral, reason=rng.choice(reasons)
            )
        elif status == ReferralStatus.REVOKED:
            if through_withdrawal and consent is not None:
                case_services.consent_withdraw(actor=opener, consent=consent)
                draft.shared.remove(consent)
            else:
                referral_services.referral_move(
                    move="revoke", actor=opener, referral=referral, reason=rng.choice(_texts("revoke_reasons"))
                )


def advance_sharing_consent(*, demo: Demo, case: Case, draft: "CaseDraft", opened_on: datetime.date) -> None:
    """Some returnees agree in advance to share with a kind of agency, before any referral."""
    if draft.rolls[0] >= 0.1:
        return
    kind = "Microfinance" if draft.rolls[1] < 0.5 else "TrainingProvider"
    case_services.consent_record(
        actor=draft.opener,
        case=case,
        purpose=ConsentPurpose.SHARING,
        given_on=demo.day(opened_on, int(draft.rolls[2] * 60)),
        language=draft.consent_language,
        recipient_agency_type=kind,
        categories=shared_data("work"),
    )
