#!/usr/bin/env bash
# Copy the collection (tracked and untracked-but-not-ignored files) into
# <WS>/ansible_collections/alicloud/instance_ram, the layout ansible-test needs, and print that path.
# WS lies outside the repository: inside it, ansible-test would see the outer git tree and skip everything.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
WS=${WS:-$(mktemp -d "${TMPDIR:-/tmp}/alicloud-instance-ram-ws.XXXXXX")}
DEST="$WS/ansible_collections/alicloud/instance_ram"
rm -rf "$DEST"
mkdir -p "$DEST"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z -co --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -C "$DEST" -xf -
else
  tar --exclude=./.venv --exclude=./build --exclude=./tests/output --exclude=./.ansible -cf - . | tar -C "$DEST" -xf -
fi
echo "$DEST"
