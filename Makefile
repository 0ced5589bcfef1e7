# Tactus: the two commands a new user needs.
#   make run    installs what is missing, builds release, starts the REPL with scripts/demo.rhai watched
#   make test   installs what is missing, runs every test (no sound card needed)

SHELL := /bin/bash
CARGO ?= cargo
JOBS ?= 2
# System packages: ALSA headers (cpal, midir), cmake + libclang (rusty_link),
# pkg-config, sox (tests read rendered WAVs back with an independent tool),
# tmux (the REPL tests), and JACK (a dummy server gives the tests a real-time
# audio device; the `jack` feature builds against libjack), and python3-mido
# (an independent MIDI-file writer the tests import files from), and iproute2
# (the Link tests bring up loopback in a network namespace of their own),
# and gcc and python3 (the benchmark comparison's generators and C reference,
# bench/, are built and checked; Csound and scsynth are not installed here).
APT_PACKAGES := libasound2-dev pkg-config cmake libclang-dev sox tmux jackd2 jack-capture libjack-jackd2-dev python3-mido iproute2 gcc python3
BREW_LINE := brew install cmake llvm pkg-config sox tmux jack

.PHONY: run test deps build check-toolchain clean

run: deps build
	./target/release/tactus scripts/demo.rhai

# Tests use JACK for MIDI too (these machines have no ALSA sequencer); the
# ALSA-sequencer build that `make run` uses is type-checked as well.
# The tests timed on the wall clock (real-time pace, JACK, Link, the REPL in
# tmux) run after the others, one at a time with nothing beside them, and a
# failed one once or twice again: tests/run_wall_clock.sh says why.
TEST_FLAGS = -j$(JOBS) --release --features jack,midi-jack

test: deps
	$(CARGO) test $(TEST_FLAGS) -- --exact $(addprefix --skip ,$(shell sh tests/wall_clock_tests.sh))
	CARGO=$(CARGO) bash tests/run_wall_clock.sh $(TEST_FLAGS)
	$(CARGO) check -j$(JOBS) --release --features jack
	$(CARGO) check -j$(JOBS) --release -p tactus-kernels --benches

build: check-toolchain
	$(CARGO) build -j$(JOBS) --release --features jack

deps: check-toolchain
	@if [ "$$(uname -s)" = Darwin ]; then \
	  echo "On macOS install the system packages with:"; echo "  $(BREW_LINE)"; exit 0; \
	fi; \
	missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "Installing system packages:$$missing"; \
	  echo "jackd2 jackd/tweak_rt_limits boolean false" | $$SUDO debconf-set-selections; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null && \
	  echo "Installed:$$missing"; \
	fi

check-toolchain:
	@command -v $(CARGO) >/dev/null || { echo "Tactus needs the Rust toolchain (cargo): see https://rustup.rs"; exit 1; }

clean:
	$(CARGO) clean
