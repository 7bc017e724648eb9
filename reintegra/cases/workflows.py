"""Where a case may go, and who may move it.

The stages run identification → return → shelter and assistance → reintegration → follow-up. The
case's own caseworkers and supervisors move it forward, to any later stage (a person identified at
home has no return to organise); they may move it back, to any earlier stage, saying why (a crisis
brings a reintegrating person back to shelter). Closing is its own workflow: the case's agency asks,
a supervisor who did not ask decides; a closed case is reopened, with a reason, at the stage it had,
unless its returnee's identifying data was erased. The erasure of that data is asked for and decided
the same way.
"""

from typing import Any

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


def _request_and_decision(
    subject: str,
    states: tuple[str, str, str],
    *,
    granted: str,
    granted_at: str,
    then: str,
    labels: tuple[Any, Any, Any],
    reason_prompt: Any,
    refusal: Any,
    decline_clears_reason: bool,
) -> tuple[Move, Move, Move]:
    """The three moves of a thing the case's agency asks for and a supervisor who did not ask decides:
    `request` (by an owner, with a reason, stamped in `<subject>_requested_at`, `_requested_by` and
    `_reason`), then `granted` (stamping `granted_at`) or `decline`, both clearing the request.
    `states` are before the request, requested, granted; `labels` those of the three buttons. A
    decline forgets the request's reason too when `decline_clears_reason` (an erasure's words may
    name the person; a closure's stay on the case)."""
    before, requested, done = states
    asked_by = (f"{subject}_requested_by",)
    cleared = {f"{subject}_requested_at": Stamp.CLEAR, f"{subject}_requested_by": Stamp.CLEAR}
    request_label, grant_label, decline_label = labels
    return (
        Move(
            "request",
            (before,),
            requested,
            by=frozenset({OWNER}),
            reason=Reason.REQUIRED,
            stamps={
                f"{subject}_requested_at": Stamp.NOW,
                f"{subject}_requested_by": Stamp.ACTOR,
                f"{subject}_reason": Stamp.REASON,
            },
            label=request_label,
            reason_prompt=reason_prompt,
        ),
        Move(
            granted,
            (requested,),
            done,
            by=frozenset({SUPERVISOR}),
            not_by=frozenset({REQUESTER}),
            asked_by=asked_by,
            stamps={granted_at: Stamp.NOW, **cleared},
            then=(then,),
            label=grant_label,
            refusal=refusal,
        ),
        Move(
            "decline",
            (requested,),
            before,
            by=frozenset({SUPERVISOR}),
            not_by=frozenset({REQUESTER}),
            asked_by=asked_by,
            reason=Reason.OPTIONAL,
            stamps=cleared | ({f"{subject}_reason": Stamp.CLEAR} if decline_clears_reason else {}),
            label=decline_label,
            refusal=refusal,
        ),
    )


def _parties(user: User, case: Case, requested_by_id: int | None) -> frozenset[str]:
    """Owner and supervisor come from the user's agency and role; requester from who asked."""
    parties = set()
    if user.agency_id is not None and user.agency_id == case.agency_id:
        if user.role in CASE_OWNER_ROLES:
            parties.add(OWNER)
        if user.role == Role.SUPERVISOR:
            parties.add(SUPERVISOR)
    if requested_by_id is not None and user.pk == requested_by_id:
        parties.add(REQUESTER)
    return frozenset(parties)


# The closure's state is read from the case (closure_state): open, closure requested, or closed.
OPEN, REQUESTED, CLOSED = "open", "requested", "closed"

CLOSURE = Workflow(
    name="case closure",
    states=(OPEN, REQUESTED, CLOSED),
    initial=(OPEN,),
    state_labels={OPEN: _("Open"), REQUESTED: _("Closure requested"), CLOSED: pgettext_lazy("case stage", "Closed")},
    record_label=_("case"),
    moves=(
        *_request_and_decision(
            "closure",
            (OPEN, REQUESTED, CLOSED),
            granted="approve",
            granted_at="closed_at",
            then="the stage becomes Closed; the stage it had is kept for a reopening",
            labels=(_("Request closure"), _("Approve closure"), _("Do not close")),
            reason_prompt=_("Give the reason for closing the case."),
            refusal=_("The person who asked for the closure does not decide it."),
            decline_clears_reason=False,
        ),
        Move(
            "close_lost_contact",
            (OPEN, REQUESTED),
            CLOSED,
            by=frozenset({SUPERVISOR}),
            stamps={"closed_at": Stamp.NOW, "closure_requested_at": Stamp.CLEAR, "closure_requested_by": Stamp.CLEAR},
            then=("the case is closed as lost contact, from the supervisor's queue of missed follow-ups",),
            label=_("Close: lost contact"),
            # Made from the supervisor's queue by plans.lost_contact.lost_contact_close, which counts
            # the missed follow-ups first: never offered as a button of the case's closure.
            automatic=True,
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
            # Nobody can work with a person nobody can identify.
            ruled_out=lambda case: case.erased_at is not None,
            ruled_out_refusal=_("The returnee's identifying data was erased: the case cannot be reopened."),
        ),
    ),
)


def closure_state(case: Case) -> str:
    if case.stage == Stage.CLOSED:
        return CLOSED
    return REQUESTED if case.closure_requested_at is not None else OPEN


def parties_of(user: User, case: Case) -> frozenset[str]:
    """Who `user` is to the case's stage and closure."""
    return _parties(user, case, case.closure_requested_by_id)


# The erasure of the returnee's identifying data (cases/erasure.py): a caseworker asks on the
# returnee's behalf, a supervisor who did not ask confirms. Its state is read from the case.
ERASURE_KEPT, ERASURE_REQUESTED, ERASED = "kept", "requested", "erased"

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
    moves=_request_and_decision(
        "erasure",
        (ERASURE_KEPT, ERASURE_REQUESTED, ERASED),
        granted="confirm",
        granted_at="erased_at",
        then="the returnee's identifying data is destroyed; the case stays as de-identified statistics",
        labels=(_("Request erasure"), _("Confirm erasure"), _("Do not erase")),
        reason_prompt=_("Say how the returnee asked for the erasure."),
        refusal=_("The person who asked for the erasure does not confirm it."),
        decline_clears_reason=True,
    ),
)


def erasure_state(case: Case) -> str:
    if case.erased_at is not None:
        return ERASED
    return ERASURE_REQUESTED if case.erasure_requested_at is not None else ERASURE_KEPT


def erasure_parties(user: User, case: Case) -> frozenset[str]:
    """Who `user` is to the erasure of the case's returnee's data."""
    return _parties(user, case, case.erasure_requested_by_id)
