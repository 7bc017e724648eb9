"""The layers of docs/architecture.md hold, and the import contracts would catch an upward import."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    # The checker reads pyproject.toml in `cwd` and analyses the `reintegra` package found there.
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_every_import_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def copy_of_the_code(tmp_path):
    shutil.copytree(ROOT / "reintegra", tmp_path / "reintegra", ignore=shutil.ignore_patterns("__pycache__", "locale"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "upward_import", "contract"),
    [
        ("cases/services.py", "from reintegra.plans import services as _plans", "The apps depend one way"),
        ("referrals/services.py", "from reintegra.access import case_get_for_user as _get", "never import pages"),
        ("cases/models.py", "from reintegra.cases import views as _views", "never import pages"),
        ("matching/flow.py", "import django as _django", "The matching engine is plain Python"),
        ("cases/views.py", "from reintegra.demo import network as _demo", "Only the demo command imports the demo"),
    ],
)
def test_an_upward_import_breaks_a_contract(copy_of_the_code, module, upward_import, contract):
    path = copy_of_the_code / "reintegra" / module
    path.write_text(path.read_text() + f"\n{upward_import}  # noqa\n")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
