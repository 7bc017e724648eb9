"""What every page of a journey must pass in the browser: axe-core finds no serious or critical
violation, nothing scrolls sideways, every control is reached by Tab and shows where the focus is.

axe-core comes from the npm registry, pinned with the registry's own integrity hash, downloaded
once into a cache (var/cache/, gitignored) and checked against that hash on every read. Without
network the first download fails: the journeys then fail with the reason, never skip quietly.
"""

import base64
import hashlib
import io
import os
import tarfile
import urllib.request
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

PROJECT_DIR = Path(__file__).resolve().parents[2]
AXE_VERSION = "4.14.1"
# dist.integrity of https://registry.npmjs.org/axe-core/4.14.1
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
AXE_TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
CACHE_DIR = Path(os.environ.get("REINTEGRA_TEST_CACHE", PROJECT_DIR / "var" / "cache"))


class AxeUnavailable(RuntimeError):
    pass


def _integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _download(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "reintegra-tests"})  # noqa: S310 (a fixed https URL)
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.read()


@cache
def axe_source() -> str:
    """The source of axe.min.js of the pinned axe-core, from the cache or else from the registry."""
    tarball = CACHE_DIR / f"axe-core-{AXE_VERSION}.tgz"
    data = tarball.read_bytes() if tarball.exists() else b""
    if _integrity_of(data) != AXE_INTEGRITY:
        try:
            data = _download(AXE_TARBALL)
        except OSError as exc:
            raise AxeUnavailable(
                f"axe-core {AXE_VERSION} could not be downloaded from {AXE_TARBALL} ({exc}); "
                "the accessibility checks need it (or a copy of the tarball at "
                f"{tarball})"
            ) from exc
        if _integrity_of(data) != AXE_INTEGRITY:
            raise AxeUnavailable(f"{AXE_TARBALL} does not match its pinned integrity {AXE_INTEGRITY}")
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed: two test processes may download at the same time.
        partial = tarball.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(tarball)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.extractfile("package/axe.min.js")
        if member is None:
            raise AxeUnavailable(f"{AXE_TARBALL} holds no package/axe.min.js")
        return member.read().decode("utf-8")


# --- axe-core

# page.evaluate is not subject to the page's Content-Security-Policy, unlike a <script> element.
_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
      more: Math.max(0, v.nodes.length - 5),
    }));
}"""


def axe_violations(page: Page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(_AXE_RUN)


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['impact']} {v['id']}: {v['help']}")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {' '.join(node['summary'].split())}")
        if v["more"]:
            lines.append(f"    … and {v['more']} more")
    return "\n".join(lines)


# --- sideways scrolling


def sideways_overflow(page: Page) -> str | None:
    """None when the page fits its width; else how wide it is and which elements stick out."""
    return page.evaluate(
        """() => {
      const width = window.innerWidth, doc = document.documentElement;
      if (doc.scrollWidth <= width) return null;
      const culprits = [];
      for (const el of document.body.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if (r.right > width + 1 && r.width > 0) {
          // Only the outermost element that sticks out, not each of its children.
          if (!culprits.some((c) => c.contains(el))) culprits.push(el);
        }
      }
      const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
      const right = (el) => Math.round(el.getBoundingClientRect().right);
      return `the page is ${doc.scrollWidth} px wide in a ${width} px window; too wide: `
        + culprits.slice(0, 6).map((el) => `${name(el)} (${right(el)} px)`).join(", ");
    }"""
    )


# --- keyboard

_MARK_CONTROLS = """() => {
  const selector = "a[href], button, input, select, textarea, summary, [tabindex]";
  const shown = (el) => {
    if (el.closest("[inert], [hidden]")) return false;
    if (el.disabled || el.type === "hidden" || el.tabIndex < 0) return false;
    if (!el.checkVisibility({visibilityProperty: true})) return false;
    const details = el.parentElement && el.parentElement.closest("details:not([open])");
    if (details && !(el.tagName === "SUMMARY" && el.parentElement === details)) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 || r.height > 0;
  };
  let n = 0;
  const expected = [];
  const radioGroups = new Set();
  for (const el of document.querySelectorAll(selector)) {
    el.removeAttribute("data-kbd");
    if (!shown(el)) continue;
    if (el.type === "radio") {
      // Tab reaches one radio button of a group; the arrow keys move within it.
      const group = (el.form ? el.form.id || "form" : "doc") + ":" + el.name;
      if (radioGroups.has(group)) continue;
      radioGroups.add(group);
      el.setAttribute("data-kbd-group", group);
    }
    el.setAttribute("data-kbd", String(n));
    expected.push(n++);
  }
  return expected.length;
}"""

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
                && style.outlineColor !== "rgba(0, 0, 0, 0)" && style.outlineColor !== "transparent")
               || (style.boxShadow && style.boxShadow !== "none");
  let id = el.getAttribute("data-kbd");
  if (el.type === "radio") {
    const group = (el.form ? el.form.id || "form" : "doc") + ":" + el.name;
    const first = document.querySelector(`[data-kbd-group="${CSS.escape(group)}"]`);
    if (first) id = first.getAttribute("data-kbd");
  }
  const label = (el.innerText || el.value || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 40);
  return {id, ring, visible: el.matches(":focus-visible"),
          what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (label ? ` “${label}”` : "")};
}"""


def keyboard_problems(page: Page) -> list[str]:
    """Tabs through the whole page from its start. Returns what is wrong: controls that Tab never
    reaches, and controls that take the focus without showing it."""
    count = page.evaluate(_MARK_CONTROLS)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    # Start before the first element of the document, as a freshly loaded page does.
    page.evaluate(
        "() => { const s = document.createElement('span'); s.tabIndex = -1; s.id = 'kbd-start';"
        " document.body.prepend(s); s.focus(); }"
    )
    reached: set[str] = set()
    shown: dict[str, bool] = {}  # each control that took the focus: did it show it at least once
    names: dict[str, str] = {}
    first_seen = None
    previous = None
    # A date field takes several stops (day, month, year, the calendar button drawn inside it).
    for _ in range(3 * count + 40):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None:
            previous = None
            continue
        key = focused["id"] if focused["id"] is not None else focused["what"]
        if key == first_seen and key != previous:
            break  # round the page once
        first_seen = first_seen or key
        previous = key
        if focused["id"] is not None:
            reached.add(focused["id"])
        names[key] = focused["what"]
        shown[key] = shown.get(key, False) or (focused["visible"] and focused["ring"])
    page.evaluate("() => document.getElementById('kbd-start')?.remove()")
    problems = [f"{names[key]} takes the focus without showing it" for key, ok in shown.items() if not ok]
    missing = [str(n) for n in range(count) if str(n) not in reached]
    if missing:
        names = page.evaluate(
            """(ids) => ids.map((id) => {
              const el = document.querySelector(`[data-kbd="${id}"]`);
              const text = el.innerText || el.value || el.getAttribute("aria-label") || el.name || "";
              return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " “" + text.trim().slice(0, 40) + "”";
            })""",
            missing[:10],
        )
        problems.append(f"{len(missing)} of {count} controls never reached by Tab: " + ", ".join(names))
    return problems
