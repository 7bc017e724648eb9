"""Reactions: how a higher app acts on something a lower app did, without the lower app importing it.

A lower app declares the moment (`consent_withdrawn = Reaction(...)`) and fires it inside its
service's transaction; a higher app connects its own service in its AppConfig.ready(). So when a
consent is withdrawn, it is the referrals app that revokes the referrals resting on it, and the
whole withdrawal still commits or fails as one. Unlike Django's signals, a reaction is fired only
by the one service that declares it, never by save() or by the ORM.
"""

from collections.abc import Callable
from typing import Any


class Reaction:
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Callable[..., Any]] = []

    def connect(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def fire(self, **kwargs: Any) -> list[Any]:
        """Calls every handler with the same keyword arguments; returns their results in order."""
        return [handler(**kwargs) for handler in self._handlers]

    @property
    def handlers(self) -> tuple[Callable[..., Any], ...]:
        return tuple(self._handlers)

    def __repr__(self) -> str:
        return f"<Reaction {self.name}: {len(self._handlers)} handler(s)>"
