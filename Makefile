# alicloud.instance_ram — developer entry points. Every target sets up what it needs.
.PHONY: demo test sanity units emulator-tests integration live lint ansible-lint package docs bench venv clean

venv:
	@tools/bootstrap.sh

## demo: start the emulator with a demo fleet, run playbooks/site.yml twice, verify, stop
demo: venv
	@tools/demo.sh

## test: every test (what CI runs)
test:
	@tools/test.sh

sanity:
	@tools/test.sh sanity

units:
	@tools/test.sh units

emulator-tests:
	@tools/test.sh emulator

integration:
	@tools/test.sh integration

## live: the live acceptance suite (tests/live): against the emulator, or a real account with ALICLOUD_LIVE=1
live:
	@tools/test.sh live

lint:
	@tools/test.sh lint ansible-lint

package:
	@tools/test.sh package

## docs: render the collection documentation to HTML in docs/_build/html
docs: venv
	@tools/docs.sh

## bench: fleet converge and module start-up benchmarks (writes docs/performance.md)
bench: venv
	@tools/bench.sh

clean:
	rm -rf build tests/output .ansible
