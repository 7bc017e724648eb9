"""ISCO-08 major (10) and sub-major (43) groups, with English, Thai and Filipino labels, shipped as
project data (data/isco08.json)."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import get_language

DATA = Path(__file__).parent / "data" / "isco08.json"


@dataclass(frozen=True)
class Group:
    code: str
    level: str
    parent: str | None
    labels: dict[str, str]

    @property
    def label(self) -> str:
        language = (get_language() or "en").split("-")[0]
        return self.labels.get(language) or self.labels["en"]


@lru_cache(maxsize=1)
def groups() -> dict[str, Group]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {
        g["code"]: Group(
            code=g["code"], level=g["level"], parent=g["parent"], labels={k: g[k] for k in ("en", "th", "fil")}
        )
        for g in data["groups"]
    }


def is_sub_major(code: str) -> bool:
    group = groups().get(code)
    return group is not None and group.level == "sub-major"


def label(code: str) -> str:
    group = groups().get(code)
    return f"{code} {group.label}" if group else code


def sub_major_choices() -> list[tuple[str, str]]:
    return [(g.code, f"{g.code} {g.label}") for g in groups().values() if g.level == "sub-major"]


def name(code: str) -> str:
    """The group's name in the reader's language, without its code (the code if unknown)."""
    group = groups().get(code)
    return group.label if group else code
