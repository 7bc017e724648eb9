"""The audit log: append an event to the hash chain, and verify the chain.

Every service that writes calls `audit_record` inside its transaction; a selector or view that
shows personal data notes it (`reads.note_read`), and the read audit middleware writes the notes
once per request (decisions/0025). The request's address comes from the
context set by `reintegra.middleware.audit_context_middleware`.
"""

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.db.models import Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import AuditChainHead, AuditEvent, User

GENESIS_HASH = "0" * 64
_request_ip: ContextVar[str | None] = ContextVar("audit_request_ip", default=None)
_batched: ContextVar[bool] = ContextVar("audit_batched", default=False)


@contextlib.contextmanager
def audit_context(*, ip: str | None) -> Iterator[None]:
    token = _request_ip.set(ip or None)
    try:
        yield
    finally:
        _request_ip.reset(token)


# The columns of an event that its hash covers, in event_hash's terms (a bulk writer hashes the same).
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "categories",
    "ip_address",
    "details",
    "prev_hash",
)


def event_hash(
    *,
    seq: int,
    at: datetime,
    actor_username: str,
    action: str,
    object_type: str,
    object_id: str,
    categories: list[str],
    ip_address: str | None,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    canonical = canonical_json(
        [
            seq,
            at.astimezone(UTC).isoformat(),
            actor_username,
            action,
            object_type,
            object_id,
            categories,
            ip_address,
            details,
            prev_hash,
        ]
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def canonical_json(value: Any) -> str:
    """The JSON an event's hash is taken of: keys sorted, no spaces, ASCII only. A list's is "[", its
    items' joined by ",", "]": a bulk writer may join items written once (reintegra/demo/bulk.py)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def object_label(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


@contextlib.contextmanager
def audit_batch() -> Iterator[None]:
    """Many events in one transaction (the demo loads hundreds of cases in one): the chain's head is
    locked once, each event follows the last one written, and the head is written once at the end.

    PostgreSQL keeps every version of a row updated again and again in one transaction, and each
    lookup of that row walks them all: updating the head once per event made a transaction of n
    events cost n² (10,000 events: 10 ms each by the end instead of under 1 ms).
    """
    if _batched.get():
        yield
        return
    with transaction.atomic():
        AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        token = _batched.set(True)
        try:
            yield
        finally:
            _batched.reset(token)
        if transaction.get_rollback():
            return  # the transaction is to be rolled back: nothing to write
        seq, last_hash = _chain_tail()
        AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=last_hash)


def _chain_tail() -> tuple[int, str]:
    """The last event written (in this transaction too): a savepoint rolled back leaves no gap."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return last if last is not None else (0, GENESIS_HASH)


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    categories: Iterable[str] = (),
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type, object_id = object_label(obj)
    fields: dict[str, Any] = {
        "actor_username": actor.get_username() if actor else "",
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "categories": sorted(set(categories)),
        "ip_address": _request_ip.get(),
        # Round-trip the details through JSON so what is hashed is what the database gives back.
        "details": json.loads(json.dumps(details or {}, default=str)),
    }
    batched = _batched.get()
    # Outside a batch the chain's head is held from here to the end of the caller's transaction (one
    # writer at a time: SELECT … FOR UPDATE, or SQLite's IMMEDIATE transaction); a batch holds it already.
    with contextlib.nullcontext() if batched else transaction.atomic():
        head = None if batched else AuditChainHead.objects.select_for_update().get_or_create(pk=1)[0]
        seq, prev_hash = _chain_tail() if head is None else (head.last_seq, head.last_hash)
        # Microseconds survive every database we support, so the hash recomputes exactly.
        fields |= {"seq": seq + 1, "at": timezone.now(), "prev_hash": prev_hash}
        event = AuditEvent(actor=actor, hash=event_hash(**fields), **fields)
        event.save(force_insert=True)
        if head is not None:
            head.last_seq, head.last_hash = event.seq, event.hash
            head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def audit_verify() -> ChainReport:
    """Walks the chain in order and names the first link that does not hold.

    On a live site events are appended while it walks (a million cases' chain takes minutes): it
    checks the chain up to the head as it stood at the start; every event up to that head was written
    with it, in one transaction. Events appended since are the next run's. An event beyond the head
    (one written without moving it) is noticed all the same, in one statement with the head."""
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq, last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    rows = AuditEvent.objects.filter(seq__lte=last_seq).order_by("seq").values(*HASHED_FIELDS, "hash")
    for row in rows.iterator(chunk_size=2000):
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"event #{expected_seq} is missing")
        if row["prev_hash"] != expected_prev:
            return ChainReport(False, checked, seq, f"event #{seq} does not follow event #{seq - 1}")
        fields: dict[str, Any] = dict(row)
        stored_hash = fields.pop("hash")
        if event_hash(**fields) != stored_hash:
            return ChainReport(False, checked, seq, f"event #{seq} was altered after it was written")
        expected_prev = stored_hash
        expected_seq += 1
        checked += 1
    if checked < last_seq:
        return ChainReport(False, checked, checked + 1, f"events #{checked + 1}–#{last_seq} are missing")
    if expected_prev != last_hash:
        return ChainReport(False, checked, last_seq, "the chain head does not match the last event")
    now_head = AuditChainHead.objects.filter(pk=1).values("last_seq")
    beyond = AuditEvent.objects.filter(seq__gt=Coalesce(Subquery(now_head), 0)).order_by("seq").first()
    if beyond is not None:
        return ChainReport(False, checked, beyond.seq, "the chain head does not match the last event")
    return ChainReport(True, checked)
