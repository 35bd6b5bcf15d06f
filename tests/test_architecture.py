"""The house rules of the code's layout, checked on the source: dependencies flow one way, the product never
imports its test tools."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = {"layout": "ocrvl.layout", "recognition": "ocrvl.recognition", "postprocess": "ocrvl.postprocess",
          "models": "ocrvl.models"}  # fmt: skip
# What every stage may use: shared types and rules, and the model code below them (DESIGN.md's flow).
SHARED = ("ocrvl.types", "ocrvl.geometry", "ocrvl.sideways", "ocrvl.labels", "ocrvl.errors", "ocrvl.latex",
          "ocrvl.lazy", "ocrvl.log", "ocrvl.cjk", "ocrvl.sentences", "ocrvl.onnx_graphs",
          "ocrvl.image_sample")  # fmt: skip
LOWER = ("ocrvl.models",)


def imports(file: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name == "ocrvl" or name.startswith("ocrvl.")]


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


def test_stages_import_only_themselves_shared_modules_and_the_models():
    wrong = []
    for folder, package in STAGES.items():
        allowed = (package, *SHARED, *(LOWER if package not in LOWER else ()))
        for file in sorted((ROOT / folder).rglob("*.py")):
            wrong += [f"{file.relative_to(ROOT)}:{line} imports {name}" for line, name in imports(file)
                      if not within(name, allowed)]  # fmt: skip
    assert not wrong, "a stage reaches outside its room:\n" + "\n".join(wrong)


def test_the_product_never_imports_its_test_tools():
    product = [ROOT / "ocrvl", *(ROOT / folder for folder in STAGES)]
    wrong = [
        f"{file.relative_to(ROOT)}:{line} imports {name}"
        for folder in product
        for file in sorted(folder.rglob("*.py"))
        if "testing" not in file.relative_to(ROOT).parts
        for line, name in imports(file)
        if within(name, ("ocrvl.testing",))
    ]
    assert not wrong, "\n".join(wrong)
