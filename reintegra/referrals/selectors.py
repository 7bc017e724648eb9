from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, QuerySet

from reintegra.access import AnyUser, referral_list_for_user, require_member
from reintegra.lib.remember import remembered

from .models import LISTED_UNREAD, Referral


def referral_inbox(*, user: AnyUser, direction: str = "incoming", status: str = "") -> QuerySet[Referral]:
    member = require_member(user)
    referrals = (
        referral_list_for_user(user).select_related("case", "from_agency", "to_agency", "service").defer(*LISTED_UNREAD)
    )
    if direction == "outgoing":
        referrals = referrals.filter(from_agency=member.agency)
    else:
        referrals = referrals.filter(to_agency=member.agency)
    if status:
        referrals = referrals.filter(status=status)
    return referrals.order_by("-sent_at")


def referral_counts(*, user: AnyUser, direction: str = "incoming") -> dict[str, int]:
    rows = referral_inbox(user=user, direction=direction).order_by().values("status").annotate(n=Count("*"))
    return {row["status"]: row["n"] for row in rows}


def referral_times(*, user: AnyUser, direction: str = "incoming") -> dict[str, float | None]:
    """Median hours from sending to an answer, and from sending to completion, over every referral of
    the inbox. Kept in the shared cache for INSIGHTS_CACHE_SECONDS, as the dashboards' figures are
    (decisions/0037), per agency, direction and role (all the access rule reads): a provider receiving
    380,000 referrals spent 0.2 s of the database on the two medians at every view of its inbox
    (decisions/0048), and medians over that many move by nothing in two minutes."""
    member = require_member(user)

    def work_out() -> dict[str, float | None]:
        referrals = referral_inbox(user=user, direction=direction).order_by()
        return {
            "response_hours": _median_hours(referrals, "responded_at"),
            "completion_hours": _median_hours(referrals, "completed_at"),
        }

    key = f"referral-times:{member.agency_id}:{direction}:{member.role}"
    return remembered(key, settings.INSIGHTS_CACHE_SECONDS, work_out, dict)


def _median_hours(referrals: QuerySet[Referral], until: str) -> float | None:
    """The median of the hours from sending to `until`, over the referrals that got there: counted,
    then the middle one or two durations in order, sorted by the database (an agency may receive
    hundreds of thousands of referrals; only those one or two are read)."""
    reached = referrals.filter(**{f"{until}__isnull": False})
    n = reached.count()
    if not n:
        return None
    took = ExpressionWrapper(F(until) - F("sent_at"), output_field=DurationField())
    middle = list(
        reached.annotate(took=took).order_by("took").values_list("took", flat=True)[(n - 1) // 2 : n // 2 + 1]
    )
    return sum(d.total_seconds() for d in middle) / len(middle) / 3600
