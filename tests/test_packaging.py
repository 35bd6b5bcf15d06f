"""The wheel holds every module of the source tree: a package a hand-kept list forgets breaks `import ocrvl`
for every user of a normal install, while editable installs (and so the rest of this suite) hide it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The stage folders as the design fixes them: each installs as this sub-package of ocrvl.
STAGE_FOLDERS = {"ocrvl": "ocrvl", "layout": "ocrvl.layout", "recognition": "ocrvl.recognition",
                 "postprocess": "ocrvl.postprocess", "models": "ocrvl.models"}  # fmt: skip


def source_modules() -> set[str]:
    modules = set()
    for folder, package in STAGE_FOLDERS.items():
        for file in (ROOT / folder).rglob("*.py"):
            parts = file.relative_to(ROOT / folder).with_suffix("").parts
            modules.add(".".join((package, *parts)))
    return modules


def wheel_modules(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name[: -len(".py")].replace("/", ".") for name in archive.namelist() if name.endswith(".py")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel CI built (OCRVL_WHEEL), else one built here from the checkout."""
    given = os.environ.get("OCRVL_WHEEL")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("wheel")
    build_dir_existed = (ROOT / "build").exists()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)  # fmt: skip
    if not build_dir_existed:  # setuptools builds in the checkout; leave it as it was
        shutil.rmtree(ROOT / "build", ignore_errors=True)
    return next(out.glob("ocrvl-*.whl"))


def test_wheel_holds_every_source_module(wheel):
    in_wheel = wheel_modules(wheel)
    missing = sorted(source_modules() - in_wheel)
    assert not missing, f"modules of the source tree missing from {wheel.name}: {missing}"
    assert {"ocrvl.cli", "ocrvl.inference.core", "ocrvl.serve.app", "ocrvl.layout.ppdoclayout.model"} <= in_wheel


def test_wheel_installs_nothing_at_the_top_but_ocrvl(wheel):
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"ocrvl"}
