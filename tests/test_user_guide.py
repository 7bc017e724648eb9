"""The user guide shows what the journeys photograph: every picture it names exists, every picture in
docs/user-guide/ is shown, and every step a journey photographs for a language is in that
language's part of the guide (tests/browser/test_journeys.py takes them with SAVE_SCREENSHOTS=1)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "user-guide.md"
# The guide in each language: the English one, and its Thai and Filipino editions beside it.
GUIDES = {"en": GUIDE, "th": ROOT / "docs" / "user-guide.th.md", "fil": ROOT / "docs" / "user-guide.fil.md"}
PICTURES = ROOT / "docs" / "user-guide"
JOURNEYS = ROOT / "tests" / "browser" / "test_journeys.py"
IMAGE = re.compile(r"!\[[^\]]*\]\((user-guide/[^)]+)\)")


def pictures_named(language: str | None = None) -> list[str]:
    """The pictures the guide shows: in one language's edition, or in all of them."""
    guides = [GUIDES[language]] if language else list(GUIDES.values())
    return [p for guide in guides for p in IMAGE.findall(guide.read_text(encoding="utf-8"))]


def photographed_steps() -> dict[str, set[str]]:
    """The steps each journey photographs, from its `j.check("step", shot=…, key=…)` calls: English
    takes both kinds, Thai and Filipino the key steps."""
    tree = ast.parse(JOURNEYS.read_text(encoding="utf-8"))
    steps: dict[str, set[str]] = {"en": set(), "th": set(), "fil": set()}
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")):
        journey = function.name.removeprefix("test_").split("_")[0]
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "check" and call.args):
                continue
            step = call.args[0]
            flags = {k.arg: k.value for k in call.keywords}
            shot, key = (isinstance(flags.get(n), ast.Constant) and flags[n].value is True for n in ("shot", "key"))
            if isinstance(step, ast.Constant) and (shot or key):
                steps["en"].add(f"{journey}-{step.value}")
                if key:
                    steps["th"].add(f"{journey}-{step.value}")
                    steps["fil"].add(f"{journey}-{step.value}")
    return steps


def test_every_picture_the_guide_shows_exists():
    named = pictures_named()
    assert len(named) > 20
    missing = [p for p in named if not (ROOT / "docs" / p).is_file()]
    assert not missing, f"pictures named in the user guides that do not exist: {missing}"


def test_every_picture_taken_is_shown_in_the_guide():
    named = set(pictures_named())
    taken = {f"user-guide/{p.relative_to(PICTURES).as_posix()}" for p in PICTURES.rglob("*.png")}
    assert taken - named == set(), "pictures in docs/user-guide/ that the guide does not show"


def test_each_language_shows_every_step_its_journeys_photograph_in_its_own_edition():
    steps = photographed_steps()
    assert len(steps["en"]) >= 20 and len(steps["th"]) >= 10
    for language, wanted in steps.items():
        named = pictures_named(language)
        assert all(p.startswith(f"user-guide/{language}/") for p in named), f"{language}: another language's picture"
        shown = {Path(p).stem for p in named}
        assert wanted <= shown, f"{language}: steps photographed but not in the guide: {sorted(wanted - shown)}"


def test_each_edition_has_every_section_and_command_of_the_english_guide():
    """The Thai and Filipino editions are translations of the whole guide, not summaries: the same
    sections, and every command and path in backticks as the English one has them."""
    english = GUIDE.read_text(encoding="utf-8").split("## In Thai and in Filipino")[0]
    sections = len(re.findall(r"^## ", english, flags=re.M))
    commands = set(re.findall(r"`([^`]+)`", english))
    for language in ("th", "fil"):
        text = GUIDES[language].read_text(encoding="utf-8")
        assert len(re.findall(r"^## ", text, flags=re.M)) == sections, language
        assert commands - set(re.findall(r"`([^`]+)`", text)) == set(), language
        assert "(user-guide.md)" in text  # and back to the English one
    assert "(user-guide.th.md)" in english and "(user-guide.fil.md)" in english


def test_the_readme_links_the_guide():
    assert "docs/user-guide.md" in (ROOT / "README.md").read_text(encoding="utf-8")
