# Tactus: the two commands a new user needs.
#   make run    installs what is missing, builds release, renders the first score
#   make test   installs what is missing, runs every test (no sound card needed)

SHELL := /bin/bash
CARGO ?= cargo
JOBS ?= 2
# System packages: ALSA headers (cpal, midir), cmake + libclang (rusty_link),
# pkg-config, and sox (tests read rendered WAVs back with an independent tool).
APT_PACKAGES := libasound2-dev pkg-config cmake libclang-dev sox tmux
BREW_LINE := brew install cmake llvm pkg-config sox

.PHONY: run test deps build check-toolchain clean

run: deps build
	./target/release/tactus render scripts/first.rhai -o first.wav
	@echo "Wrote first.wav. Listen with any player (e.g. 'play first.wav'), or edit scripts/first.rhai and run 'make run' again."

test: deps
	$(CARGO) test -j$(JOBS) --release

build: check-toolchain
	$(CARGO) build -j$(JOBS) --release

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
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null && \
	  echo "Installed:$$missing"; \
	fi

check-toolchain:
	@command -v $(CARGO) >/dev/null || { echo "Tactus needs the Rust toolchain (cargo): see https://rustup.rs"; exit 1; }

clean:
	$(CARGO) clean
