"""From recommendation to placement: where an enrolment may go, and who may move it. The case's own
agency makes every move; the option's provider records enrolment, drop-out, completion and
placement for the people referred to it. Each move is named after the status it leads to."""

from django.utils.translation import gettext_lazy as _

from reintegra.lib.workflow import Move, Reason, Stamp, Workflow

from .choices import EnrolmentStatus as S
from .scope import EnrolmentAccess

OWNER, PROVIDER = "owner", "provider"
BOTH = frozenset({OWNER, PROVIDER})

ENROLMENT = Workflow(
    name="enrolment",
    states=tuple(S.values),
    initial=(S.RECOMMENDED,),
    state_labels=dict(S.choices),
    record_label=_("enrolment"),
    moves=(
        Move(S.OFFERED, (S.RECOMMENDED,), S.OFFERED, by=frozenset({OWNER}), label=_("Offered")),
        Move(
            S.ACCEPTED,
            (S.OFFERED,),
            S.ACCEPTED,
            by=frozenset({OWNER}),
            stamps={"decided_on": Stamp.DAY},
            then=("takes a seat",),
            label=_("Accepted"),
        ),
        Move(
            S.DECLINED,
            (S.RECOMMENDED, S.OFFERED, S.ACCEPTED),
            S.DECLINED,
            by=frozenset({OWNER}),
            reason=Reason.REQUIRED,
            stamps={"decided_on": Stamp.DAY, "decline_reason": Stamp.REASON},
            then=("the option is not recommended again unless the returnee asks",),
            label=_("Declined"),
            reason_prompt=_("Record the returnee's reason, in their words."),
        ),
        Move(
            S.ENROLLED,
            (S.ACCEPTED,),
            S.ENROLLED,
            by=BOTH,
            stamps={"enrolled_on": Stamp.DAY},
            then=("links the referral to the provider",),
            label=_("Enrolled"),
        ),
        Move(
            S.DROPPED_OUT,
            (S.ENROLLED,),
            S.DROPPED_OUT,
            by=BOTH,
            reason=Reason.REQUIRED,
            stamps={"ended_on": Stamp.DAY, "dropout_reason": Stamp.REASON},
            label=_("Dropped out"),
            reason_prompt=_("Record why the person left."),
        ),
        Move(
            S.COMPLETED,
            (S.ENROLLED,),
            S.COMPLETED,
            by=BOTH,
            stamps={"ended_on": Stamp.DAY},
            then=("schedules income follow-ups at 1, 3, 6 and 12 months, each with a task",),
            label=_("Completed"),
        ),
        # Placement may follow enrolment directly for jobs and paid apprenticeships, where starting
        # is starting work. It is made by recording the placement (placement_record).
        Move(
            S.PLACED,
            (S.ENROLLED, S.COMPLETED),
            S.PLACED,
            by=BOTH,
            then=("schedules income follow-ups from the start of work, unless completion did",),
            label=_("Placed"),
        ),
    ),
)


def parties_of(access: EnrolmentAccess) -> frozenset[str]:
    return frozenset({OWNER} if access.own else set()) | frozenset({PROVIDER} if access.provider else set())
