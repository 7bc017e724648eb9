from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .lockout import (
    login_attempt_failed_record,
    login_attempt_release,
    login_attempt_reserve,
    login_is_locked,
    login_refused_while_locked_record,
)
from .models import Calendar, Role


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
    username = forms.SlugField(
        label=_("Username"),
        max_length=150,
        error_messages={"invalid": _("A username has only letters, digits, hyphens and underscores (somchai_k).")},
    )
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


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the pages"))
    calendar = forms.ChoiceField(
        label=_("Years in"),
        choices=Calendar.choices,
        widget=forms.RadioSelect,
        help_text=_("Dates are kept the same; only how the year is shown changes (2026 in the Buddhist era is 2569)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class OwnPasswordForm(PasswordChangeForm):
    """A user's change of their own password. The rules are listed on the page (id
    "password-rules"), so the new password's field points to them instead of Django's HTML list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password1"].help_text = ""
        self.fields["new_password1"].widget.attrs["aria-describedby"] = "password-rules"
        # A new page: no browser should offer to fill the current password into the new ones.
        self.fields["new_password1"].widget.attrs["autocomplete"] = "new-password"
        self.fields["new_password2"].widget.attrs["autocomplete"] = "new-password"

    def clean_old_password(self) -> str:
        # The current password is a login secret: it is checked only within a reserved attempt of the
        # lock-out (never while locked), and a wrong one stays counted as a failed login.
        username = self.user.get_username()
        reservation = login_attempt_reserve(username)
        if reservation is None:
            raise forms.ValidationError(locked_message(), code="locked")
        try:
            old_password = str(super().clean_old_password())
        except forms.ValidationError:
            login_attempt_failed_record(username=username)
            raise
        login_attempt_release(reservation)
        return old_password


class TwoFactorCodeForm(forms.Form):
    """The second step of signing in: a code of the authenticator app, or one recovery code."""

    code = forms.CharField(
        label=_("Sign-in code"),
        max_length=32,
        help_text=_("The 6 digits your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class TwoFactorSetupForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your app"),
        max_length=8,
        help_text=_("After adding the account to your app, type the 6 digits it shows."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
