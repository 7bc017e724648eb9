from django.db.models import Count, QuerySet

from reintegra.access import AnyUser, referral_list_for_user, require_member

from .models import Referral


def referral_inbox(*, user: AnyUser, direction: str = "incoming", status: str = "") -> QuerySet[Referral]:
    member = require_member(user)
    referrals = referral_list_for_user(user).select_related("case", "from_agency", "to_agency", "service")
    if direction == "outgoing":
        referrals = referrals.filter(from_agency=member.agency)
    else:
        referrals = referrals.filter(to_agency=member.agency)
    if status:
        referrals = referrals.filter(status=status)
    return referrals.order_by("-sent_at")


def referral_counts(*, user: AnyUser, direction: str = "incoming") -> dict[str, int]:
    rows = referral_inbox(user=user, direction=direction).order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def referral_times(*, user: AnyUser, direction: str = "incoming") -> dict[str, float | None]:
    """Median hours from sending to an answer, and from sending to completion."""
    rows = referral_inbox(user=user, direction=direction).values_list("sent_at", "responded_at", "completed_at")
    answered = sorted((r - s).total_seconds() / 3600 for s, r, _c in rows if r)
    completed = sorted((c - s).total_seconds() / 3600 for s, _r, c in rows if c)

    def median(values: list[float]) -> float | None:
        if not values:
            return None
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    return {"response_hours": median(answered), "completion_hours": median(completed)}
