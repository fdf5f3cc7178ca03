#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment with the pinned tool chain.
# Idempotent: a stamp keyed on the requirement files skips the install when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
stamp="$VENV/.requirements.sha256"
want=$(cat tools/requirements-dev.txt requirements.txt tests/emulator/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "bootstrap: creating $VENV with $("$PY" --version 2>&1)"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r tools/requirements-dev.txt
# the emulator (tests/emulator/pyproject.toml), editable: tools and tests import alicloud_emulator from this checkout
"$VENV/bin/python" -m pip install -qq --disable-pip-version-check -e tests/emulator
echo "$want" > "$stamp"
