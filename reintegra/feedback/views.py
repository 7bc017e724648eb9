"""The feedback pages (issue 16): the caseworker's link with its QR code, and the returnee's form
at /f/, with no sign-in, naming only the kind of service (never the person, the case or the agency)."""

import io
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from reintegra.access import feedback_source_get_for_user, require_case_owner
from reintegra.accounts.reads import note_read, shows_no_personal_data, shows_personal_data
from reintegra.middleware import client_ip

from . import services
from .forms import AnswerForm, CodeForm, LinkForm
from .models import FeedbackLink


def qr_svg(url: str) -> SafeString:
    """The QR code of the link, drawn on the server as SVG markup (no script, no style)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, svgclass="feedback-qr", lineclass=None
    )
    return mark_safe(out.getvalue().decode())  # noqa: S308 - segno's own output, no user text in it


@shows_personal_data("cases.case")
@login_required
@require_POST
def link_new(request: HttpRequest) -> HttpResponse:
    """Gives a one-time feedback link for a completed service of one of the agency's cases."""
    user = require_case_owner(request.user)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_errors_text(form.errors.get_json_data()))
    source = feedback_source_get_for_user(user, kind=form.cleaned_data["kind"], record_id=form.cleaned_data["record"])
    try:
        new = services.feedback_link_create(actor=user, source=source)
    except ValidationError as exc:
        return render(request, "feedback/link.html", {"refused": exc.messages, "case": source.case}, status=409)
    note_read(actor=user, obj=source.case, details={"feedback_link": new.link.pk})
    url = request.build_absolute_uri(reverse("feedback:answer", args=[new.token]))
    context = {
        "case": source.case,
        "kind": new.link.get_service_kind_display(),
        "url": url,
        "code": " ".join([new.code[:4], new.code[4:]]),
        "qr": qr_svg(url),
        "expires_at": new.link.expires_at,
        "start_url": request.build_absolute_uri(reverse("feedback:start")),
    }
    response = render(request, "feedback/link.html", context, status=201)
    response["Cache-Control"] = "no-store"
    return response


def _errors_text(errors: dict[str, Any]) -> str:
    return "; ".join(f"{field}: {e['message']}" for field, items in errors.items() for e in items)


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # no-referrer would send `Origin: null` (CSRF refuses)
    response["X-Robots-Tag"] = "noindex"
    return response


def _gone(request: HttpRequest, *, throttled: bool = False) -> HttpResponse:
    """A code or link that does not work (404), or an address refused for too many wrong ones (429)."""
    context = {"form": CodeForm(), "throttled": throttled, "gone": not throttled}
    return _public(render(request, "feedback/start.html", context, status=429 if throttled else 404))


def _answer_page(
    request: HttpRequest, link: FeedbackLink, *, token: str = "", code: str = "", form: AnswerForm | None = None
) -> HttpResponse:
    lang = link.language
    if form is not None and form.is_bound and form.data.get("lang") in dict(settings.LANGUAGES):
        lang = str(form.data["lang"])
    with translation.override(lang):
        if form is None:
            form = AnswerForm(initial={"lang": lang})
        context = {"form": form, "kind": link.get_service_kind_display(), "token": token, "code": code, "lang": lang}
        response = render(request, "feedback/answer.html", context, status=400 if form.errors else 200)
        response["Content-Language"] = lang
    return _public(response)


def _submit(request: HttpRequest, link: FeedbackLink, *, token: str = "", code: str = "") -> HttpResponse:
    if "switch" in request.POST:  # another language: the same form, as typed, without errors
        form = AnswerForm(request.POST)
        form.is_valid()
        form.errors.clear()
        return _answer_page(request, link, token=token, code=code, form=form)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _answer_page(request, link, token=token, code=code, form=form)
    data = form.cleaned_data
    try:
        services.feedback_answer(
            link_id=link.pk,
            usefulness=data["usefulness"],
            respected=data["respected"],
            choice_respected=data["choice_respected"],
            comment=data["comment"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _answer_page(request, link, token=token, code=code, form=form)
    with translation.override(data["lang"]):
        response = render(request, "feedback/thanks.html", {})
    return _public(response)


@shows_no_personal_data
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """/f/: the returnee types the short code; then answers on the same address."""
    ip = client_ip(request)
    if request.method == "GET":
        return _public(render(request, "feedback/start.html", {"form": CodeForm()}))
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _public(render(request, "feedback/start.html", {"form": form}, status=400))
    if services.is_throttled(ip):
        return _gone(request, throttled=True)
    code = services.normal_code(form.cleaned_data["code"])
    link = services.link_find(ip=ip, code=code)
    if link is None:
        return _gone(request)
    if "usefulness" in request.POST or "switch" in request.POST:
        return _submit(request, link, code=code)
    return _answer_page(request, link, code=code)


@shows_no_personal_data
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """/f/<token>/: the address in the QR code."""
    ip = client_ip(request)
    if services.is_throttled(ip):
        return _gone(request, throttled=True)
    link = services.link_find(ip=ip, token=token)
    if link is None:
        return _gone(request)
    if request.method == "POST":
        return _submit(request, link, token=token)
    return _answer_page(request, link, token=token)
