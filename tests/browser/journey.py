"""A journey: one person's work through the site in one language at one width, with every page
checked on the way (axe-core, sideways scrolling, keyboard) and key steps photographed for the
user guide.

Locators use the page's own words, looked up in the same catalogues the site renders from
(`journey.t("Log in")`), so one journey reads in English and runs in Thai and Filipino: a string
not yet translated falls back to English on the page and in the test alike.
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from . import a11y
from .signin import second_factor

GUIDE_DIR = a11y.PROJECT_DIR / "docs" / "user-guide"
PASSWORD = "a-journey-password"
LAPTOP, PHONE = 1280, 360
BROWSER_LOCALES = {"en": "en-GB", "th": "th-TH", "fil": "fil-PH"}


@dataclass
class Journey:
    page: Page
    base: str
    lang: str
    width: int
    name: str  # the file-name prefix of its screenshots: "caseworker", "provider", …
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    # --- the page's words

    def t(self, message: str, **values: object) -> str:
        with translation.override(self.lang):
            text = translation.gettext(message)
        return text % values if values else text

    def pt(self, context: str, message: str) -> str:
        with translation.override(self.lang):
            return translation.pgettext(context, message)

    def named(self, name_of: Callable[[str], object], code: str) -> str:
        """A country's or an area's name as the page gives it (geo.country_name, geo.area_name)."""
        with translation.override(self.lang):
            return str(name_of(code))

    def tn(self, singular: str, plural: str, n: int, **values: object) -> str:
        with translation.override(self.lang):
            return translation.ngettext(singular, plural, n) % ({"counter": n} | values)

    def exact(self, message: str, **values: object) -> re.Pattern[str]:
        """The translated words as a whole name, in any case (a model's field names are capitalised
        on the form), and a required field's label ends in “ *”."""
        return re.compile(rf"^\s*{re.escape(self.t(message, **values))}(\s*\*)?\s*$", re.IGNORECASE)

    def label(self, message: str) -> Locator:
        return self.page.get_by_label(self.exact(message))

    def button(self, message: str) -> Locator:
        return self.page.get_by_role("button", name=self.exact(message))

    def link(self, message: str) -> Locator:
        return self.page.get_by_role("link", name=self.exact(message))

    def heading(self, message: str, **values: object) -> Locator:
        return self.page.get_by_role("heading", name=self.exact(message, **values))

    @property
    def main(self) -> Locator:
        return self.page.get_by_role("main")

    def disclose(self, summary: str) -> Locator:
        """Opens the folded part of the page whose summary reads so, and returns it."""
        details = self.main.locator("details", has=self.page.locator("summary", has_text=self.t(summary))).first
        if details.get_attribute("open") is None:
            details.locator("summary").first.click()
        return details

    def in_(self, scope: Locator, message: str) -> Locator:
        """The field labelled so within one part of the page (several forms share labels)."""
        return scope.get_by_label(self.exact(message))

    def saved(self, message: str, **values: object) -> None:
        expect(self.page.locator(".messages")).to_contain_text(self.t(message, **values))

    # --- moving

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def log_in(self, username: str) -> None:
        """By keyboard alone, as someone who cannot use a mouse would."""
        self.go("/login/")
        expect(self.page.locator("html")).to_have_attribute("lang", self.lang)
        self.label("Username").focus()
        self.page.keyboard.type(username)
        self.page.keyboard.press("Tab")
        self.page.keyboard.type(PASSWORD)
        self.page.keyboard.press("Enter")
        # A supervisor or a coordinator of the demo sets up two-factor sign-in at the first sign-in
        # (each page of it checked like any other), and types a code of the app after that.
        second_factor(self.page, self.base, username, check=self.check)
        expect(self.page).to_have_url(f"{self.base}/")

    def nav(self, message: str) -> None:
        """Follows a link of the main navigation, which a phone folds behind “Menu”."""
        link = self.page.get_by_role("navigation", name=self.t("Main")).get_by_role("link", name=self.exact(message))
        if not link.is_visible():
            self.page.get_by_role("banner").locator("summary", has_text=self.t("Menu")).click()
        link.click()

    # --- what every page must pass

    def check(self, step: str, *, shot: bool = False, key: bool = False, at: Locator | None = None) -> None:
        """Checks the page as it stands. With shot, photographs it for the English user guide (at
        1280 px); with key, for the Thai and Filipino ones too (at the width they run at); the
        picture shows the part of the page `at` names, else its top."""
        page = self.page
        page.wait_for_load_state("load")
        where = f"[{self.name} · {self.lang} · {self.width} px · {step}] {page.url.removeprefix(self.base)}"
        self.checked.append(where)
        if overflow := a11y.sideways_overflow(page):
            self.problems.append(f"{where}: scrolls sideways: {overflow}")
        if violations := a11y.axe_violations(page):
            self.problems.append(f"{where}: axe-core:\n{a11y.describe_violations(violations)}")
        for problem in a11y.keyboard_problems(page):
            self.problems.append(f"{where}: keyboard: {problem}")
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
        wanted = (self.lang == "en" and self.width == LAPTOP and (shot or key)) or (self.lang != "en" and key)
        if wanted and os.environ.get("SAVE_SCREENSHOTS") == "1":
            self.screenshot(step, at)

    def screenshot(self, step: str, at: Locator | None = None) -> Path:
        if at is not None:
            # A section from its heading; a row of a table in the middle, among its neighbours.
            at.first.evaluate(
                "(el) => { const row = el.closest('tr'); el.scrollIntoView({block: row ? 'center' : 'start'});"
                " if (!row) window.scrollBy(0, -60); }"
            )
        path = GUIDE_DIR / self.lang / f"{self.name}-{step}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), animations="disabled", caret="hide")
        return path

    def finish(self) -> None:
        assert self.checked, "the journey checked no page"
        assert not self.problems, f"{len(self.problems)} problems on the way:\n" + "\n".join(self.problems)
