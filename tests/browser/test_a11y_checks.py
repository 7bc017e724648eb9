"""The checks every journey runs on every page find what they are meant to find (a check that
cannot fail proves nothing), and axe-core is only ever used as the registry published it."""

import gzip
import io
import tarfile

import pytest

from . import a11y

CLEAN = """<!DOCTYPE html><html lang="en"><head><title>Clean</title></head><body>
<header><a href="#main">Skip</a></header>
<main id="main"><h1>A clean page</h1>
<form><label for="q">Name</label><input id="q" type="text"><input type="date" aria-label="Birth date">
<fieldset><legend>Urgency</legend>
<label><input type="radio" name="u" value="1"> Normal</label><label><input type="radio" name="u" value="2"> High</label>
</fieldset>
<details><summary>More</summary><a href="#hidden-until-open">inside</a></details>
<button type="submit">Search</button></form></main></body></html>"""


@pytest.mark.browser
def test_a_clean_page_passes_every_check(page, axe_core):
    page.set_viewport_size({"width": 360, "height": 740})
    page.set_content(CLEAN)
    assert a11y.axe_violations(page) == []
    assert a11y.sideways_overflow(page) is None
    assert a11y.keyboard_problems(page) == []


@pytest.mark.browser
def test_axe_reports_an_unlabelled_field_and_an_image_without_text(page, axe_core):
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
        '<h1>t</h1><input type="text"><img src="data:,"></main></body></html>'
    )
    violations = a11y.axe_violations(page)
    assert {v["id"] for v in violations} >= {"label", "image-alt"}
    assert all(v["impact"] in ("serious", "critical") for v in violations)
    assert "label" in a11y.describe_violations(violations) and "input" in a11y.describe_violations(violations)


@pytest.mark.browser
def test_a_wide_table_at_phone_width_is_named_as_what_scrolls_sideways(page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.set_content('<main><table class="wide"><tr><td><div style="width: 900px">x</div></td></tr></table></main>')
    overflow = a11y.sideways_overflow(page)
    assert overflow is not None and "in a 360 px window" in overflow and "table.wide" in overflow
    # The same table inside a box that scrolls on its own keeps the page still.
    wide_table = '<table><tr><td><div style="width: 900px">x</div></td></tr></table>'
    page.set_content(f'<main><div style="overflow-x: auto">{wide_table}</div></main>')
    assert a11y.sideways_overflow(page) is None


@pytest.mark.browser
def test_a_control_that_hides_its_focus_is_reported(page):
    page.set_content(
        "<style>.bare:focus { outline: none; }</style>"
        '<main><a href="#a">fine</a><button class="bare">Hidden focus</button></main>'
    )
    assert a11y.keyboard_problems(page) == ["button “Hidden focus” takes the focus without showing it"]
    # A focus shown another way (a shadow) is a focus shown.
    page.set_content(
        "<style>.ring:focus { outline: none; } .ring:focus-visible { box-shadow: 0 0 0 3px #000; }</style>"
        '<main><button class="ring">Shadow</button></main>'
    )
    assert a11y.keyboard_problems(page) == []


@pytest.mark.browser
def test_controls_that_tab_never_reaches_are_reported(page):
    # A keyboard trap: Tab never gets past the first field.
    page.set_content(
        "<main><input id=trap aria-label=trap><button>After the trap</button><a href='#x'>Link after</a></main>"
    )
    page.evaluate(
        "() => document.getElementById('trap').addEventListener('keydown',"
        " (e) => { if (e.key === 'Tab') e.preventDefault(); })"
    )
    problems = a11y.keyboard_problems(page)
    assert len(problems) == 1
    assert problems[0].startswith("2 of 3 controls never reached by Tab")
    assert "After the trap" in problems[0] and "Link after" in problems[0]


# --- axe-core from the registry, only as published


def tarball(content: bytes = b"window.axe = {};") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("package/axe.min.js")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return gzip.compress(buffer.getvalue())


def test_a_download_that_does_not_match_the_pinned_integrity_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(a11y, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(a11y, "_download", lambda url: tarball(b"window.axe = 'tampered';"))
    with pytest.raises(a11y.AxeUnavailable, match="does not match its pinned integrity"):
        a11y.axe_source.__wrapped__()
    assert list(tmp_path.iterdir()) == []  # nothing unverified is kept


def test_a_tampered_cache_is_downloaded_again_and_checked(tmp_path, monkeypatch):
    good = tarball(b"window.axe = 'as published';")
    monkeypatch.setattr(a11y, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(a11y, "AXE_INTEGRITY", a11y._integrity_of(good))
    (tmp_path / f"axe-core-{a11y.AXE_VERSION}.tgz").write_bytes(tarball(b"window.axe = 'tampered';"))
    monkeypatch.setattr(a11y, "_download", lambda url: good)
    assert a11y.axe_source.__wrapped__() == "window.axe = 'as published';"
    assert (tmp_path / f"axe-core-{a11y.AXE_VERSION}.tgz").read_bytes() == good


def test_without_network_the_reason_and_the_way_out_are_named(tmp_path, monkeypatch):
    def offline(url):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(a11y, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(a11y, "_download", offline)
    with pytest.raises(a11y.AxeUnavailable) as refused:
        a11y.axe_source.__wrapped__()
    assert "Network is unreachable" in str(refused.value) and a11y.AXE_TARBALL in str(refused.value)
    assert str(tmp_path / f"axe-core-{a11y.AXE_VERSION}.tgz") in str(refused.value)
