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
export ANSIBLE_COLLECTIONS_PATH="$INSTALLED"
ansible-galaxy collection install --offline --force "$tarball" -p "$INSTALLED" >/dev/null
modules=$(ansible-doc -t module -l alicloud.instance_ram | awk '{print $1}')
[ -n "$modules" ] || { echo "package_check: ansible-doc lists no module" >&2; exit 1; }
# one ansible-doc per plugin type renders every plugin named (it fails on any that cannot be documented)
# shellcheck disable=SC2086  # word splitting: one argument per plugin
ansible-doc -t module $modules >/dev/null
# every plugin type the collection ships, each plugin rendered (a type with no plugin in the tarball fails)
for type in $(ls plugins | grep -vE '^(module_utils|plugin_utils|doc_fragments|modules|action)$'); do
  plugins=$(ansible-doc -t "$type" -l alicloud.instance_ram | awk '{print $1}')
  [ -n "$plugins" ] || { echo "package_check: ansible-doc lists no $type plugin" >&2; exit 1; }
  # shellcheck disable=SC2086
  ansible-doc -t "$type" $plugins >/dev/null
  echo "ansible-doc: $(echo "$plugins" | wc -w) $type plugin(s) documented"
done
# the role list names each role ("ns.name.role:") with its entry points indented below it
roles=$(ansible-doc -t role -l alicloud.instance_ram | sed -n 's/^\([^ ].*\):$/\1/p')
[ -n "$roles" ] || { echo "package_check: ansible-doc lists no role" >&2; exit 1; }
# shellcheck disable=SC2086
ansible-doc -t role $roles >/dev/null
echo "ansible-doc: $(echo "$modules" | wc -w) modules documented"
# the playbook of the installed collection, by its FQCN, against the emulator
python tools/site_smoke.py

# Execution environment: the installed collection declares its Python requirements ...
introspect=$(ansible-builder introspect --sanitize "$INSTALLED")
echo "$introspect"
for pkg in $(grep -vE '^\s*(#|$)' requirements.txt | sed -E 's/[<>=!~ ].*//'); do
  echo "$introspect" | grep -q "$pkg.*# from collection alicloud.instance_ram" \
    || { echo "package_check: ansible-builder introspect does not list $pkg from alicloud.instance_ram" >&2; exit 1; }
done
# ... and the example EE definition yields a build context
ansible-builder create -f docs/execution-environment.yml -c "$WORK/ee-context" --output-filename Containerfile >/dev/null
grep -q 'alicloud.instance_ram' "$WORK/ee-context/_build/requirements.yml"
[ -s "$WORK/ee-context/Containerfile" ]
echo "ansible-builder: introspect lists the collection's requirements; create wrote $WORK/ee-context/Containerfile"
