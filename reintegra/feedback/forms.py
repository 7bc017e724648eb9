"""The returnee's feedback form and the code to type, phone-first (issue 16)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .choices import Answer3, ServiceKind
from .models import COMMENT_MAX

USEFULNESS = [
    ("5", _("5 – very useful")),
    ("4", _("4 – useful")),
    ("3", _("3 – somewhat")),
    ("2", _("2 – a little")),
    ("1", _("1 – not useful")),
]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your feedback code"),
        max_length=20,
        help_text=_("The 8 letters and numbers your caseworker gave you."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Type the code you were given.")},
    )


class AnswerForm(forms.Form):
    lang = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    usefulness = forms.TypedChoiceField(
        label=_("How useful was it?"),
        choices=USEFULNESS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how useful it was.")},
    )
    respected = forms.ChoiceField(
        label=_("Were you treated with respect?"),
        choices=Answer3.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you were treated with respect.")},
    )
    choice_respected = forms.ChoiceField(
        label=_("Was your choice respected?"),
        choices=Answer3.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether your choice was respected.")},
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX}),
        help_text=_("Do not write your name or where you live."),
    )


class LinkForm(forms.Form):
    """The caseworker's button: which record the link is about."""

    kind = forms.ChoiceField(choices=ServiceKind.choices)
    record = forms.IntegerField(min_value=1, max_value=2**62)
