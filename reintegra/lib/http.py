from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from reintegra.lib.concurrency import EditConflict


class HtmxHttpRequest(HttpRequest):
    """The request as HtmxMiddleware leaves it (for type checking)."""

    htmx: HtmxDetails


def form_errors_as_messages(request: HttpRequest, form: forms.BaseForm) -> None:
    """For small forms posted from a bigger page: each error becomes a message naming its field."""
    for field, errors in form.errors.items():
        text = " ".join(str(e) for e in errors)
        label = form.fields[field].label if field in form.fields else None
        messages.error(request, f"{label}: {text}" if label else text)


def form_add_refusal(form: forms.BaseForm, refusal: ValidationError | EditConflict) -> None:
    """Puts a service's refusal on the form that was posted: an error about one of its fields next
    to that field, any other in the form's summary (a service may name a field the form lacks)."""
    if isinstance(refusal, EditConflict):
        form.add_error(None, str(refusal))
    elif hasattr(refusal, "error_dict"):
        for name, errors in refusal.error_dict.items():
            field = form.fields.get(name)
            if field is not None and not field.widget.is_hidden:
                form.add_error(name, errors)
            else:
                label = field.label if field is not None else None
                form.add_error(None, [f"{label}: {m}" if label else m for e in errors for m in e.messages])
    else:
        form.add_error(None, refusal)


def run_as_messages(request: HttpRequest, run: Callable[[], Any], done: str) -> bool:
    """Runs one write posted from a page; its refusal becomes error messages (nothing was saved, the
    service being atomic), its success the `done` message. Returns whether it succeeded."""
    try:
        run()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    except EditConflict as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, done)
    return True
