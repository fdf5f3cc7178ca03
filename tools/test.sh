#!/usr/bin/env bash
# Every test of the collection, in the order a failure is cheapest to find:
#   changelog + docs lint, ansible-test sanity, unit tests, emulator tests, integration tests
#   against the emulator, the live acceptance suite against the emulator (tests/live: the guide end to end and the
#   probes of unsettled facts; a real account only with ALICLOUD_LIVE=1, see tests/live/README.md), the reliability suite (faults, races, bad input, secrets; it renders docs/reliability.md),
#   the benchmark's smoke version (API call budgets of a 100-instance converge),
#   ansible-lint, then build/install/ansible-doc/ansible-builder checks.
# Usage: tools/test.sh [step ...]   (steps: lint sanity units emulator integration live reliability bench-smoke ansible-lint package)
#   INTEGRATION_TARGETS="ram_role ram_policy" tools/test.sh integration   runs only those targets
#   UNIT_TESTS="tests/unit/plugins/modules/test_ram_role.py" tools/test.sh units   runs only those files
#   RELIABILITY_DOC=$PWD/docs/reliability.md tools/test.sh reliability   writes the rendered page into this clone
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
t0=$(date +%s)
step() { printf '\n=== [%4ss] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }

tools/bootstrap.sh
export PATH="$SRC/.venv/bin:$PATH"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
python tools/ansible_test_setup.py

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(lint sanity units emulator integration live reliability bench-smoke ansible-lint package)

# a fresh workspace per run (several runs may go on at once); removed at exit unless KEEP_WS=1
DEST=$(tools/workspace.sh)
WS=$(dirname "$(dirname "$(dirname "$DEST")")")
[ "${KEEP_WS:-0}" = 1 ] || trap 'rm -rf "$WS"' EXIT
export ANSIBLE_COLLECTIONS_PATH="$WS"
cd "$DEST"

for s in "${steps[@]}"; do
  case "$s" in
    lint)
      step "changelog and documentation lint"
      antsibull-changelog lint
      antsibull-docs lint-collection-docs --plugin-docs .
      ;;
    sanity)
      step "ansible-test sanity"
      ansible-test sanity --python 3.11 --venv --color no
      ;;
    units)
      step "ansible-test units"
      ansible-test units --python 3.11 --local --color no ${UNIT_TESTS:-}
      ;;
    emulator)
      step "emulator tests"
      python -m pytest -q -p no:cacheprovider tests/emulator/tests
      ;;
    integration)
      step "ansible-test integration (against the emulator)"
      python tools/with_emulator.py --config-out tests/integration/integration_config.yml -- \
        ansible-test integration --python 3.11 --local --color no ${INTEGRATION_TARGETS:-}
      ;;
    live)
      step "live acceptance suite (the emulator unless ALICLOUD_LIVE=1; report in build/live/)"
      python -m pytest -q -p no:cacheprovider tests/live
      python tests/live/run_live.py --report-dir "${LIVE_REPORT_DIR:-$SRC/build/live}"
      ;;
    reliability)
      step "reliability suite: faults, races, bad input, secrets at -vvvv (each pytest worker starts its own emulator)"
      python -m pytest -q -p no:cacheprovider -n "${RELIABILITY_WORKERS:-4}" --basetemp "$WS/reliability-tmp" tests/reliability
      python tests/reliability/render_report.py tests/output/reliability --out "${RELIABILITY_DOC:-docs/reliability.md}"
      ;;
    bench-smoke)
      step "benchmark smoke: site.yml converges 100 instances within the API call budgets of issue 8"
      python -m pytest -q -p no:cacheprovider tests/benchmarks
      ;;
    ansible-lint)
      step "ansible-lint (production profile)"
      ansible-lint --nocolor -q
      ;;
    package)
      step "build, install, ansible-doc, ansible-builder"
      tools/package_check.sh "$WS"
      ;;
    *) echo "unknown step $s" >&2; exit 2 ;;
  esac
done
step "all ${#steps[@]} steps passed"
