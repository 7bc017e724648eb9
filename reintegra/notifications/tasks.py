"""Sending the notification e-mails as background work (Django's tasks framework; `reintegra
worker` runs the queue).

Retry policy: a delivery that fails (the SMTP server down, refused, timed out) is tried again up to
`MAX_ATTEMPTS` times in all, after 1, 5, 30 and 120 minutes; then it is marked failed and logged
(the notice stays in the product). A delivery already sent is never sent again, so a task run twice
sends one e-mail."""

import datetime
import logging

from django.db import transaction
from django_tasks import default_task_backend, task

from reintegra.lib import clock

from . import mail
from .models import EmailDelivery

logger = logging.getLogger("reintegra.notifications")

BACKOFF_MINUTES = (1, 5, 30, 120)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1


def deliver(delivery_id: int) -> bool | None:
    """Sends the delivery once: True if sent, False if it failed (and may be tried again), None if
    there was nothing to do (sent already, given up on, or no address any longer)."""
    with transaction.atomic():
        delivery = EmailDelivery.objects.select_for_update().select_related("recipient").filter(pk=delivery_id).first()
        if delivery is None or delivery.sent_at is not None or delivery.failed_at is not None:
            return None
        user = delivery.recipient
        notices = list(delivery.notifications.order_by("created_at", "pk"))
        if not user.is_active or not user.email or not notices:
            delivery.failed_at = clock.now()
            delivery.last_error = "no address or nothing to send"
            delivery.save(update_fields=["failed_at", "last_error"])
            return None
        delivery.attempts += 1
        try:
            mail.message_for(user, notices, digest=delivery.digest_day is not None).send()
        except Exception as exc:  # any failure of the mail server: try again later
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:200]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.failed_at = clock.now()
                logger.error("Notification e-mail %s failed %s times: %s", delivery.pk, delivery.attempts, exc)
            delivery.save(update_fields=["attempts", "last_error", "failed_at"])
            return False
        now = clock.now()
        delivery.sent_at = now
        delivery.save(update_fields=["attempts", "sent_at", "last_error"])
        delivery.notifications.update(emailed_at=now)
        return True


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long after the `attempts`-th failed attempt the next one is made."""
    return datetime.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def enqueue_delivery(delivery_id: int, *, attempts: int = 0) -> None:
    work = send_notification_email
    if attempts and default_task_backend.supports_defer:
        work = work.using(run_after=clock.now() + retry_delay(attempts))
    work.enqueue(delivery_id)


@task()
def send_notification_email(delivery_id: int) -> None:
    if deliver(delivery_id) is False:
        delivery = EmailDelivery.objects.get(pk=delivery_id)
        if delivery.failed_at is None:
            enqueue_delivery(delivery_id, attempts=delivery.attempts)
