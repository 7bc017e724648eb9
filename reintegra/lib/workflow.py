"""One engine for every record that moves through states (cases, closures, referrals, plans,
enrolments). Each record type declares its table of moves once; the engine answers two questions
from it, and nothing else:

- which moves may this party make from this state (`allowed`: the buttons a page shows and the
  actions the API lists), and
- may this move be made (`check`: refused with a 403 if the party may not make it, with a
  validation error naming the state if the record is not where the move starts).

A party is who the actor is *to this record*: "owner" (the agency that keeps the case), "sender"
or "receiver" of a referral, "supervisor", "author" of a plan, "requester" of a closure,
"provider" of a livelihood option. Each app computes the parties of an actor for its record
(`parties_of`) from facts of the record; the table says which parties may make each move and which
may not (`not_by`).

The person who asks never decides, and the engine itself holds that rule: a decision move names
the fields of its record that say who asked (`asked_by`: who requested a closure, who wrote or
submitted a plan), and the engine refuses that person the move, in `check` and again in `stamp`,
which every recorded move passes, so a service that forgot a party still cannot let it through.

A move may also be ruled out by a fact of the record whatever its state (`ruled_out`: a case whose
returnee's data was erased is never reopened): `allowed` does not offer it and `check` refuses it.

The engine writes nothing: the service locks the row, asks `check`, sets the fields the move
stamps (`stamp`), saves them with update_fields, and writes one timeline line and one audit record.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import override


class Stamp(Enum):
    """What a move writes into a field besides the state."""

    NOW = "the time of the move"
    DAY = "the day of the move"
    ACTOR = "who made the move"
    REASON = "the reason given"
    CLEAR = "cleared"


class Reason(Enum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Move:
    name: str
    sources: tuple[str, ...]
    target: str
    by: frozenset[str]
    not_by: frozenset[str] = frozenset()
    reason: Reason = Reason.NONE
    stamps: Mapping[str, Stamp] = field(default_factory=dict)
    then: tuple[str, ...] = ()  # what follows, in words (documentation; the service does it)
    label: Any = ""  # the button's words (lazy translation)
    reason_prompt: Any = None  # what to say when a required reason is missing
    refusal: Any = None  # what to say to a party in `not_by` (otherwise a bare 403)
    automatic: bool = False  # made by another action (changing a plan revises it), never by a button
    # A decision: the record's fields (user foreign keys) naming who asked; none of them may decide.
    asked_by: tuple[str, ...] = ()
    # A fact of the record that rules the move out whatever its state (an erased case is never
    # reopened): `allowed` does not offer it on that record and `check` refuses it with `ruled_out_refusal`.
    ruled_out: Callable[[Any], bool] | None = None
    ruled_out_refusal: Any = None

    def asked(self, record: Any, actor: Any) -> bool:
        """Whether `actor` is one who asked for this decision on `record`."""
        pk = getattr(actor, "pk", None)
        return pk is not None and any(getattr(record, f"{name}_id", None) == pk for name in self.asked_by)

    def refuse_asker(self, record: Any, actor: Any) -> None:
        if self.asked(record, actor):
            raise ValidationError(str(self.refusal or _("The person who asked does not decide.")))

    def ruled_out_on(self, record: Any) -> bool:
        return self.ruled_out is not None and record is not None and bool(self.ruled_out(record))

    def kept_reason(self, reason: str) -> str:
        """The reason as the move keeps it: none for a move that takes none (a note typed by
        mistake beside "accept" must not reach the timeline)."""
        return "" if self.reason is Reason.NONE else reason.strip()

    def __post_init__(self) -> None:
        if not self.by:
            raise ValueError(f"Move {self.name!r} says nobody may make it.")
        if self.by & self.not_by:
            raise ValueError(f"Move {self.name!r} is both allowed and refused to {sorted(self.by & self.not_by)}.")
        if self.ruled_out is not None and self.ruled_out_refusal is None:
            raise ValueError(f"Move {self.name!r} may be ruled out but says nothing to whoever tries it.")


@dataclass(frozen=True)
class Workflow:
    name: str
    states: tuple[str, ...]
    initial: tuple[str, ...]
    moves: tuple[Move, ...]
    state_labels: Mapping[str, Any] = field(default_factory=dict)
    record_label: Any = ""  # "referral", "plan"… in the reader's language

    def __post_init__(self) -> None:
        names = [m.name for m in self.moves]
        if len(names) != len(set(names)):
            raise ValueError(f"Workflow {self.name!r} names a move twice.")
        known = set(self.states)
        for move in self.moves:
            unknown = (set(move.sources) | {move.target}) - known
            if unknown:
                raise ValueError(f"Move {move.name!r} of {self.name!r} uses unknown states {sorted(unknown)}.")
        if set(self.initial) - known:
            raise ValueError(f"Workflow {self.name!r} starts in an unknown state.")

    def move(self, name: str) -> Move:
        for move in self.moves:
            if move.name == name:
                return move
        raise ValidationError(_("“%(move)s” is not a step of this record's workflow.") % {"move": name})

    def may(self, move: Move, parties: Iterable[str]) -> bool:
        parties = frozenset(parties)
        return bool(move.by & parties) and not (move.not_by & parties)

    def allowed(self, state: str, parties: Iterable[str], *, record: Any = None, actor: Any = None) -> list[Move]:
        """The moves this party may make from `state` by hand (the buttons), in table order; with the
        record and the actor, never a decision the actor asked for nor a move the record rules out."""
        parties = frozenset(parties)
        return [
            m
            for m in self.moves
            if state in m.sources
            and not m.automatic
            and self.may(m, parties)
            and not (record is not None and m.asked(record, actor))
            and not m.ruled_out_on(record)
        ]

    def check(
        self, state: str, name: str, parties: Iterable[str], *, reason: str = "", record: Any = None, actor: Any = None
    ) -> Move:
        """The move, if this party may make it from `state` with this reason; otherwise a refusal
        (PermissionDenied when the party may not, ValidationError when the state or reason is wrong,
        when the actor asked for the decision or when the record rules the move out). A decision needs
        the record and the actor."""
        move = self.move(name)
        parties = frozenset(parties)
        if move.asked_by:
            if record is None or actor is None:
                raise TypeError(f"Move {move.name!r} is a decision: check it with the record and the actor.")
            if self.may(move, parties):
                move.refuse_asker(record, actor)
        if move.refusal and move.by & parties and move.not_by & parties:
            raise ValidationError(str(move.refusal))
        if not self.may(move, parties):
            raise PermissionDenied
        if state not in move.sources:
            raise ValidationError(
                {
                    "status": _("This %(record)s is “%(state)s”: it cannot become “%(target)s”.")
                    % {
                        "record": self.record_label or self.name,
                        "state": self.state_label(state),
                        "target": self.state_label(move.target),
                    }
                }
            )
        if move.reason is Reason.REQUIRED and not reason.strip():
            raise ValidationError({"reason": str(move.reason_prompt or _("Give the reason."))})
        if move.ruled_out_on(record):
            raise ValidationError(str(move.ruled_out_refusal))
        return move

    def state_label(self, state: str) -> str:
        return str(self.state_labels.get(state, state))

    def reachable(self) -> set[str]:
        """Every state some sequence of moves reaches from an initial state."""
        seen = set(self.initial)
        frontier = list(self.initial)
        while frontier:
            state = frontier.pop()
            for move in self.moves:
                if state in move.sources and move.target not in seen:
                    seen.add(move.target)
                    frontier.append(move.target)
        return seen


def stamp(
    record: Any, move: Move, *, state_field: str | None, actor: Any, now: Any, day: Any, reason: str = ""
) -> list[str]:
    """Sets the state and what the move stamps on `record`; returns the fields to save. A workflow
    whose state is read from several fields (a case's closure) has no `state_field`. A decision is
    refused to whoever asked for it, whatever the service checked before."""
    move.refuse_asker(record, actor)
    if state_field is not None:
        setattr(record, state_field, move.target)
    values = {Stamp.NOW: now, Stamp.DAY: day, Stamp.ACTOR: actor, Stamp.REASON: reason}
    for name, kind in move.stamps.items():
        if kind is Stamp.CLEAR:
            cleared: Any = "" if isinstance(getattr(record, name, None), str) else None
            setattr(record, name, cleared)
        else:
            setattr(record, name, values[kind])
    return [*([state_field] if state_field else []), *move.stamps]


def markdown(workflow: Workflow) -> str:
    """The table of a workflow for docs/architecture.md (in English, as the code states it)."""

    def names(values: Iterable[str]) -> str:
        return ", ".join(str(v) for v in values)

    lines = [
        f"#### {workflow.name}",
        "",
        f"States: {names(workflow.states)}; a new record starts in {names(workflow.initial)}.",
        "",
        "| move | from | to | by | never by | never who asked (fields) | reason | stamps | then |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for move in workflow.moves:
        stamps = ", ".join(f"{field} ← {kind.value}" for field, kind in move.stamps.items())
        then = list(move.then)
        if move.ruled_out is not None:
            with override(None):  # the msgid: the document is in English
                then.append(f"refused on a record that rules it out: “{move.ruled_out_refusal}”")
        lines.append(
            f"| {move.name} | {names(move.sources)} | {move.target} | {names(sorted(move.by))} "
            f"| {names(sorted(move.not_by)) or '—'} | {names(move.asked_by) or '—'} | {move.reason.value} "
            f"| {stamps or '—'} | {'; '.join(then) or '—'} |"
        )
    return "\n".join(lines) + "\n"
