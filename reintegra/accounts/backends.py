from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .lockout import (
    login_attempt_failed_record,
    login_attempt_release,
    login_attempt_reserve,
    login_refused_while_locked_record,
    login_success_record,
)
from .models import User


class LockoutModelBackend(ModelBackend):
    """Django's username/password check, refused while the username is locked out.

    Usernames are matched without regard to case, so `Malee` and `malee` share one lock.
    """

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None or password is None:
            return None
        # The attempt is counted before the password is checked, atomically, so parallel guesses
        # cannot all pass a check of the count made before any of them failed.
        reservation = login_attempt_reserve(username)
        if reservation is None:
            # PermissionDenied stops Django trying any other backend.
            login_refused_while_locked_record(username=username)
            raise PermissionDenied
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            User().set_password(password)  # same work as a real check, so timing does not reveal usernames
        elif user.check_password(password) and self.user_can_authenticate(user):
            login_attempt_release(reservation)
            login_success_record(user=user)
            return user
        login_attempt_failed_record(username=username)
        return None
