"""Where a case may go, and who may move it.

The stages run identification → return → shelter and assistance → reintegration → follow-up. The
case's own caseworkers and supervisors move it forward, to any later stage (a person identified at
home has no return to organise); they may move it back, to any earlier stage, saying why (a crisis
brings a reintegrating person back to shelter). Closing is its own workflow: the case's agency asks,
a supervisor who did not ask decides; a closed case is reopened, with a reason, at the stage it had.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reintegra.accounts.models import CASE_OWNER_ROLES, Role, User
from reintegra.lib.workflow import Move, Reason, Stamp, Workflow

from .choices import Stage
from .models import Case

OWNER, SUPERVISOR, REQUESTER = "owner", "supervisor", "requester"
OPEN_STAGES = tuple(s for s in Stage.values if s != Stage.CLOSED)


def _stage_moves() -> tuple[Move, ...]:
    moves = []
    for i, target in enumerate(OPEN_STAGES):
        earlier, later = OPEN_STAGES[:i], OPEN_STAGES[i + 1 :]
        if earlier:
            moves.append(Move(f"to_{target}", earlier, target, by=frozenset({OWNER}), label=Stage(target).label))
        if later:
            moves.append(
                Move(
                    f"back_to_{target}",
                    later,
                    target,
                    by=frozenset({OWNER}),
                    reason=Reason.REQUIRED,
                    label=Stage(target).label,
                    reason_prompt=_("Say why the case goes back to an earlier stage."),
                )
            )
    return tuple(moves)


CASE_STAGE = Workflow(
    name="case stage",
    states=OPEN_STAGES,
    initial=OPEN_STAGES,  # a case is opened at the stage the person is at
    state_labels=dict(Stage.choices),
    record_label=_("case"),
    moves=_stage_moves(),
)


def stage_move_name(current: str, target: str) -> str:
    """The move that takes a case from `current` to `target` (forward or back)."""
    if target in OPEN_STAGES and current in OPEN_STAGES:
        forward = OPEN_STAGES.index(target) > OPEN_STAGES.index(current)
        return f"to_{target}" if forward else f"back_to_{target}"
    return f"to_{target}"


# The closure's state is read from the case (closure_state): open, closure requested, or closed.
OPEN, REQUESTED, CLOSED = "open", "requested", "closed"
REQUEST_CLEARED = {"closure_requested_at": Stamp.CLEAR, "closure_requested_by": Stamp.CLEAR}

CLOSURE = Workflow(
    name="case closure",
    states=(OPEN, REQUESTED, CLOSED),
    initial=(OPEN,),
    state_labels={OPEN: _("Open"), REQUESTED: _("Closure requested"), CLOSED: pgettext_lazy("case stage", "Closed")},
    record_label=_("case"),
    moves=(
        Move(
            "request",
            (OPEN,),
            REQUESTED,
            by=frozenset({OWNER}),
            reason=Reason.REQUIRED,
            stamps={
                "closure_requested_at": Stamp.NOW,
                "closure_requested_by": Stamp.ACTOR,
                "closure_reason": Stamp.REASON,
            },
            label=_("Request closure"),
            reason_prompt=_("Give the reason for closing the case."),
        ),
        Move(
            "approve",
            (REQUESTED,),
            CLOSED,
            by=frozenset({SUPERVISOR}),
            not_by=frozenset({REQUESTER}),
            asked_by=("closure_requested_by",),
            stamps={"closed_at": Stamp.NOW, **REQUEST_CLEARED},
            then=("the stage becomes Closed; the stage it had is kept for a reopening",),
            label=_("Approve closure"),
            refusal=_("The person who asked for the closure does not decide it."),
        ),
        Move(
            "decline",
            (REQUESTED,),
            OPEN,
            by=frozenset({SUPERVISOR}),
            not_by=frozenset({REQUESTER}),
            asked_by=("closure_requested_by",),
            reason=Reason.OPTIONAL,
            stamps=REQUEST_CLEARED,
            label=_("Do not close"),
            refusal=_("The person who asked for the closure does not decide it."),
        ),
        Move(
            "reopen",
            (CLOSED,),
            OPEN,
            by=frozenset({OWNER}),
            reason=Reason.REQUIRED,
            stamps={"closed_at": Stamp.CLEAR},
            then=("the case returns to the stage it had when it was closed",),
            label=_("Reopen the case"),
            reason_prompt=_("Give the reason for reopening the case."),
        ),
    ),
)


def closure_state(case: Case) -> str:
    if case.stage == Stage.CLOSED:
        return CLOSED
    return REQUESTED if case.closure_requested_at is not None else OPEN


def parties_of(user: User, case: Case) -> frozenset[str]:
    parties = set()
    if user.agency_id is not None and user.agency_id == case.agency_id:
        if user.role in CASE_OWNER_ROLES:
            parties.add(OWNER)
        if user.role == Role.SUPERVISOR:
            parties.add(SUPERVISOR)
    if case.closure_requested_by_id is not None and user.pk == case.closure_requested_by_id:
        parties.add(REQUESTER)
    return frozenset(parties)


# The erasure of the returnee's identifying data (cases/erasure.py): a caseworker asks on the
# returnee's behalf, a supervisor who did not ask confirms. Its state is read from the case.
ERASURE_KEPT, ERASURE_REQUESTED, ERASED = "kept", "requested", "erased"
ERASURE_REQUEST_CLEARED = {"erasure_requested_at": Stamp.CLEAR, "erasure_requested_by": Stamp.CLEAR}
ERASURE_REFUSAL = _("The person who asked for the erasure does not confirm it.")

ERASURE = Workflow(
    name="erasure",
    states=(ERASURE_KEPT, ERASURE_REQUESTED, ERASED),
    initial=(ERASURE_KEPT,),
    state_labels={
        ERASURE_KEPT: _("Identifying data kept"),
        ERASURE_REQUESTED: _("Erasure requested"),
        ERASED: _("Erased"),
    },
    record_label=_("case"),
    moves=(
        Move(
            "request",
            (ERASURE_KEPT,),
            ERASURE_REQUESTED,
            by=frozenset({OWNER}),
            reason=Reason.REQUIRED,
            stamps={
                "erasure_requested_at": Stamp.NOW,
                "erasure_requested_by": Stamp.ACTOR,
                "erasure_reason": Stamp.REASON,
            },
            label=_("Request erasure"),
            reason_prompt=_("Say how the returnee asked for the erasure."),
        ),
        Move(
            "confirm",
            (ERASURE_REQUESTED,),
            ERASED,
            by=frozenset({SUPERVISOR}),
            not_by=frozenset({REQUESTER}),
            asked_by=("erasure_requested_by",),
            stamps={"erased_at": Stamp.NOW, **ERASURE_REQUEST_CLEARED},
            then=("the returnee's identifying data is destroyed; the case stays as de-identified statistics",),
            label=_("Confirm erasure"),
            refusal=ERASURE_REFUSAL,
        ),
        Move(
            "decline",
            (ERASURE_REQUESTED,),
            ERASURE_KEPT,
            by=frozenset({SUPERVISOR}),
            not_by=frozenset({REQUESTER}),
            asked_by=("erasure_requested_by",),
            reason=Reason.OPTIONAL,
            stamps={**ERASURE_REQUEST_CLEARED, "erasure_reason": Stamp.CLEAR},
            label=_("Do not erase"),
            refusal=ERASURE_REFUSAL,
        ),
    ),
)


def erasure_state(case: Case) -> str:
    if case.erased_at is not None:
        return ERASED
    return ERASURE_REQUESTED if case.erasure_requested_at is not None else ERASURE_KEPT


def erasure_parties(user: User, case: Case) -> frozenset[str]:
    parties = set()
    if user.agency_id is not None and user.agency_id == case.agency_id:
        if user.role in CASE_OWNER_ROLES:
            parties.add(OWNER)
        if user.role == Role.SUPERVISOR:
            parties.add(SUPERVISOR)
    if case.erasure_requested_by_id is not None and user.pk == case.erasure_requested_by_id:
        parties.add(REQUESTER)
    return frozenset(parties)
