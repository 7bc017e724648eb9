"""What the HTML pages share: running one action posted from a case's pages (the API's
counterpart is reintegra/api.py)."""

from collections.abc import Callable
from typing import Any

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from reintegra.access import CaseAccess, case_get_for_user, require_case_owner
from reintegra.accounts.models import User
from reintegra.lib.http import form_errors_as_messages, run_as_messages


def run_case_action(
    request: HttpRequest,
    code: str,
    form_class: Callable[[Any], Form] | None,
    run: Callable[[User, CaseAccess, dict[str, Any]], Any],
    done: str,
    back: str = "cases:detail",
) -> HttpResponse:
    """Runs one owner action posted from a case's pages; errors come back as messages, nothing saved.
    `back` names the page to return to (it takes the case code)."""
    access = case_get_for_user(request.user, code=code, for_edit=True)
    user = require_case_owner(request.user)
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            form_errors_as_messages(request, form)
            return redirect(back, code=code)
        data = form.cleaned_data
    run_as_messages(request, lambda: run(user, access, data), done)
    return redirect(back, code=code)
