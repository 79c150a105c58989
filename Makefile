# omi-bridge — the two commands a new user needs are `make demo` and `make test`.
SWIFT ?= swift
BIN    = .build/debug/omi-bridge
DEMO   = demo-out

.PHONY: all bootstrap build test demo run bench bench-ring format clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

# The tests, then `make demo` end to end in its bounded, non-interactive mode (at 4x; exits 1 unless the example
# app got the transcript and its notification landed in the feed).
test: build
	$(SWIFT) test
	@scripts/demo .build/demo-check 4 --check

# The main job on embedded defaults (scripts/demo says each step): espeak-ng speech streamed by a simulated Omi on a
# private bus, the bridge's whole live pipeline, the example app in examples/, the feed. DEMO_SPEED=4 runs it at 4x.
DEMO_SPEED ?= 1
demo: build
	@scripts/demo "$(DEMO)" "$(DEMO_SPEED)"

# The same daemon against the system bus and a real Omi (docs/raspberry-pi.md for permissions).
CONFIG ?=
run: build
	$(BIN) run $(if $(CONFIG),--config $(CONFIG))

bench: bootstrap
	@bench/run

format:
	$(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build $(DEMO)
