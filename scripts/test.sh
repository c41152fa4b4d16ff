#!/usr/bin/env bash
# The whole test suite: Rust unit, snapshot and integration tests, then the Python
# fidelity tests that drive the emulator with the official Azure SDK clients.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
cargo test --workspace --doc
if [ -d tests/python ] && ls tests/python/test_*.py >/dev/null 2>&1; then
  cargo build --quiet --bin azlift
  python3 -m pytest -q tests/python
fi
