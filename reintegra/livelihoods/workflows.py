"""From recommendation to placement: where an enrolment may go, and who may move it. The case's own
agency makes every move; the option's provider makes them too for the people referred to it
(decisions/0018), except recording the returnee's acceptance of an option it put forward itself
under a referral that did not ask for livelihood work: whoever proposes does not record the yes. A
supervisor of the case's agency may withdraw an offer the person has not answered yet (a cohort
allocation's offers, or one made by mistake). Each move is named after the status it leads to."""

from django.utils.translation import gettext_lazy as _

from reintegra.lib.workflow import Move, Reason, Stamp, Workflow

from .choices import EnrolmentStatus as S
from .scope import EnrolmentAccess

OWNER, PROVIDER, SUPERVISOR = "owner", "provider", "supervisor"
# The provider that put its own option forward under a referral that asked for something else.
PROPOSER = "proposer"
BOTH = frozenset({OWNER, PROVIDER})

ENROLMENT = Workflow(
    name="enrolment",
    states=tuple(S.values),
    initial=(S.RECOMMENDED,),
    state_labels=dict(S.choices),
    record_label=_("enrolment"),
    moves=(
        Move(S.OFFERED, (S.RECOMMENDED,), S.OFFERED, by=BOTH, label=_("Offered")),
        Move(
            S.ACCEPTED,
            (S.OFFERED,),
            S.ACCEPTED,
            by=BOTH,
            not_by=frozenset({PROPOSER}),
            stamps={"decided_on": Stamp.DAY},
            then=("takes a seat",),
            label=_("Accepted"),
            refusal=_(
                "Your agency put this option forward itself: the returnee's acceptance is recorded by their "
                "caseworker at the case's agency."
            ),
        ),
        Move(
            S.DECLINED,
            (S.RECOMMENDED, S.OFFERED, S.ACCEPTED),
            S.DECLINED,
            by=BOTH,
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
        Move(
            S.WITHDRAWN,
            (S.OFFERED,),
            S.WITHDRAWN,
            by=frozenset({SUPERVISOR}),
            reason=Reason.REQUIRED,
            stamps={"withdrawn_by": Stamp.ACTOR, "withdrawal_reason": Stamp.REASON},
            then=("frees the person for another offer, and the seat the offer held in cohort allocations",),
            label=_("Withdraw the offer"),
            reason_prompt=_("Say why the offer is withdrawn; the caseworker tells the person."),
        ),
        # A menu's other offers, when the person accepts one of them (decisions/0034): not a decline of
        # the option, which may be offered again and counts in no decline rate.
        Move(
            S.RELEASED,
            (S.OFFERED,),
            S.RELEASED,
            by=BOTH,
            reason=Reason.OPTIONAL,
            stamps={"decided_on": Stamp.DAY},
            then=("made by accepting another option of the same menu: frees the seat",),
            automatic=True,
            label=_("Another option of the menu chosen"),
        ),
    ),
)


def parties_of(access: EnrolmentAccess) -> frozenset[str]:
    proposer = access.provider and not access.own and access.enrolment.proposed_by_provider
    held = (
        (OWNER, access.own),
        (PROVIDER, access.provider),
        (SUPERVISOR, access.own and access.supervisor),
        (PROPOSER, proposer),
    )
    return frozenset(party for party, holds in held if holds)
