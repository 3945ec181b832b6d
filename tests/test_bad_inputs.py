"""The corpus of bad inputs (tests/bad_inputs/cases.yaml): every one is exactly one line on
stderr, exit code 2, no traceback, and nothing written to disk."""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from sim.cli import app

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = YAML(typ="safe").load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under `folder` (links as links) with a hash of its contents."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            rel = str(p.relative_to(folder))
            out[rel] = ("link:" + os.readlink(p)) if p.is_symlink() else "dir" if p.is_dir() else hashlib.sha1(p.read_bytes()).hexdigest()
    return out


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> Path:
    """A copy of the corpus as the working folder (so a stray write would land in it)."""
    here = tmp_path / "bad_inputs"
    shutil.copytree(CORPUS, here, symlinks=True)
    monkeypatch.chdir(here)
    return here


def test_the_corpus_is_complete():
    assert len(CASES) >= 45
    used = {word for case in CASES for word in shlex.split(case["args"])}
    for f in CORPUS.iterdir():  # every file is used by a case (or by a file a case uses)
        assert f.name in used or f.name in ("cases.yaml", "secret.txt", "lever_latin1.py", "lever_syntax.py"), f.name


@pytest.mark.parametrize("case", CASES, ids=[c["args"] for c in CASES])
def test_a_bad_input_is_one_line_exit_2_and_writes_nothing(corpus, case):
    before = snapshot(corpus)
    result = CliRunner().invoke(app, shlex.split(case["args"]))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [case["line"]]
    assert result.stdout == "" and "Traceback" not in result.output
    assert snapshot(corpus) == before


def test_an_alias_bomb_is_refused_by_the_installed_command(corpus):
    """The 341-byte bomb, in a real process: one line, exit 2 (the timeout only guards the suite)."""
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "validate", "alias_bomb.yaml"], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [next(c["line"] for c in CASES if c["args"] == "validate alias_bomb.yaml")]


def test_an_oversized_file_is_refused_before_it_is_parsed(corpus):
    big = corpus / "big.yaml"
    big.write_text("name: big\ndescription: " + "x" * 2_000_000 + "\n")
    before = snapshot(corpus)
    result = CliRunner().invoke(app, ["validate", "big.yaml"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["big.yaml: is 2.0 MB, too large for a scenario YAML file (at most 1 MB) — keep "
                                          "large data such as an edge list in its own file"]
    assert snapshot(corpus) == before


def test_edge_list_errors_never_echo_the_file(corpus):
    line = next(c["line"] for c in CASES if "edge_list_contents" in c["args"])
    assert "SECRET" not in line and "root" not in line

