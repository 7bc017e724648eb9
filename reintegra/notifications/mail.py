"""The words of a notice and of its e-mail, in the reader's language. Only the case's code, the
kind of event and a link to the site (which needs sign-in): never the returnee's name, contact,
location or history."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reintegra.accounts.models import User

from .models import Kind, Notification


def language_of(user: User) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return user.preferred_language if user.preferred_language in known else settings.LANGUAGE_CODE


def headline(notice: Notification) -> str:
    """ "Referral received · case TH-2026-0001" in the active language."""
    kind = str(Kind(notice.kind).label)
    if not notice.case_code:
        return kind
    return _("%(kind)s · case %(code)s") % {"kind": kind, "code": notice.case_code}


def _line(notice: Notification) -> str:
    return f"- {headline(notice)}\n  {settings.SITE_URL}{notice.link or '/notifications/'}"


def message_for(user: User, notices: list[Notification], *, digest: bool) -> EmailMessage:
    """One e-mail to `user` of `notices` (one, or a day's digest), in their language."""
    with translation.override(language_of(user)):
        if digest:
            subject = ngettext(
                "reintegra: %(count)d notification today", "reintegra: %(count)d notifications today", len(notices)
            ) % {"count": len(notices)}
            intro = _("Here is what happened in reintegra for you since the last digest:")
        else:
            subject = _("reintegra: %(headline)s") % {"headline": headline(notices[0])}
            intro = _("Something in reintegra asks for your attention:")
        body = "\n\n".join(
            [
                intro,
                "\n".join(_line(notice) for notice in notices),
                _("Open the link and sign in to see more. Change how you get these e-mails: %(url)s")
                % {"url": f"{settings.SITE_URL}/notifications/email/"},
            ]
        )
    return EmailMessage(subject=subject, body=body + "\n", to=[user.email])
