from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmailFrequency


class EmailPreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Notifications by e-mail"),
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        help_text=_("E-mails give only the case code, the kind of event and a link; you sign in to see more."),
        error_messages={"required": _("Choose how you want your notifications by e-mail.")},
    )
