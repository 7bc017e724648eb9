"""A plan is written and submitted by the case's agency and approved by one of its supervisors who
neither wrote nor submitted it; such a supervisor may instead send it back, saying what it needs.
Changing a submitted or approved plan, or sending it back, starts its next revision."""

from django.utils.translation import gettext_lazy as _

from reintegra.accounts.models import CASE_OWNER_ROLES, Role, User
from reintegra.lib.workflow import Move, Reason, Stamp, Workflow

from .choices import PlanStatus as S
from .models import Plan

OWNER, SUPERVISOR, AUTHOR, SUBMITTER = "owner", "supervisor", "author", "submitter"
# What a move back to draft clears: the next revision is submitted and approved afresh.
CLEARED = {"submitted_by": Stamp.CLEAR, "approved_by": Stamp.CLEAR, "approved_at": Stamp.CLEAR}

PLAN = Workflow(
    name="plan",
    states=tuple(S.values),
    initial=(S.DRAFT,),
    state_labels=dict(S.choices),
    record_label=_("plan"),
    moves=(
        Move(
            "submit",
            (S.DRAFT,),
            S.SUBMITTED,
            by=frozenset({OWNER}),
            stamps={"submitted_by": Stamp.ACTOR},
            then=("keeps the submitted revision as it stands",),
            label=_("Submit for approval"),
        ),
        Move(
            "approve",
            (S.SUBMITTED,),
            S.APPROVED,
            by=frozenset({SUPERVISOR}),
            not_by=frozenset({AUTHOR, SUBMITTER}),
            asked_by=("author", "submitted_by"),
            stamps={"approved_by": Stamp.ACTOR, "approved_at": Stamp.NOW},
            then=("keeps the approved revision as it stands",),
            label=_("Approve the plan"),
            refusal=_("A plan is never approved by the person who wrote or submitted it."),
        ),
        Move(
            "send_back",
            (S.SUBMITTED,),
            S.DRAFT,
            by=frozenset({SUPERVISOR}),
            not_by=frozenset({AUTHOR, SUBMITTER}),
            asked_by=("author", "submitted_by"),
            reason=Reason.REQUIRED,
            stamps=dict(CLEARED),
            then=("keeps the revision as it was sent back; the next revision starts",),
            label=_("Send the plan back"),
            reason_prompt=_("Say what the plan needs before it can be approved."),
        ),
        Move(
            "revise",
            (S.SUBMITTED, S.APPROVED),
            S.DRAFT,
            by=frozenset({OWNER}),
            stamps=dict(CLEARED),
            then=("made by changing the plan: the next revision starts",),
            automatic=True,
            label=_("Start the next revision"),
        ),
    ),
)


def parties_of(user: User, plan: Plan) -> frozenset[str]:
    parties = set()
    if user.agency_id is not None and user.agency_id == plan.case.agency_id:
        if user.role in CASE_OWNER_ROLES:
            parties.add(OWNER)
        if user.role == Role.SUPERVISOR:
            parties.add(SUPERVISOR)
    if user.pk == plan.author_id:
        parties.add(AUTHOR)
    if plan.submitted_by_id is not None and user.pk == plan.submitted_by_id:
        parties.add(SUBMITTER)
    return frozenset(parties)
