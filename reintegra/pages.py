"""What the HTML pages share: the actions posted from a case's pages, each declared once as a
`CaseAction` in a table, and served by one view per table (the API's counterpart is
reintegra/api.py).

A form never loses what was typed: when a posted form is refused (by its own checks or by the
service), the page it was posted from is shown again, with the form as posted, open, its errors
next to their fields and in a summary at its top, and a 400 status. Only an action without fields
(a button) reports a refusal as a message after a redirect, having nothing to keep.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from reintegra.access import CaseAccess, case_get_for_user, require_case_owner
from reintegra.accounts.models import User
from reintegra.lib.concurrency import EditConflict
from reintegra.lib.http import form_add_refusal, form_errors_as_messages, run_as_messages

Data = dict[str, Any]


class CasePage(Protocol):
    """Shows a case's page again with some of its forms as posted: `bound` maps the name of a form
    in the page's context to the bound form (status 400)."""

    def __call__(self, request: HttpRequest, access: CaseAccess, bound: Mapping[str, BaseForm]) -> HttpResponse: ...


@dataclass(frozen=True)
class CaseAction:
    """One write posted from a case's pages. `form` parses the post (None: it has no fields); `run`
    gets the user, the case grant, the form's data and the ids of the URL; `done` is what the page
    says after it (or a function of the data that says it). `slot` names the form in the page's
    context (it may use the URL's ids: "action_form_{goal_id}"), where a refused form is shown
    again as it was posted; `form_takes_ids` passes the URL's ids to `form` too (a form repeated on
    the page, one per goal, has ids of its own)."""

    run: Callable[..., Any]
    done: Any
    form: Callable[..., BaseForm] | None = None
    slot: str = ""
    form_takes_ids: bool = False


def again(request: HttpRequest, page: CasePage, access: CaseAccess, slot: str, form: BaseForm) -> HttpResponse:
    """The page shown again with the refused form, as posted. The case is read afresh: a refused
    service may have left changes on the objects it was given (its transaction rolled them back in
    the database only)."""
    fresh = case_get_for_user(request.user, code=access.case.code)
    response = page(request, fresh, {slot: form})
    response.status_code = 400
    return response


def run_case_action(
    request: HttpRequest,
    code: str,
    form_class: Callable[[Any], BaseForm] | None,
    run: Callable[[User, CaseAccess, Data], Any],
    done: Any,
    back: str = "cases:detail",
    *,
    page: CasePage | None = None,
    slot: str = "",
) -> HttpResponse:
    """Runs one owner action posted from a case's pages; nothing is saved unless all of it is. A
    refused form comes back on its `page` (see the module's docstring); `back` names the page to
    return to after a success (it takes the case code)."""
    access = case_get_for_user(request.user, code=code, for_edit=True)
    user = require_case_owner(request.user)
    data: Data = {}
    form = form_class(request.POST) if form_class is not None else None
    keeps_input = form is not None and page is not None and bool(slot)
    if form is not None:
        if not form.is_valid():
            if keeps_input:
                assert page is not None  # noqa: S101
                return again(request, page, access, slot, form)
            form_errors_as_messages(request, form)
            return redirect(back, code=code)
        data = dict(form.cleaned_data)
    said = done(data) if callable(done) else done
    if not keeps_input:
        run_as_messages(request, lambda: run(user, access, data), str(said))
        return redirect(back, code=code)
    assert form is not None and page is not None  # noqa: S101
    try:
        run(user, access, data)
    except (ValidationError, EditConflict) as refusal:
        form_add_refusal(form, refusal)
        return again(request, page, access, slot, form)
    messages.success(request, str(said))
    return redirect(back, code=code)


def case_action_view(
    actions: Mapping[str, CaseAction],
    *,
    back: str = "cases:detail",
    check: Callable[[HttpRequest, str], Any] | None = None,
    page: CasePage | None = None,
) -> Callable[..., HttpResponse]:
    """The view of a table of actions; each URL names its action and may carry ids:
    `path("<str:code>/tasks/<int:task_id>/done/", view, {"action": "task_done"})`. `check` runs first
    (a page that needs more than owning the case); `page` shows the page again with a refused form."""

    @login_required
    @require_POST
    def view(request: HttpRequest, code: str, action: str, **ids: int) -> HttpResponse:
        spec = actions.get(action)
        if spec is None:
            raise Http404
        if check is not None:
            check(request, code)
        form = spec.form
        if form is not None and spec.form_takes_ids:
            form = partial(form, **ids)
        return run_case_action(
            request,
            code,
            form,
            lambda user, access, data: spec.run(user, access, data, **ids),
            spec.done,
            back,
            page=page,
            slot=spec.slot.format(**ids),
        )

    return view
