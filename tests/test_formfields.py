"""The long selects (lib/formfields.LongSelect: countries, currencies) are Django's own select, byte for
byte, whatever was chosen before them and in whichever language."""

import pytest
from django import forms
from django.utils import translation

from reintegra.lib.formfields import CountryField, CurrencyField, LongSelect


class Long(forms.Form):
    country = CountryField()
    optional_country = CountryField(required=False)
    currency = CurrencyField(required=False)


class Plain(Long):
    """The same fields with Django's select."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = forms.Select(attrs=field.widget.attrs)
            field.widget.choices = field.choices


def rendered(form_class, data=None, initial=None, auto_id="f-%s"):
    form = form_class(data=data, initial=initial, auto_id=auto_id)
    if data is not None:
        form.is_valid()
    return {name: str(form[name]) for name in form.fields}


@pytest.mark.parametrize("language", ["en", "th", "fil"])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"country": "TH", "optional_country": "", "currency": "PHP"},
        {"country": "PH", "optional_country": "MM", "currency": ""},
        {"country": "ZZ", "optional_country": "<b>", "currency": "THB"},  # values no option has
        {"country": "th", "optional_country": "FR", "currency": "EUR"},  # a lower-case code
    ],
)
def test_a_long_select_is_djangos_select(language, data):
    with translation.override(language):
        for _ in range(2):  # made, then from the kept markup
            long, plain = rendered(Long, data), rendered(Plain, data)
            assert long == plain
    chosen = "" if data is None else data["country"]
    if chosen == "TH":
        assert long["country"].count(" selected>") == 1
        assert '<option value="TH" selected>' in long["country"]


def test_what_one_form_chose_is_not_selected_in_the_next():
    rendered(Long, {"country": "TH", "optional_country": "PH", "currency": "PHP"})
    fresh = rendered(Long)
    assert fresh == rendered(Plain)
    assert '<option value="TH" selected>' not in fresh["country"]
    assert '<option value="" selected>' in fresh["optional_country"]  # the blank, as Django marks it


def test_an_initial_value_and_another_form_id_are_marked_as_django_marks_them():
    initial = {"country": "KH", "currency": "KHR"}
    assert rendered(Long, initial=initial, auto_id="other-%s") == rendered(Plain, initial=initial, auto_id="other-%s")


def test_the_kept_markups_are_bounded(monkeypatch):
    monkeypatch.setattr(LongSelect, "_made", {})
    monkeypatch.setattr(LongSelect, "KEEP", 3)
    for n in range(5):
        rendered(Long, auto_id=f"form{n}-%s")
    assert 0 < len(LongSelect._made) <= 3
