"""The viewer's templates and static files are package data: a normal install (not only an editable one) can
write a viewer and serve the page."""

from __future__ import annotations

import zipfile

from tests.test_packaging import ROOT, wheel  # noqa: F401 - the wheel CI built, else one built here

VIEWER = ROOT / "ocrvl" / "viewer"


def test_the_wheel_holds_every_template_and_static_file(wheel):  # noqa: F811
    in_tree = {f"ocrvl/viewer/{p.relative_to(VIEWER).as_posix()}" for folder in ("templates", "static")
               for p in (VIEWER / folder).rglob("*") if p.is_file()}  # fmt: skip
    assert len(in_tree) >= 6
    with zipfile.ZipFile(wheel) as archive:
        missing = in_tree - set(archive.namelist())
    assert not missing, f"not in {wheel.name}: {sorted(missing)}"
