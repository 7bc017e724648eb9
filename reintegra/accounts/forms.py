from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .lockout import login_is_locked, login_refused_while_locked_record
from .models import Role


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


class StaffForm(forms.Form):
    username = forms.SlugField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"))
    password = forms.CharField(
        label=_("First password"),
        widget=forms.PasswordInput,
        strip=False,
        help_text=_("At least 10 characters. Give it to the person in private; they can change it after logging in."),
    )

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        field = self.fields["role"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [(r, labels[r]) for r in roles]
