"""centre.yaml is read with libyaml's safe loader where PyYAML has it: the same values as the
pure-Python safe loader on every generated centre, and the same refusals (anchors, aliases,
bad syntax) with their line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from schemas import dialect as dialect_module
from schemas.dialect import DialectError, load_dialect, read_dialect_yaml
from synthetic_registry import generate_registry


@pytest.fixture(scope="module")
def generated_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("landing")
    generate_registry(landing, seed=7, patients=60)
    return landing


def test_libyaml_loader_is_used_when_available() -> None:
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert dialect_module._SAFE_LOADER is expected


def test_every_generated_dialect_reads_as_with_the_pure_python_loader(
        generated_landing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted(generated_landing.glob("*/centre.yaml"))
    assert len(paths) >= 12
    fast = {p: (read_dialect_yaml(p), load_dialect(p)) for p in paths}
    monkeypatch.setattr(dialect_module, "_SAFE_LOADER", yaml.SafeLoader)
    for path, (raw, dialect) in fast.items():
        assert read_dialect_yaml(path) == raw, path
        assert load_dialect(path) == dialect, path


@pytest.mark.parametrize("loader", [yaml.SafeLoader, getattr(yaml, "CSafeLoader", None)])
@pytest.mark.parametrize(("text", "line", "message"), [
    ("centre_id: AAA\nfiles: &f {patients: p.csv}\nother: *f\n", 2, "anchors and aliases"),
    ("centre_id: AAA\nencoding: utf-8\nfiles: [p.csv,\n  x: }\n", None, "not valid YAML"),
])
def test_refusals_are_the_same_with_either_loader(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: type | None, text: str,
        line: int | None, message: str) -> None:
    if loader is None:
        pytest.skip("PyYAML built without libyaml")
    monkeypatch.setattr(dialect_module, "_SAFE_LOADER", loader)
    folder = tmp_path / "AAA"
    folder.mkdir()
    (folder / "centre.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DialectError, match=message) as caught:
        load_dialect(folder / "centre.yaml")
    if line is not None:
        assert f"line {line}:" in str(caught.value)
