"""A small reader of the HTML a page answers with, for tests that look at forms: what each field
holds, the errors beside the fields and in the summary. (The standard library's parser, made into
a tree; no dependency.)"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list["Element | str"] = field(default_factory=list)
    parent: "Element | None" = None

    @property
    def text(self) -> str:
        return " ".join(" ".join((c if isinstance(c, str) else c.text).split()) for c in self.children if c).strip()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list["Element"]:
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and all(
                (e.attrs.get(k.rstrip("_")) == v) if v is not True else k.rstrip("_") in e.attrs
                for k, v in attrs.items()
            )
        ]

    def by_id(self, id_: str) -> "Element | None":
        return next((e for e in self.iter() if e.attrs.get("id") == id_), None)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, parent=self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str | bytes) -> Element:
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    return builder.root


def values(form: Element) -> dict[str, list[str]]:
    """What a browser would send for the form as shown (every named field, checked boxes only)."""
    sent: dict[str, list[str]] = {}
    for element in form.iter():
        name = element.attrs.get("name")
        if not name or "disabled" in element.attrs:
            continue
        if element.tag == "input":
            kind = element.attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in element.attrs:
                    sent.setdefault(name, []).append(element.attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file", "password"):
                sent.setdefault(name, []).append(element.attrs.get("value", ""))
        elif element.tag == "textarea":
            raw = "".join(c for c in element.children if isinstance(c, str))
            sent.setdefault(name, []).append(raw.removeprefix("\r").removeprefix("\n"))
        elif element.tag == "select":
            chosen = [o.attrs.get("value", o.text) for o in element.find_all("option") if "selected" in o.attrs]
            sent.setdefault(name, []).extend(chosen)
    return sent


def summary_links(page: Element) -> dict[str, str]:
    """The error summaries' links: the field id each leads to, and its words."""
    links = {}
    for box in page.iter():
        if "data-error-summary" in box.attrs:
            for link in box.find_all("a"):
                links[link.attrs["href"].removeprefix("#")] = link.text
    return links


def summary(html: str | bytes) -> list[str]:
    """The words of the error summary of a page shown again after a refused form (nothing saved)."""
    page = parse(html)
    boxes = [e for e in page.iter() if "data-error-summary" in e.attrs]
    assert len(boxes) == 1, f"{len(boxes)} error summaries"
    return [item.text for item in boxes[0].find_all("li")]
