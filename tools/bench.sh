#!/usr/bin/env bash
# make bench: fleet converge (site.yml and the per-host way) and module start-up benchmarks against the emulator.
# Writes docs/performance.md and docs/performance.png (and build/bench/results.json, logs in build/bench/).
#   BENCH_QUICK=1 make bench          fewer sizes and runs (a few minutes)
#   BENCH_ARGS="--latency-ms 50" make bench   any option of tests/benchmarks/bench.py (--help), e.g. --skip perhost
# Every section of docs/performance.md comes from the one run (about 25 min on a quiet 2-core machine, most of it the
# per-host way with 1,000 hosts; BENCH_QUICK=1 a few minutes).
# matplotlib is installed into .venv here, for the plot only; `make test` never needs it. The peer of the comparison
# (tests/benchmarks/peer/) gets a venv of its own, build/bench/peer-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
.venv/bin/python -m pip install -q --disable-pip-version-check -r tests/benchmarks/requirements.txt
# the peer of the comparison (alibaba.alicloud + footmark) in a venv of its own, never in .venv
peer=build/bench/peer-venv
[ -x "$peer/bin/python" ] || "${PYTHON:-python3.11}" -m venv "$peer"
"$peer/bin/python" -m pip install -q --disable-pip-version-check -r tests/benchmarks/peer/requirements.txt
"$peer/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r tests/benchmarks/peer/requirements-nodeps.txt
# the peer makes the calls it is known for, and ours make theirs (call counts only), before anything is timed
.venv/bin/python -m pytest -q -p no:cacheprovider tests/benchmarks/peer_calls_check.py
args=()
[ "${BENCH_QUICK:-0}" = 1 ] && args+=(--quick)
# shellcheck disable=SC2206  # BENCH_ARGS is split on purpose
[ -n "${BENCH_ARGS:-}" ] && args+=(${BENCH_ARGS})
exec .venv/bin/python tests/benchmarks/bench.py "${args[@]}" "$@"
