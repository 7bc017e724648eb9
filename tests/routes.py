"""Every route of the project, read from Django's resolver (the DRF router's included): shared by the
tests that must meet each route (tests/test_route_matrix.py, tests/test_hostile_numbers_and_ids.py,
tests/test_read_audit.py)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern


@dataclass(frozen=True)
class Route:
    path: str  # the whole pattern, as the resolver joins it: "cases/<str:code>/", "api/v1/^tasks/$"
    name: str  # qualified with its namespaces: "cases:detail", "api:case-detail"; "" if unnamed
    pattern: RoutePattern | RegexPattern
    callback: Callable[..., Any]  # the view
    namespaces: tuple[str, ...]  # ("admin",) for the admin's routes, named or not

    @property
    def is_format_suffix(self) -> bool:
        """DRF's `.json` twin of a route: the same view and name, the format taken from the path."""
        return "(?P<format>" in self.path or "<drf_format_suffix:format>" in self.path


def walk(patterns: list | None = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Each URL pattern with its full path and qualified name, in the resolver's order."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            assert isinstance(entry, URLPattern)
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(
                path=prefix + str(entry.pattern),
                name=name,
                pattern=entry.pattern,
                callback=entry.callback,
                namespaces=tuple(namespace.split(":")[:-1]),
            )
