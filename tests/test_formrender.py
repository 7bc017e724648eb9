"""The widgets built in Python (lib/formrender.py) are Django's template output, byte for byte."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import django
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.utils.translation import gettext_lazy

from reintegra.cases import services as case_services
from reintegra.lib.formrender import INPUTS, OPTIONS, FastRenderer

from .cases.conftest import IDENTITY, share_with
from .conftest import client_for

CHOICES = [
    ("", "---------"),
    ("a&b", 'Tom & "Jerry" <b>'),
    (3, 3),
    ("lazy", gettext_lazy("Returned")),
    ("Asia", [("TH", "Thailand"), ("PH", "Philippines <PH>")]),
    (None, "none"),
]


class Everything(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    flag = forms.NullBooleanField(required=False)
    chosen = forms.ChoiceField(choices=CHOICES, widget=forms.Select(attrs={"data-x": '"q"', "disabled": True}))
    boxes = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple, required=False)
    boxes_classed = forms.MultipleChoiceField(
        choices=CHOICES[:3], widget=forms.CheckboxSelectMultiple(attrs={"class": "a<b"}), required=False
    )
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, required=False)
    text = forms.CharField(max_length=20, required=False, help_text="x")
    note = forms.CharField(widget=forms.Textarea, required=False)
    note_empty = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, initial="")
    number = forms.DecimalField(required=False)
    whole = forms.IntegerField(required=False, min_value=0)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False, initial="<&>")
    agree = forms.BooleanField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    upload = forms.FileField(widget=forms.FileInput, required=False)


FILLED = {
    "one": "a&b",
    "many": ["TH", "3"],
    "flag": "true",
    "chosen": "PH",
    "boxes": ["a&b", "PH"],
    "radio": "3",
    "text": '"quoted" <tag> & more',
    "note": "line one\n<script>alert(1)</script> & 'two'",
    "number": "1234.5",
    "whole": "-3",
    "day": "2026-11-30",
    "email": "not an email",
    "agree": "on",
    "secret": "pa<ss",
}


@pytest.mark.parametrize("data", [None, {}, FILLED], ids=["unbound", "empty", "filled"])
def test_every_widget_is_the_templates_own_markup(data):
    initial = {"number": Decimal("1234.50"), "day": datetime.date(2026, 1, 2), "note": "a & b"}
    fast = Everything(data=data, initial=initial, renderer=FastRenderer())
    slow = Everything(data=data, initial=initial, renderer=DjangoTemplates())
    for name in Everything.base_fields:
        assert str(fast[name]) == str(slow[name]), name
    assert "Tom &amp; &quot;Jerry&quot; &lt;b&gt;" in str(fast["one"])


@pytest.mark.parametrize("language", ["th", "fil"])
def test_the_markup_is_the_same_in_every_language(language):
    with django.utils.translation.override(language):
        test_every_widget_is_the_templates_own_markup(FILLED)


def test_a_widget_whose_options_have_a_template_of_their_own_goes_through_the_templates():
    class Special(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    def form(renderer):
        return type("F", (forms.Form,), {"x": forms.ChoiceField(choices=[("a", "A")], widget=Special)})(
            renderer=renderer
        )

    assert str(form(FastRenderer())["x"]) == str(form(DjangoTemplates())["x"])


def test_the_templates_built_here_are_still_djangos_includes():
    """A Django upgrade that changes one of these templates makes this fail, not the pages drift."""
    widgets = Path(forms.__file__).parent / "templates" / "django" / "forms" / "widgets"
    for name in INPUTS - {"django/forms/widgets/input.html"}:
        assert (widgets.parent.parent.parent / name).read_text() == '{% include "django/forms/widgets/input.html" %}\n'
    for name in OPTIONS:
        text = '{% include "django/forms/widgets/input_option.html" %}\n'
        assert (widgets.parent.parent.parent / name).read_text() == text


SELECT = re.compile(r"<(select|textarea)\b.*?</\1>|<input\b[^>]*>|<div[^>]*>\s*<div>\s*<label.*?</div>\s*</div>", re.S)


def test_the_case_page_shows_the_same_widgets_with_either_renderer(users, network):
    case = case_services.case_open(actor=users["alice"], notes="", **IDENTITY)
    share_with(users["alice"], case, network.beta)
    pages = []
    for renderer in ("django.forms.renderers.DjangoTemplates", "reintegra.lib.formrender.FastRenderer"):
        with override_settings(FORM_RENDERER=renderer):
            response = client_for(users["alice"]).get(f"/cases/{case.code}/")
        assert response.status_code == 200
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        pages.append([m.group(0) for m in SELECT.finditer(body)])
    assert len(pages[0]) >= 20 and pages[0] == pages[1]
