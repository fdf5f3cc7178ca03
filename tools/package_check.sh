#!/usr/bin/env bash
# Build the collection tarball, install it into a clean path, and check what a user of the
# tarball gets: ansible-doc for every plugin and role, and ansible-builder's view of the requirements.
# Usage: tools/package_check.sh WORKDIR   (run from the collection root)
set -euo pipefail
WORK=${1:?work directory}
DIST="$WORK/dist"; INSTALLED="$WORK/installed"
rm -rf "$DIST" "$INSTALLED"; mkdir -p "$DIST" "$INSTALLED"
ansible-galaxy collection build --force --output-path "$DIST" . >/dev/null
tarball=$(ls "$DIST"/alicloud-instance_ram-*.tar.gz)
echo "tarball: $(basename "$tarball") $(du -k "$tarball" | cut -f1) KiB, $(tar -tzf "$tarball" | wc -l) entries"
if tar -tzf "$tarball" | grep -E '(^|/)(\.venv|\.ci-venv|tests/output|__pycache__|\.pytest_cache|\.ansible|build)(/|$)|\.pyc$'; then
  echo "package_check: the tarball contains generated files (listed above)" >&2; exit 1
fi
ansible-galaxy collection install --offline --force "$tarball" -p "$INSTALLED" >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$INSTALLED"
modules=$(ansible-doc -t module -l alicloud.instance_ram | awk '{print $1}')
[ -n "$modules" ] || { echo "package_check: ansible-doc lists no module" >&2; exit 1; }
for m in $modules; do ansible-doc -t module "$m" >/dev/null; done
for l in $(ansible-doc -t lookup -l alicloud.instance_ram | awk '{print $1}'); do ansible-doc -t lookup "$l" >/dev/null; done
for r in $(ansible-doc -t role -l alicloud.instance_ram | awk '{print $1}' | tr -d ':'); do ansible-doc -t role "$r" >/dev/null; done
echo "ansible-doc: $(echo "$modules" | wc -w) modules documented"
