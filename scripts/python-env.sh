#!/usr/bin/env bash
# The Python environments the fidelity tests run in, made on first use and brought up to date
# when a requirements file changes (a stamp holds the file's hash):
#   .venv     pytest and the official Azure SDK clients   (tests/python/requirements.txt)
#   .venv-az  the Azure CLI, the emulator's second judge  (tests/python/requirements-az.txt),
#             in an environment of its own because azure-cli pins other versions of the
#             same azure-mgmt-* packages than the SDK tests do.
# Used by scripts/test.sh and .ci/run; prints the paths of the two interpreters' bin folders.
set -euo pipefail
cd "$(dirname "$0")/.."

make_env() {
  local dir=$1 req=$2
  local stamp="$dir/.requirements.sha256"
  local want
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  echo "== python environment $dir from $req" >&2
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  echo "$want" >"$stamp"
}

make_env .venv tests/python/requirements.txt
make_env .venv-az tests/python/requirements-az.txt
