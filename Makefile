# Two commands do everything: `make run` and `make test`. Each installs what is missing first.
SHELL := /bin/bash
CARGO ?= cargo
MNIST ?= ../shared/datasets/mnist

.PHONY: all bootstrap system-deps build run test e2e bench fuzz lint fmt clean-venv

all: build

# libtorch (from the PyPI torch wheel) once per user, linked into the project as .libtorch.
bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(CARGO) build --release

run: build
	$(CARGO) run --release --

# Debian packages the tests need (python3-venv, Mesa, Xvfb, xdotool, ImageMagick).
system-deps:
	@scripts/system-deps.sh

# The crates without libtorch test first, in debug and in parallel (seconds); then the binary's
# tests, which train, in release and one at a time (they share two cores with libtorch).
PLAIN_CRATES := -p cnn-workbench-spec -p cnn-workbench-protocol -p cnn-workbench-runs

test: system-deps bootstrap
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test $(PLAIN_CRATES)
	$(CARGO) test --release -p cnn-workbench -- --test-threads 1
	scripts/e2e.sh

# The window under Xvfb driven with real X input (xdotool): open, rename, Ctrl+S, Ctrl+Enter.
e2e: build
	scripts/e2e.sh

bench: build
	bench/run.sh $(MNIST)

# Every parser of outside input on 10,000 generated files each (make test runs 300 each).
FUZZ_CASES ?= 10000
fuzz: bootstrap
	FUZZ_CASES=$(FUZZ_CASES) $(CARGO) test --release --test fuzz -- --nocapture --test-threads 1

lint: bootstrap
	$(CARGO) clippy --workspace --all-targets -- -D warnings
