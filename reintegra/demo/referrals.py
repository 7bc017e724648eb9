"""Referrals between the demo agencies (data/referrals.json): which ones a case gets, and how they
are sent, answered and ended through the referral services, each step at its moment (timing.py)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from reintegra.access import case_get_for_user
from reintegra.cases import services as case_services
from reintegra.cases.choices import ConsentPurpose, DataCategory, Gender, Stage
from reintegra.cases.models import Consent
from reintegra.cases.tasks import task_create
from reintegra.demo.drawing import Demo, data_file, pick, rank
from reintegra.demo.people import WOMEN, Home
from reintegra.demo.timing import DAY, HOUR, MINUTE, Script, day_of, zone_of
from reintegra.network.models import Agency
from reintegra.referrals import services as referral_services
from reintegra.referrals.choices import ReferralReason, ReferralStatus, Urgency
from reintegra.referrals.models import Referral

if TYPE_CHECKING:
    from reintegra.demo.drafts import CaseDraft, Played


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


@dataclass
class Shared:
    """A sharing consent the demo records for a case: with whom, what, and from when."""

    at: datetime.datetime
    agency: Agency | None
    agency_type: str
    categories: frozenset[str]
    for_one: bool = False  # to be withdrawn: it covers only the referral it was given for
    record: Consent | None = None  # once recorded

    def covers(self, to_agency: Agency, categories: tuple[DataCategory, ...], moment: datetime.datetime) -> bool:
        """Whether the referral service will find this consent for a referral sent at `moment`
        (as `referral_services.consent_covering` looks for one)."""
        recipient = self.agency.pk == to_agency.pk if self.agency is not None else self.agency_type == to_agency.type
        return not self.for_one and self.at < moment and recipient and set(categories) <= self.categories


def _consent_plan(
    *, script: Script, draft: "CaseDraft", played: "Played", at: datetime.datetime, shared: Shared
) -> None:
    """Records the sharing consent `shared` at `at`, given that day."""
    at = shared.at = min(at, script.latest)
    draft.shared.append(shared)

    def record() -> None:
        shared.record = case_services.consent_record(
            actor=draft.opener,
            case=played.case,
            purpose=ConsentPurpose.SHARING,
            given_on=day_of(at),
            language=draft.consent_language,
            recipient_agency=shared.agency,
            recipient_agency_type="" if shared.agency is not None else shared.agency_type,
            categories=sorted(shared.categories),
        )

    script.at(at, record)


def _sent_at(
    *,
    demo: Demo,
    draft: "CaseDraft",
    status: ReferralStatus,
    window: tuple[datetime.datetime, datetime.datetime],
    override: bool,
) -> datetime.datetime:
    """When the referral is sent: soon after the case reached the stage it belongs to. A referral
    still unanswered was sent lately: nobody leaves one waiting for a year."""
    pace, (start, end) = demo.pace, window
    if override:
        return min(start + HOUR * demo.rng.uniform(1, 5), demo.now)
    if status == ReferralStatus.PENDING:
        sent, anywhen = demo.now - pace.wait("waiting"), pace.within(start, demo.now)
        sent = anywhen if sent < start else sent
    else:
        sent = pace.after(start, pace.wait("referral_after_stage"), zone_of(draft.country))
        anywhen = pace.within(start, end)
        sent = anywhen if sent > end else sent
    return min(max(sent, start + 30 * MINUTE), demo.now)


def referral_plan(
    *,
    demo: Demo,
    script: Script,
    draft: "CaseDraft",
    played: "Played",
    option: Option,
    status: ReferralStatus,
    window: tuple[datetime.datetime, datetime.datetime],
    override: bool = False,
) -> None:
    """Puts on the script the sending of the referral (after recording the sharing consent it
    needs, unless one covers it already) and its way to `status`. `window`: from when the case was
    at the stage the referral belongs to until it moved on (or now)."""
    rng, pace, opener = demo.rng, demo.pace, draft.opener
    zone = zone_of(draft.country)
    to_agency = demo.agencies.get(option.to)
    if to_agency is None:
        return
    receiver = demo.receivers.get(option.to)
    if receiver is None and status not in (ReferralStatus.PENDING, ReferralStatus.CANCELLED):
        status = ReferralStatus.CANCELLED if draft.stage == Stage.CLOSED else ReferralStatus.PENDING
    through_withdrawal = status == ReferralStatus.REVOKED and rng.random() < 0.4
    sent = _sent_at(demo=demo, draft=draft, status=status, window=window, override=override)
    consent: Shared | None = None
    if not override and not any(c.covers(to_agency, option.data, sent) for c in draft.shared):
        by_type = not through_withdrawal and rng.random() < 0.15
        extra = [c for c in (DataCategory.CONTACT, DataCategory.NOTES) if c not in option.data and rng.random() < 0.2]
        consent = Shared(
            at=max(window[0] + 10 * MINUTE, sent - pace.wait("consent_before_sending")),
            agency=None if by_type else to_agency,
            agency_type=to_agency.type if by_type else "",
            categories=frozenset([*option.data, *extra]),
            for_one=through_withdrawal,
        )
        _consent_plan(script=script, draft=draft, played=played, at=consent.at, shared=consent)
    services = [s for s in demo.services.get(to_agency.pk, []) if s.category == option.category]
    service = next((s for s in services if option.service_hint and option.service_hint in s.name), None)
    referral: Referral | None = None

    def send() -> None:
        nonlocal referral
        referral = referral_services.referral_send(
            actor=opener,
            access=case_get_for_user(opener, code=played.case.code, for_edit=True),
            to_agency=to_agency,
            service=service or (services[0] if services else None),
            reasons=[option.reason],
            reason_text=option.text,
            urgency=Urgency.URGENT if override else option.urgency,
            categories=option.data,
            override_reason=_texts("override_reasons")[draft.country] if override else "",
        )

    def move(name: str, actor: Any, reason: str = "", code: str = "") -> Callable[[], None]:
        def act() -> None:
            nonlocal referral
            assert referral is not None  # noqa: S101  sent before
            referral = referral_services.referral_move(
                move=name, actor=actor, referral=referral, reason=reason, decline_reason=code
            )

        return act

    script.at(sent, send)
    if status == ReferralStatus.CANCELLED:
        reason = rng.choice(_texts("cancel_reasons"))
        script.at(pace.after(sent, pace.wait("cancellation"), zone), move("cancel", opener, reason))
        return
    if receiver is None or status == ReferralStatus.PENDING:
        return
    answered = pace.after(sent, pace.wait("response"), zone)
    if status == ReferralStatus.DECLINED:
        decline = rng.choice(_texts("decline_reasons"))
        script.at(answered, move("decline", receiver, decline["text"], decline["code"]))
        return
    script.at(answered, move("accept", receiver))
    started = status == ReferralStatus.IN_PROGRESS or (
        status in (ReferralStatus.COMPLETED, ReferralStatus.REVOKED) and rng.random() < 0.7
    )
    last = answered
    if started:
        last = script.at(pace.after(answered, pace.wait("start"), zone), move("start", receiver))
    ended: datetime.datetime | None = None
    if status == ReferralStatus.COMPLETED:
        completions = _texts("complete_reasons")
        reason = rng.choice(completions.get(option.category, completions["*"]))
        ended = script.at(pace.after(last, pace.wait("completion"), zone), move("complete", receiver, reason))
    elif status == ReferralStatus.REVOKED:
        ended = pace.after(last, pace.wait("revocation"), zone)
        if through_withdrawal and consent is not None:
            withdrawn = consent

            def withdraw() -> None:
                assert withdrawn.record is not None  # noqa: S101  recorded before the referral
                case_services.consent_withdraw(actor=opener, consent=withdrawn.record)

            script.at(ended, withdraw)
        else:
            reason = rng.choice(_texts("revoke_reasons"))
            script.at(ended, move("revoke", opener, reason))
    if not started:
        return
    note = _texts("provider_notes").get(option.category)
    if note and rng.random() < 0.5:
        # The provider writes while it works with the person, before the referral ends.
        at, before_the_end = pace.after(last, pace.wait("note"), zone), pace.within(last, ended or last)
        at = before_the_end if ended is not None and at >= ended else at
        script.at(at, lambda: case_services.note_add(actor=receiver, case=played.case, text=note))
    if status == ReferralStatus.IN_PROGRESS and rng.random() < 0.3:
        due = demo.today + DAY * rng.randint(3, 21)
        script.at(
            max(last, demo.now - pace.days(1, 10)),
            lambda: task_create(
                actor=receiver,
                case=played.case,
                title="Check attendance and progress with the returnee",
                due_on=due,
                assignee=receiver,
            ),
        )


def advance_sharing_consent(*, demo: Demo, script: Script, draft: "CaseDraft", played: "Played") -> None:
    """Some returnees agree in advance to share with a kind of agency, before any referral."""
    if draft.rolls[0] >= 0.1:
        return
    kind = "Microfinance" if draft.rolls[1] < 0.5 else "TrainingProvider"
    day = demo.day(draft.opened_on, int(draft.rolls[2] * 60))
    at = max(draft.opened_at + 15 * MINUTE, demo.pace.on(day, zone_of(draft.country)))
    shared = Shared(at=at, agency=None, agency_type=kind, categories=frozenset(shared_data("work")))
    _consent_plan(script=script, draft=draft, played=played, at=at, shared=shared)
