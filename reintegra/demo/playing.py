"""Plays a drawn case through the real services, so that every record, timeline line and audit
event is one a user could have produced. Each step is put on the case's script with the moment it
happened and played at that moment (timing.py): the services stamp what they write with it. The
closure comes last, after the plans and livelihoods of the case (closures.py)."""

import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

from reintegra.accounts.models import User
from reintegra.cases import services as case_services
from reintegra.cases.choices import ConsentPurpose, Stage
from reintegra.cases.models import Case, Consent, Task
from reintegra.cases.tasks import task_create, task_done
from reintegra.demo.drafts import CaseDraft, PlannedTask, Played
from reintegra.demo.drawing import Demo
from reintegra.demo.referrals import advance_sharing_consent, referral_plan
from reintegra.demo.timing import DAY, HOUR, MINUTE, Script, zone_of
from reintegra.referrals.choices import ReferralStatus

# What a stage waits for: a while after the stage before it, or a time after the return.
AFTER_PREVIOUS = {Stage.RETURN: "to_return_stage", Stage.SHELTER_ASSISTANCE: "to_shelter"}
AFTER_RETURN = {Stage.REINTEGRATION: "to_reintegration_after_return", Stage.FOLLOW_UP: "to_follow_up_after_return"}


def stage_entries(*, demo: Demo, draft: CaseDraft) -> list[tuple[Stage, datetime.datetime]]:
    """When the case reached each stage of its path: the first one when it was opened."""
    pace, zone = demo.pace, zone_of(draft.country)
    returned = draft.opened_at
    if draft.returned_on is not None:
        returned = datetime.datetime.combine(draft.returned_on, datetime.time(12), tzinfo=zone)
    entries = [(draft.path[0], draft.opened_at)]
    for stage in draft.path[1:]:
        previous = entries[-1][1]
        if stage in AFTER_RETURN:
            wait = returned + pace.wait(AFTER_RETURN[stage]) - previous
        else:
            wait = pace.wait(AFTER_PREVIOUS[stage])
        entries.append((stage, pace.after(previous, max(wait, 45 * MINUTE), zone)))
    return entries


def case_play(*, demo: Demo, draft: CaseDraft) -> Case:
    script = Script(latest=demo.now)
    played = Played()
    opener, opened, opened_on = draft.opener, draft.opened_at, draft.opened_on

    def open_case() -> None:
        played.case = case_services.case_open(
            actor=opener, opened_at=opened, stage=draft.path[0], notes=draft.summary, **draft.returnee
        )

    def on_case(service: Callable[..., object], **kwargs: Any) -> Callable[[], object]:
        """A step that calls the service on the case (open by then) with `kwargs`."""
        return lambda: service(case=played.case, **kwargs)

    script.at(opened, open_case)
    script.at(
        opened + 2 * MINUTE,
        lambda: case_services.consent_record(
            actor=opener,
            case=played.case,
            purpose=ConsentPurpose.ASSISTANCE,
            given_on=opened_on,
            language=draft.consent_language,
        ),
    )
    statistics: list[Consent] = []
    if draft.statistics:
        script.at(
            opened + 3 * MINUTE,
            lambda: statistics.append(
                case_services.consent_record(
                    actor=opener,
                    case=played.case,
                    purpose=ConsentPurpose.STATISTICS,
                    given_on=opened_on,
                    language=draft.consent_language,
                )
            ),
        )
    for i, event in enumerate(draft.history):
        script.at(opened + (5 + 3 * i) * MINUTE, on_case(case_services.history_add, actor=opener, **event))
    journey = draft.journey
    if journey is not None:  # told at the intake: the return came first
        script.at(
            opened + 20 * MINUTE,
            lambda: case_services.return_record(
                actor=opener,
                case=played.case,
                assisting_agencies=[demo.agencies[s] for s in draft.assisting if s in demo.agencies],
                **journey,
            ),
        )
    entries = stage_entries(demo=demo, draft=draft)
    for stage, at in entries[1:]:
        script.at(at, partial(_set_stage, played, opener, stage))
    advance_sharing_consent(demo=demo, script=script, draft=draft, played=played)
    if draft.override:
        referral_plan(
            demo=demo,
            script=script,
            draft=draft,
            played=played,
            option=draft.override,
            status=ReferralStatus.IN_PROGRESS,
            window=(opened + 25 * MINUTE, demo.now),
            override=True,
        )
    for index, (stage, entered) in enumerate(entries):
        left = entries[index + 1][1] if index + 1 < len(entries) else demo.now
        for planned in draft.referrals:
            if planned.send_at == stage:
                referral_plan(
                    demo=demo,
                    script=script,
                    draft=draft,
                    played=played,
                    option=planned.option,
                    status=planned.status,
                    window=(entered, left),
                )
    for task in draft.tasks:
        _task_plan(demo=demo, script=script, draft=draft, played=played, task=task)
    zone = zone_of(draft.country)
    for text in draft.notes:
        script.at(
            demo.pace.after(opened + HOUR, demo.pace.wait("note"), zone),
            on_case(case_services.note_add, actor=opener, text=text),
        )
    if draft.statistics and draft.withdraw_statistics:
        script.at(
            demo.pace.after(opened + DAY, demo.pace.wait("statistics_withdrawal"), zone),
            lambda: case_services.consent_withdraw(actor=opener, consent=statistics[0]),
        )
    script.play()
    return played.case


def _set_stage(played: Played, opener: User, stage: Stage) -> None:
    case = Case.objects.get(pk=played.case.pk)  # the version as the case's other steps left it
    played.case = case_services.case_set_stage(actor=opener, case=case, stage=stage, version=case.version)


def _task_plan(*, demo: Demo, script: Script, draft: CaseDraft, played: Played, task: PlannedTask) -> None:
    """A task is written down some days before it falls due, and most are done about then. Of
    those that fell due lately some are still open (overdue); hardly any older one is."""
    rng, pace, zone = demo.rng, demo.pace, zone_of(draft.country)
    written_on = task.due - DAY * rng.randint(3, 30)
    created = draft.opened_at + 40 * MINUTE
    if written_on > draft.opened_on:
        created = max(created, pace.on(min(written_on, demo.today), zone))
    holder: list[Task] = []
    script.at(
        created,
        lambda: holder.append(
            task_create(
                actor=draft.opener,
                case=played.case,
                title=task.title,
                due_on=task.due,
                assignee=draft.opener,
                is_follow_up=task.follow_up,
            )
        ),
    )
    overdue_days = (demo.today - task.due).days
    if draft.stage == Stage.CLOSED:
        done = True
    elif overdue_days > 30:
        done = task.roll < 0.98
    elif overdue_days > 0:
        done = task.roll < 0.5
    else:
        done = task.roll < 0.05  # done before it fell due
    if done:
        done_on = min(demo.today, task.due + DAY * rng.randint(-3, 4))
        at = max(created + HOUR, pace.on(done_on, zone))
        script.at(at, lambda: task_done(actor=draft.opener, task=holder[0]))
