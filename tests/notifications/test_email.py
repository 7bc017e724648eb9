"""The e-mails: per the person's preference (at once, a daily digest, never), in their language,
with retries when the mail server fails, and once end to end through a real SMTP server."""

import datetime
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from reintegra.lib import clock
from reintegra.notifications import services, tasks
from reintegra.notifications.mail import language_of
from reintegra.notifications.models import EmailDelivery, EmailFrequency, Kind, Notification

from .test_events import NAMES


def raise_one(user, kind=Kind.TASK_OVERDUE, code="TH-TEST-0001", key=""):
    return services.notify([user], kind=kind, case_code=code, link=f"/cases/{code}/", key=key)


def test_at_once_by_default_one_mail_per_notice_after_commit(with_email, django_capture_on_commit_callbacks):
    alice = with_email["alice"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        raise_one(alice)
        assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "TH-TEST-0001" in message.subject and "TH-TEST-0001" in message.body
    assert "https://reintegra.example.org/cases/TH-TEST-0001/" in message.body
    assert Notification.objects.get().emailed_at is not None


def test_never_sends_no_mail_but_keeps_the_notice(with_email, django_capture_on_commit_callbacks):
    alice = with_email["alice"]
    services.frequency_set(user=alice, frequency=EmailFrequency.NEVER)
    with django_capture_on_commit_callbacks(execute=True):
        raise_one(alice)
        call_command("notify", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mail.outbox == [] and Notification.objects.count() == 1
    assert not EmailDelivery.objects.exists()


def test_no_address_no_mail(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        raise_one(users["alice"])
    assert mail.outbox == [] and not EmailDelivery.objects.exists()


def test_the_daily_digest_gathers_the_days_notices_once(with_email, django_capture_on_commit_callbacks):
    alice, sam = with_email["alice"], with_email["sam"]
    services.frequency_set(user=alice, frequency=EmailFrequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        raise_one(alice, code="TH-TEST-0001")
        raise_one(alice, kind=Kind.PLAN_APPROVED, code="TH-TEST-0002")
        read = raise_one(alice, kind=Kind.CLOSURE_DECIDED, code="TH-TEST-0003")
    services.mark_read(user=alice, notices=Notification.objects.filter(pk=read[0].pk))
    assert mail.outbox == []  # nothing at once
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digest_queue() == 1
        assert services.digest_queue() == 0  # once a day
    [digest] = mail.outbox
    assert digest.to == ["alice@example.org"]
    assert "2 notifications" in digest.subject
    assert "TH-TEST-0001" in digest.body and "TH-TEST-0002" in digest.body and "TH-TEST-0003" not in digest.body
    # The next day only what is new goes out; sam (at once) is never in a digest.
    with django_capture_on_commit_callbacks(execute=True):
        raise_one(sam)
    with clock.running_at(timezone.now() + datetime.timedelta(days=1)):
        with django_capture_on_commit_callbacks(execute=True):
            raise_one(alice, code="TH-TEST-0004")
            assert services.digest_queue() == 1
    assert [m.to for m in mail.outbox] == [["alice@example.org"], ["sam@example.org"], ["alice@example.org"]]
    assert "TH-TEST-0004" in mail.outbox[2].body and "TH-TEST-0001" not in mail.outbox[2].body


def test_the_mail_is_in_the_recipients_language(with_email):
    alice = with_email["alice"]
    assert language_of(alice) == "en"
    alice.preferred_language = "th"
    assert language_of(alice) == "th"
    alice.preferred_language = "xx"
    assert language_of(alice) == "en"


class FlakyBackend:
    """Fails the first `failures` sends, like a mail server that is down for a while."""

    failures = 0
    calls = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise ConnectionRefusedError("mail server down")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.calls = 0
    yield FlakyBackend


def test_a_failed_mail_is_tried_again_and_sent_once(with_email, flaky, django_capture_on_commit_callbacks):
    flaky.failures = 2
    with django_capture_on_commit_callbacks(execute=True):
        raise_one(with_email["alice"])  # the immediate backend runs the retries at once
    delivery = EmailDelivery.objects.get()
    assert delivery.attempts == 3 and delivery.sent_at is not None and delivery.failed_at is None
    assert len(mail.outbox) == 1
    assert tasks.deliver(delivery.pk) is None  # a delivery sent is never sent again
    assert len(mail.outbox) == 1


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(
    with_email, flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 99
    with django_capture_on_commit_callbacks(execute=True):
        raise_one(with_email["alice"])
    delivery = EmailDelivery.objects.get()
    assert delivery.attempts == tasks.MAX_ATTEMPTS and delivery.failed_at is not None and delivery.sent_at is None
    assert "ConnectionRefusedError" in delivery.last_error
    assert Notification.objects.get().emailed_at is None  # still in the product


def test_a_retry_waits_when_the_queue_can_defer(with_email, flaky, settings, django_capture_on_commit_callbacks):
    """With the database queue (production), each retry is queued to run after its back-off."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    flaky.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        raise_one(with_email["alice"])
    first = DBTaskResult.objects.get()
    tasks.send_notification_email.call(*first.args_kwargs["args"])
    retry = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert retry.run_after is not None
    assert retry.run_after - clock.now() > datetime.timedelta(seconds=50)
    assert tasks.retry_delay(1) == datetime.timedelta(minutes=1)
    assert tasks.retry_delay(4) == datetime.timedelta(minutes=120)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_end_to_end_through_a_real_smtp_server(with_email, settings, case, django_capture_on_commit_callbacks):
    """A closure request reaches the supervisor's mailbox through SMTP, with nothing of the returnee."""
    from reintegra.cases import services as case_services

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        with django_capture_on_commit_callbacks(execute=True):
            case_services.closure_move(
                actor=with_email["alice"], case=case, move="request", reason="Stable job for a year."
            )
    finally:
        controller.stop()
    [(recipients, content)] = inbox.messages
    assert recipients == ["sam@example.org"]
    message = message_from_bytes(content)
    body = message.get_payload(decode=True).decode()
    assert case.code in message["Subject"] and case.code in body
    assert f"https://reintegra.example.org/cases/{case.code}/" in body
    for word in NAMES:
        assert word not in body and word not in message["Subject"]
    assert EmailDelivery.objects.get().sent_at is not None
