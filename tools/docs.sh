#!/usr/bin/env bash
# Render the collection's documentation (modules, lookup, role, README) to HTML with antsibull-docs
# and Sphinx, into docs/_build/html. Not part of `make test` (which lints the same docs).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
export PATH="$SRC/.venv/bin:$PATH"
DEST=$(tools/workspace.sh)
WS=$(dirname "$(dirname "$(dirname "$DEST")")")
trap 'rm -rf "$WS"' EXIT
export ANSIBLE_COLLECTIONS_PATH="$WS"
SITE="$WS/sphinx"
mkdir -m 700 "$SITE"
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --lenient \
  --title "alicloud.instance_ram" --project "alicloud.instance_ram" --dest-dir "$SITE" alicloud.instance_ram
python -m pip install -q --disable-pip-version-check -r "$SITE/requirements.txt"
(cd "$SITE" && ./build.sh >/dev/null)
rm -rf docs/_build/html && mkdir -p docs/_build && cp -r "$SITE/build/html" docs/_build/html
echo "docs: $(find docs/_build/html -name '*.html' | wc -l) HTML pages in docs/_build/html (open docs/_build/html/index.html)"
