#!/usr/bin/env bash
# Every test of the collection, in the order a failure is cheapest to find:
#   changelog + docs lint, ansible-test sanity, unit tests, emulator tests, integration tests
#   against the emulator, the live acceptance suite against the emulator (tests/live: the guide end to end and the
#   probes of unsettled facts; a real account only with ALICLOUD_LIVE=1, see tests/live/README.md), the reliability suite (faults, races, bad input, secrets; it renders docs/reliability.md),
#   the benchmark's smoke version (API call budgets of a 100-instance converge),
#   ansible-lint, then build/install/ansible-doc/ansible-builder checks. Without arguments some run two or three at once
#   (the default steps below), so that the whole run stays under 20 minutes on 2 cores (docs/developing.md, Tests).
# Usage: tools/test.sh [step ...]   (steps: lint sanity units emulator integration live reliability bench-smoke ansible-lint package)
#   INTEGRATION_TARGETS="ram_role ram_policy" tools/test.sh integration   runs only those targets, in one run
#   INTEGRATION_GROUPS="a b;c" tools/test.sh integration   runs groups "a b", "c" and every other target at once ("": one)
#   tools/test.sh sanity+units   runs both steps at the same time (each in its own workspace)
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
# "a+b": steps a and b at the same time (each a tools/test.sh of its own, in its own workspace), their output printed
# in turn once both ended; the pair fails if either does. The full run pairs steps that each keep about one core busy.
[ ${#steps[@]} -gt 0 ] || steps=(lint sanity+units+emulator+live integration reliability bench-smoke+ansible-lint+package)

# a fresh workspace per run (several runs may go on at once); removed at exit unless KEEP_WS=1
DEST=$(tools/workspace.sh)
WS=$(dirname "$(dirname "$(dirname "$DEST")")")
[ "${KEEP_WS:-0}" = 1 ] || trap 'rm -rf "$WS"' EXIT
export ANSIBLE_COLLECTIONS_PATH="$WS"
cd "$DEST"

# ansible-test integration in the collection tree $1 (targets: the other arguments), with an emulator of its own
integration_run() {
  local tree=$1; shift
  (cd "$tree" && ANSIBLE_COLLECTIONS_PATH="${tree%/ansible_collections/*}" \
    python tools/with_emulator.py --config-out tests/integration/integration_config.yml -- \
    ansible-test integration --python 3.11 --local --color no "$@")
}

# The integration targets in groups run at the same time, each group in its own workspace copy with its own emulator:
# much of a target's time is spent waiting (the emulator's delays, the modules' waits, nested ansible-playbook
# start-up), so two groups share two cores well. INTEGRATION_GROUPS: groups of targets separated by ";"; one more
# group runs every target none of them names (ansible-test's --exclude), so a new target is never left out.
# Each group's output goes to $INTEGRATION_LOG_DIR/<n>.log: printed in full when the group failed, else its recaps.
# the two role targets and two short ones: the groups of a full run end within a minute of each other
INTEGRATION_GROUPS=${INTEGRATION_GROUPS-role_kms_access role_kms_access_app lookup_kms_secret ram_role_policy_attachment}
integration_groups() {
  local logs=${INTEGRATION_LOG_DIR:-$SRC/build/integration} groups=() excluded=() pids=() i n failed=0 group target tree
  rm -rf "$logs" && mkdir -p "$logs"
  IFS=';' read -r -a groups <<< "$INTEGRATION_GROUPS"
  for group in "${groups[@]}"; do for target in $group; do excluded+=(--exclude "$target"); done; done
  groups+=("${excluded[*]}")
  for i in "${!groups[@]}"; do
    n=$((i + 1))
    if [ "$i" = 0 ]; then tree=$DEST; else tree=$(WS="$WS/integration-$n" "$SRC/tools/workspace.sh"); fi
    # shellcheck disable=SC2086  # a group is a list of targets or of --exclude options
    (s0=$(date +%s) rc=0; integration_run "$tree" ${groups[$i]} || rc=$?
     echo "=== group $n: exit code $rc after $(( $(date +%s) - s0 )) s"; exit "$rc") > "$logs/$n.log" 2>&1 &
    pids+=($!)
    echo "group $n (${groups[$i]:-every target}): log $logs/$n.log"
  done
  for i in "${!pids[@]}"; do
    n=$((i + 1))
    if wait "${pids[$i]}"; then
      grep -E '^Running .* integration test role|^testhost +:|^=== group' "$logs/$n.log" || true
    else
      failed=1
      echo "--- group $n failed (${groups[$i]:-every target}); its output:"
      cat "$logs/$n.log"
    fi
  done
  return "$failed"
}

# steps run at once: "$@" (names), each by a tools/test.sh of its own; logs in $STEP_LOG_DIR
parallel_steps() {
  local logs=${STEP_LOG_DIR:-$SRC/build/steps} pids=() i failed=0 name
  mkdir -p "$logs"
  for name in "$@"; do
    "$SRC/tools/test.sh" "$name" > "$logs/$name.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    name=${*:$((i + 1)):1}
    if wait "${pids[$i]}"; then echo "--- $name passed (log $logs/$name.log):"; else failed=1; echo "--- $name FAILED (log $logs/$name.log):"; fi
    cat "$logs/$name.log"
  done
  return "$failed"
}

for s in "${steps[@]}"; do
  if [[ $s == *+* ]]; then
    step "at once: ${s//+/, }"
    parallel_steps ${s//+/ }
    continue
  fi
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
      if [ -n "${INTEGRATION_TARGETS:-}" ]; then
        step "ansible-test integration (against the emulator): $INTEGRATION_TARGETS"
        integration_run "$DEST" ${INTEGRATION_TARGETS}
      else
        step "ansible-test integration (against the emulator), groups at once: ${INTEGRATION_GROUPS:+${INTEGRATION_GROUPS//;/ | } | }every other target"
        integration_groups
      fi
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
all="${steps[*]}"; all=(${all//+/ }); step "all ${#all[@]} steps passed"
