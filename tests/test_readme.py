"""README's option tables are generated from the option fields (the one place each option is described): a field
added, renamed or re-described without the README following fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ocrvl.cluster.options import ClusterOptions
from ocrvl.flags import markdown_table
from ocrvl.inference.options import InferenceOptions
from ocrvl.options import PipelineOptions
from ocrvl.serve.options import ServeOptions

README = Path(__file__).resolve().parents[1] / "README.md"
GENERATED = re.compile(
    r"<!-- generated from (\w+): see tests/test_readme.py -->\n(.*?)\n<!-- end of generated table -->", re.DOTALL
)
OPTION_CLASSES = {cls.__name__: cls for cls in (PipelineOptions, InferenceOptions, ServeOptions, ClusterOptions)}


def readme_tables() -> dict[str, str]:
    return dict(GENERATED.findall(README.read_text(encoding="utf-8")))


def test_readme_has_one_generated_table_per_options_class():
    assert sorted(readme_tables()) == sorted(OPTION_CLASSES)


@pytest.mark.parametrize("name", sorted(OPTION_CLASSES))
def test_readme_table_is_what_the_fields_say(name):
    expected = markdown_table(OPTION_CLASSES[name])
    assert readme_tables()[name] == expected, (
        f"README's {name} table is out of date; regenerate it with\n"
        f"python -c 'from ocrvl.flags import markdown_table; from {OPTION_CLASSES[name].__module__} import {name}; "
        f"print(markdown_table({name}))'"
    )
