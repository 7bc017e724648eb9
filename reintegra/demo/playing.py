"""Plays a drawn case through the real services, so that every record, timeline line and audit
event is one a user could have produced. The services stamp their timeline lines with the time
they run."""

from reintegra.cases import services as case_services
from reintegra.cases.choices import ConsentPurpose, Stage
from reintegra.cases.models import Case
from reintegra.cases.tasks import task_create, task_done
from reintegra.demo.drafts import CaseDraft
from reintegra.demo.drawing import Demo
from reintegra.demo.referrals import advance_sharing_consent, referral_play
from reintegra.referrals.choices import ReferralStatus


def case_play(*, demo: Demo, draft: CaseDraft) -> Case:
    opener = draft.opener
    opened_on = draft.opened_on
    case = case_services.case_open(
        actor=opener,
        opened_at=draft.opened_at,
        stage=draft.path[0],
        notes=draft.summary,
        **draft.returnee,
    )
    case_services.consent_record(
        actor=opener,
        case=case,
        purpose=ConsentPurpose.ASSISTANCE,
        given_on=opened_on,
        language=draft.consent_language,
    )
    statistics = None
    if draft.statistics:
        statistics = case_services.consent_record(
            actor=opener,
            case=case,
            purpose=ConsentPurpose.STATISTICS,
            given_on=opened_on,
            language=draft.consent_language,
        )
    for event in draft.history:
        case_services.history_add(actor=opener, case=case, **event)
    if draft.journey:
        case_services.return_record(
            actor=opener,
            case=case,
            assisting_agencies=[demo.agencies[s] for s in draft.assisting if s in demo.agencies],
            **draft.journey,
        )
    if draft.override:
        referral_play(
            demo=demo,
            case=case,
            draft=draft,
            option=draft.override,
            status=ReferralStatus.IN_PROGRESS,
            opened_on=opened_on,
            override=True,
        )
    for stage in draft.path:
        if stage != case.stage:
            case = case_services.case_set_stage(actor=opener, case=case, stage=stage, version=case.version)
        for planned in draft.referrals:
            if planned.send_at == stage:
                referral_play(
                    demo=demo, case=case, draft=draft, option=planned.option, status=planned.status, opened_on=opened_on
                )
    advance_sharing_consent(demo=demo, case=case, draft=draft, opened_on=opened_on)
    for task in draft.tasks:
        created = task_create(
            actor=opener, case=case, title=task.title, due_on=task.due, assignee=opener, is_follow_up=task.follow_up
        )
        if draft.stage == Stage.CLOSED or (task.due < demo.today and task.roll < 0.8) or task.roll < 0.05:
            task_done(actor=opener, task=created)
    for text in draft.notes:
        case_services.note_add(actor=opener, case=case, text=text)
    if statistics is not None and draft.withdraw_statistics:
        case_services.consent_withdraw(actor=opener, consent=statistics)
    if draft.closure:
        case = case_services.closure_move(actor=opener, case=case, move="request", reason=draft.closure_reason)
        supervisor = demo.supervisors.get(case.agency.slug)
        if supervisor is not None and draft.closure in ("approved", "refused"):
            decision = "approve" if draft.closure == "approved" else "decline"
            case = case_services.closure_move(actor=supervisor, case=case, move=decision)
    return case
