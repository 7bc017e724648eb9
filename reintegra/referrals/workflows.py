"""Where a referral may go, and who may move it: the receiving agency answers and does the work,
the sending agency may call it back. Withdrawn consent ends it at once."""

from django.utils.translation import gettext_lazy as _

from reintegra.accounts.models import User
from reintegra.lib.workflow import Move, Reason, Stamp, Workflow

from .choices import ReferralStatus as S
from .models import Referral

# The parties: the two agencies, and the withdrawal of consent and the closure of the case, which
# no user is.
SENDER, RECEIVER, CONSENT_WITHDRAWAL, CASE_CLOSURE = "sender", "receiver", "consent withdrawal", "case closure"
ENDED = {"ended_at": Stamp.NOW}

REFERRAL = Workflow(
    name="referral",
    states=tuple(S.values),
    initial=(S.PENDING,),
    state_labels=dict(S.choices),
    record_label=_("referral"),
    moves=(
        Move(
            "accept",
            (S.PENDING,),
            S.ACCEPTED,
            by=frozenset({RECEIVER}),
            stamps={"responded_at": Stamp.NOW},
            label=_("Accept"),
        ),
        Move(
            "decline",
            (S.PENDING,),
            S.DECLINED,
            by=frozenset({RECEIVER}),
            reason=Reason.REQUIRED,
            stamps={"responded_at": Stamp.NOW, "status_reason": Stamp.REASON, **ENDED},
            label=_("Decline"),
        ),
        Move("start", (S.ACCEPTED,), S.IN_PROGRESS, by=frozenset({RECEIVER}), label=_("Start work")),
        Move(
            "complete",
            (S.ACCEPTED, S.IN_PROGRESS),
            S.COMPLETED,
            by=frozenset({RECEIVER}),
            reason=Reason.OPTIONAL,
            stamps={"completed_at": Stamp.NOW, "status_reason": Stamp.REASON, **ENDED},
            then=(
                "confirmed first while work depends on it; the receiving agency's access to the case ends, "
                "and it keeps only the enrolments whose work remains, until that work is done",
            ),
            label=_("Mark completed"),
        ),
        Move(
            "cancel",
            (S.PENDING,),
            S.CANCELLED,
            by=frozenset({SENDER}),
            reason=Reason.REQUIRED,
            stamps={"status_reason": Stamp.REASON, **ENDED},
            label=_("Cancel the referral"),
        ),
        Move(
            "revoke",
            (S.ACCEPTED, S.IN_PROGRESS),
            S.REVOKED,
            by=frozenset({SENDER}),
            reason=Reason.REQUIRED,
            stamps={"status_reason": Stamp.REASON, **ENDED},
            then=(
                "confirmed first while work depends on it; the receiving agency's access ends, "
                "to the enrolments on its options too",
            ),
            label=_("Revoke access"),
        ),
        Move(
            "consent_withdrawn",
            (S.PENDING, S.ACCEPTED, S.IN_PROGRESS),
            S.REVOKED,
            by=frozenset({CONSENT_WITHDRAWAL}),
            stamps={"status_reason": Stamp.REASON, **ENDED},
            then=("the receiving agency's access ends",),
        ),
        Move(
            "case_closed",
            (S.PENDING, S.ACCEPTED, S.IN_PROGRESS),
            S.REVOKED,
            by=frozenset({CASE_CLOSURE}),
            stamps={"status_reason": Stamp.REASON, **ENDED},
            then=("the receiving agency's access ends, to the enrolments it kept after a completion too",),
        ),
    ),
)


def parties_of(user: User, referral: Referral) -> frozenset[str]:
    parties = set()
    if user.agency_id is not None and user.agency_id == referral.from_agency_id:
        parties.add(SENDER)
    if user.agency_id is not None and user.agency_id == referral.to_agency_id:
        parties.add(RECEIVER)
    return frozenset(parties)
