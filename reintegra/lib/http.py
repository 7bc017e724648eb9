from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """The request as HtmxMiddleware leaves it (for type checking)."""

    htmx: HtmxDetails


def form_errors_as_messages(request: HttpRequest, form: forms.Form) -> None:
    """For small forms posted from a bigger page: each error becomes a message naming its field."""
    for field, errors in form.errors.items():
        text = " ".join(str(e) for e in errors)
        label = form.fields[field].label if field in form.fields else None
        messages.error(request, f"{label}: {text}" if label else text)
