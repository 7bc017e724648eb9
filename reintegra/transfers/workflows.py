"""Who may move a transfer: the receiving agency's supervisor answers (never the one who proposed),
the proposing agency's supervisor may withdraw it while it waits."""

from django.utils.translation import gettext_lazy as _

from reintegra.accounts.models import Role, User
from reintegra.lib.workflow import Move, Reason, Stamp, Workflow

from .models import Transfer
from .models import TransferStatus as S

SENDER, RECEIVER = "sender", "receiver"
DECIDED = {"decided_at": Stamp.NOW, "decided_by": Stamp.ACTOR}

TRANSFER = Workflow(
    name="transfer",
    states=tuple(S.values),
    initial=(S.PENDING,),
    state_labels=dict(S.choices),
    record_label=_("transfer"),
    moves=(
        Move(
            "accept",
            (S.PENDING,),
            S.ACCEPTED,
            by=frozenset({RECEIVER}),
            stamps=DECIDED,
            asked_by=("proposed_by",),
            then=("the case, its records and its open tasks move to the receiving agency and the chosen caseworker",),
            label=_("Accept the case"),
        ),
        Move(
            "decline",
            (S.PENDING,),
            S.DECLINED,
            by=frozenset({RECEIVER}),
            reason=Reason.REQUIRED,
            stamps={**DECIDED, "status_reason": Stamp.REASON},
            asked_by=("proposed_by",),
            label=_("Decline"),
            reason_prompt=_("Say why the case is declined."),
        ),
        Move(
            "withdraw",
            (S.PENDING,),
            S.WITHDRAWN,
            by=frozenset({SENDER}),
            reason=Reason.OPTIONAL,
            stamps={**DECIDED, "status_reason": Stamp.REASON},
            label=_("Withdraw the transfer"),
        ),
    ),
)


def parties_of(user: User, transfer: Transfer) -> frozenset[str]:
    """Only supervisors speak for an agency in a transfer."""
    parties = set()
    if getattr(user, "role", None) != Role.SUPERVISOR or user.agency_id is None:
        return frozenset()
    if user.agency_id == transfer.from_agency_id:
        parties.add(SENDER)
    if user.agency_id == transfer.to_agency_id:
        parties.add(RECEIVER)
    return frozenset(parties)
