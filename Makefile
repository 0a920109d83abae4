# Two commands do everything: `make run` and `make test`. Each installs what is missing first.
SHELL := /bin/bash
CARGO ?= cargo
MNIST ?= ../shared/datasets/mnist

.PHONY: all bootstrap system-deps build run test e2e bench fuzz lint fmt clean-venv dist deb \
	dist-cuda dist-test gpu-check-build

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
	scripts/dist-test.sh

# The window under Xvfb driven with real X input (xdotool): open, rename, Ctrl+S, Ctrl+Enter.
e2e: build
	scripts/e2e.sh

# The install bundle: dist/cnn-workbench-<version>-linux-x86_64.tar.zst (binary, libtorch's CPU
# libraries, licences, desktop entry, icon), built in target/dist; `deb` adds the .deb.
dist: system-deps bootstrap
	scripts/dist.sh

deb: system-deps bootstrap
	scripts/dist.sh --deb

# The CUDA add-on pack for the bundle (libtorch_cuda and NVIDIA's libraries, about 2 GB).
dist-cuda: bootstrap
	scripts/dist-cuda.sh

# The bundle and the .deb tried as a user installs them, in a sandbox (part of `make test`).
dist-test: system-deps bootstrap
	scripts/dist-test.sh

# The binary for bench/gpu-check.sh, against torch 2.11 (what the lent GPU machine has).
gpu-check-build: bootstrap
	scripts/gpu-check-build.sh

bench: build
	bench/run.sh $(MNIST)

# Every parser of outside input on 10,000 generated files each (make test runs 300 each).
FUZZ_CASES ?= 10000
fuzz: bootstrap
	FUZZ_CASES=$(FUZZ_CASES) $(CARGO) test --release --test fuzz -- --nocapture --test-threads 1

lint: bootstrap
	$(CARGO) clippy --workspace --all-targets -- -D warnings
