# omi-bridge — the two commands a new user needs are `make demo` and `make test`.
SWIFT ?= swift
BIN    = .build/debug/omi-bridge
DEMO   = demo-out

.PHONY: all bootstrap build test demo bench bench-ring format clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

test: build
	$(SWIFT) test

# The main job on embedded defaults. Until the BLE client lands, the demo synthesizes speech with espeak-ng,
# encodes it exactly as an Omi CV1 would send it (with 3% packet loss), and replays it through the live pipeline
# in real time. DEMO_SPEED=max replays as fast as possible.
DEMO_SPEED ?= 1
demo: build
	@scripts/demo "$(DEMO)" "$(DEMO_SPEED)"

bench: bootstrap
	@bench/run

format:
	$(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build $(DEMO)
