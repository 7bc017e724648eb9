"""Django's form renderer, with the common widgets built in Python (settings.FORM_RENDERER).

Django renders a widget through its templates, a select through one include per option: a list of
the world's countries or currencies cost 9–14 ms of CPU each, and the case page, which holds every
action's form, spent half of its 160 ms in its 42 widgets (docs/benchmarks.md). The markup made
here is the templates' own, byte for byte, escaped and localised the same way: inputs of every
type, textareas, selects, and lists of checkboxes or radio buttons (tests/test_formrender.py
compares the two on every such widget and on the case page). Any other template, and a widget whose
options use a template of their own, goes through the templates as before.
"""

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape

WIDGETS = "django/forms/widgets/"
# The templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUTS = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "file",
        "checkbox",
    )
)
OPTIONS = frozenset({f"{WIDGETS}checkbox_option.html", f"{WIDGETS}radio_option.html"})


def _text(value: Any) -> str:
    """`{{ value }}`: localised, then escaped."""
    return str(conditional_escape(localize(value)))


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`."""
    return str(conditional_escape(str(value)))


def _attrs(attrs: dict[str, Any]) -> str:
    """attrs.html: ` name="value"`, a bare name for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict[str, Any]) -> str:
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{_text(group)}">')
        for option in options:
            if option["template_name"] != f"{WIDGETS}select_option.html":
                return None
            # select_option.html, which ends with a newline
            parts.append(f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>')
            parts.append(f"{_text(option['label'])}</option>\n")
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input_option(option: dict[str, Any]) -> str:
    """checkbox_option.html or radio_option.html: input_option.html and its newline, then their own."""
    html = _input(option) + "\n"  # input.html's own newline
    if option["wrap_label"]:
        id_ = option["attrs"].get("id")
        label_for = f' for="{_text(id_)}"' if id_ else ""
        html = f"<label{label_for}>{html} {_text(option['label'])}</label>"
    return html + "\n\n"


def _multiple(widget: dict[str, Any]) -> str | None:
    """multiple_input.html (checkbox_select.html, radio.html)."""
    id_, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    id_html = f' id="{_text(id_)}"' if id_ else ""
    class_html = f' class="{_text(css)}"' if css else ""
    parts = [f"<div{id_html}{class_html}>"]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            if option["template_name"] not in OPTIONS:
                return None
            parts.append(f"<div>\n    {_input_option(option)}</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


BUILDERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **dict.fromkeys(INPUTS, _input),
    f"{WIDGETS}textarea.html": _textarea,
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}checkbox_select.html": _multiple,
    f"{WIDGETS}radio.html": _multiple,
}


class FastRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        build = BUILDERS.get(template_name)
        html = build(context["widget"]) if build is not None else None
        if html is not None:
            return html
        return str(super().render(template_name, context, request=request))
