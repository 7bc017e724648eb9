from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .lockout import login_is_locked, login_refused_while_locked_record


def locked_message() -> str:
    return str(
        _(
            "Too many failed logins. This account is locked for %(minutes)s minutes; ask your supervisor if you "
            "need help sooner."
        )
        % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
    )


class LoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if username and login_is_locked(username):
            login_refused_while_locked_record(username=username)
            raise forms.ValidationError(locked_message(), code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            if username and login_is_locked(username):
                raise forms.ValidationError(locked_message(), code="locked") from None
            raise
