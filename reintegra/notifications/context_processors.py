"""The unread count in the header of every page: one query, only for a signed-in person."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from reintegra.accounts.models import User


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    from .services import unread_count

    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
