"""Raising notices and marking them read. `notify` is the one way a notice is made: it leaves out
the person who acted (nobody is told of their own act), skips a time-driven notice already raised
(`key`), and queues the e-mail of those who want one at once, after the transaction commits."""

import datetime
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.db.models import QuerySet

from reintegra.accounts.models import User
from reintegra.lib import clock

from .models import EmailDelivery, EmailFrequency, EmailPreference, Notification


def notify(
    recipients: Iterable[User | None],
    *,
    kind: str,
    case_code: str = "",
    link: str = "",
    actor: User | None = None,
    key: str = "",
) -> list[Notification]:
    """One notice of `kind` to each recipient (once each; inactive accounts and the actor left out).
    With a `key` (what the notice is about), a recipient already told of it is not told again."""
    people: dict[int, User] = {}
    for user in recipients:
        if user is None or not user.is_active or (actor is not None and user.pk == actor.pk):
            continue
        people[user.pk] = user
    if key and people:
        people = {user.pk: user for user in untold(people.values(), kind=kind, key=key)}
    if not people:
        return []
    now = clock.now()
    made = Notification.objects.bulk_create(
        Notification(
            recipient=user, kind=kind, case_code=case_code, link=link, key=key, day=clock.today(), created_at=now
        )
        for user in people.values()
    )
    _email_at_once(made, people)
    return made


def untold(recipients: Iterable[User], *, kind: str, key: str) -> list[User]:
    """Those of `recipients` not yet told of `key` by a notice of `kind`."""
    people = list(recipients)
    told = set(
        Notification.objects.filter(recipient__in=[user.pk for user in people], kind=kind, key=key).values_list(
            "recipient_id", flat=True
        )
    )
    return [user for user in people if user.pk not in told]


def frequency_of(user: User) -> str:
    pref = EmailPreference.objects.filter(user=user).only("frequency").first()
    return pref.frequency if pref else EmailFrequency.IMMEDIATELY


def frequency_set(*, user: User, frequency: str) -> EmailPreference:
    pref, _created = EmailPreference.objects.update_or_create(user=user, defaults={"frequency": frequency})
    return pref


def frequency_set_many(*, users: Iterable[int], frequency: str) -> None:
    """`frequency_set` for many accounts in one statement (the bulk demo's thousands of staff)."""
    EmailPreference.objects.bulk_create(
        [EmailPreference(user_id=pk, frequency=frequency) for pk in users],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["frequency"],
    )


def _email_at_once(made: list[Notification], people: dict[int, User]) -> None:
    """A delivery per notice for each recipient who has an address and wants e-mail at once."""
    wanting = {n.recipient_id for n in made if people[n.recipient_id].email}
    if not wanting:
        return
    other = EmailPreference.objects.filter(user__in=wanting).exclude(frequency=EmailFrequency.IMMEDIATELY)
    wanting -= set(other.values_list("user_id", flat=True))
    for notice in made:
        if notice.recipient_id in wanting:
            delivery = EmailDelivery.objects.create(recipient_id=notice.recipient_id, created_at=clock.now())
            delivery.notifications.add(notice)
            transaction.on_commit(partial(_enqueue, delivery.pk))


def _enqueue(delivery_id: int) -> None:
    from . import tasks  # the tasks import the mail module, which needs the apps loaded

    tasks.enqueue_delivery(delivery_id)


def digest_queue(*, day: datetime.date | None = None) -> int:
    """Each person who wants a daily digest and has notices not yet e-mailed gets one delivery
    for `day` (today), never two: returns how many were queued."""
    day = day or clock.today()
    queued = 0
    prefs = EmailPreference.objects.filter(frequency=EmailFrequency.DAILY).select_related("user")
    for pref in prefs:
        user = pref.user
        if not user.is_active or not user.email or pref.last_digest_on == day:
            continue
        notices = Notification.objects.filter(recipient=user, emailed_at__isnull=True, read_at__isnull=True)
        with transaction.atomic():
            if EmailDelivery.objects.filter(recipient=user, digest_day=day).exists():
                continue
            pending = list(notices.values_list("pk", flat=True))
            pref.last_digest_on = day
            pref.save(update_fields=["last_digest_on"])
            if not pending:
                continue
            delivery = EmailDelivery.objects.create(recipient=user, digest_day=day, created_at=clock.now())
            delivery.notifications.add(*pending)
            transaction.on_commit(partial(_enqueue, delivery.pk))
            queued += 1
    return queued


def mark_read(*, user: User, notices: QuerySet[Notification]) -> int:
    """Marks the user's own unread notices among `notices` read; returns how many."""
    return notices.filter(recipient=user, read_at__isnull=True).update(read_at=clock.now())


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
