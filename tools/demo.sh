#!/usr/bin/env bash
# The main job: provision the whole guide with playbooks/site.yml against the built-in emulator, with a demo fleet.
# Check mode, the real run, an idempotent rerun and the verification from every instance; a summary of each run's
# changes and API calls. Exits non-zero when anything is not as expected. Options: tools/demo.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
exec .venv/bin/python tools/demo.py "$@"
