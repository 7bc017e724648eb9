"""What the exchange commands share: the agency they act for, and who acts."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from reintegra.access import require_supervisor_of
from reintegra.accounts.models import User
from reintegra.network.models import Agency


def agency_and_actor(slug: str, username: str | None) -> tuple[Agency, User | None]:
    """The agency named by --agency, and the user named by --as: a supervisor of that agency."""
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise CommandError(f"--agency: no agency has the short name {slug!r}.")
    if username is None:
        return agency, None
    user = User.objects.filter(username=username).first()
    try:
        if user is None:
            raise PermissionDenied
        return agency, require_supervisor_of(user, agency.pk)
    except PermissionDenied:
        raise CommandError(f"--as: {username!r} is not a supervisor of {slug}.") from None
