"""What the HTML pages share: the actions posted from a case's pages, each declared once as a
`CaseAction` in a table, and served by one view per table (the API's counterpart is
reintegra/api.py)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from reintegra.access import CaseAccess, case_get_for_user, require_case_owner
from reintegra.accounts.models import User
from reintegra.lib.http import form_errors_as_messages, run_as_messages

Data = dict[str, Any]


@dataclass(frozen=True)
class CaseAction:
    """One write posted from a case's pages. `form` parses the post (None: it has no fields); `run`
    gets the user, the case grant, the form's data and the ids of the URL; `done` is what the page
    says after it (or a function of the data that says it)."""

    run: Callable[..., Any]
    done: Any
    form: Callable[[Any], BaseForm] | None = None


def run_case_action(
    request: HttpRequest,
    code: str,
    form_class: Callable[[Any], BaseForm] | None,
    run: Callable[[User, CaseAccess, Data], Any],
    done: Any,
    back: str = "cases:detail",
) -> HttpResponse:
    """Runs one owner action posted from a case's pages; errors come back as messages, nothing saved.
    `back` names the page to return to (it takes the case code)."""
    access = case_get_for_user(request.user, code=code, for_edit=True)
    user = require_case_owner(request.user)
    data: Data = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            form_errors_as_messages(request, form)
            return redirect(back, code=code)
        data = dict(form.cleaned_data)
    said = done(data) if callable(done) else done
    run_as_messages(request, lambda: run(user, access, data), str(said))
    return redirect(back, code=code)


def case_action_view(
    actions: Mapping[str, CaseAction],
    *,
    back: str = "cases:detail",
    check: Callable[[HttpRequest, str], Any] | None = None,
) -> Callable[..., HttpResponse]:
    """The view of a table of actions; each URL names its action and may carry ids:
    `path("<str:code>/tasks/<int:task_id>/done/", view, {"action": "task_done"})`. `check` runs first
    (a page that needs more than owning the case)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, code: str, action: str, **ids: int) -> HttpResponse:
        spec = actions.get(action)
        if spec is None:
            raise Http404
        if check is not None:
            check(request, code)
        return run_case_action(
            request, code, spec.form, lambda user, access, data: spec.run(user, access, data, **ids), spec.done, back
        )

    return view
