"""Where the project's read-only reference data lives (`../shared/data/`: HTCDS v2.0, CTDC): beside
the repository, as on the development machines and in CI. A clone elsewhere (a fresh clone in /tmp)
finds it through `REINTEGRA_SHARED_DIR`, or at /work/shared."""

import os
from pathlib import Path


def shared_data() -> Path:
    named = os.environ.get("REINTEGRA_SHARED_DIR")
    here = Path(__file__).resolve()
    candidates = ([Path(named)] if named else []) + [p / "shared" for p in here.parents] + [Path("/work/shared")]
    for candidate in candidates:
        if (candidate / "data" / "htcds").is_dir():
            return candidate / "data"
    raise FileNotFoundError(
        "The reference data ../shared/data/ (HTCDS, CTDC) is not beside the repository; "
        "set REINTEGRA_SHARED_DIR to the folder that holds data/."
    )
