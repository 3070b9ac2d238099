# Ferry's entry points. `make test` and `make demo` each install what is missing first.
# Two build trees: BUILD (GCC, what ships: `make build`, `make demo`, the Dockerfile) and
# TEST_BUILD (`make test`: clang with ASan+UBSan and libFuzzer coverage, so every unit,
# integration, chaos and demo test runs sanitized and the fuzz targets are real libFuzzer
# binaries; GCC's ASan took 3-4x longer than clang's to compile the same file here).
BUILD ?= build
TEST_BUILD ?= build-test
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# Warnings are errors (CI runs `make test` as it is); WERROR=OFF for an unknown compiler.
WERROR ?= ON
# `make build TARGETS=ferry-operator` builds only those targets (the Dockerfile does).
TARGETS ?=
# Unity builds: each target's sources compile in batches, about half the work of a clean build
# (an edit recompiles its whole batch: UNITY=OFF for a tight edit loop).
UNITY ?= ON
# Seconds per fuzz target: the smoke run that ends `make test`, and `make fuzz`.
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_SECONDS ?= 120
# Relative paths in ccache's keys: build dirs and copies of the tree (the Dockerfile replay of
# tests/charts) share one cache.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all deps configure build test-build test fuzz demo clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DFERRY_WERROR=$(WERROR) \
	  -DCMAKE_UNITY_BUILD=$(UNITY) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS) $(if $(TARGETS),--target $(TARGETS))

# -O1 with assertions on (no NDEBUG): ASan's recommended level, and the quickest to compile.
test-build: deps
	@CC=clang CXX=clang++ cmake -S . -B $(TEST_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DFERRY_WERROR=$(WERROR) \
	  -DCMAKE_UNITY_BUILD=$(UNITY) -DFERRY_SANITIZE=address,undefined -DFERRY_FUZZ=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)

# Every CTest test (unit, integration, chaos, charts, the demo), then every fuzz target for
# FUZZ_SMOKE_SECONDS on its committed corpus. Leaks inside third-party libraries are suppressed
# by tests/sanitizers/lsan.supp; any other leak, and any ASan or UBSan report, fails the test.
SANITIZER_ENV = LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1
test: test-build
	@cd $(TEST_BUILD) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) --timeout 600
	@tests/fuzz/run.sh $(TEST_BUILD) $(FUZZ_SMOKE_SECONDS)

fuzz: test-build
	@tests/fuzz/run.sh $(TEST_BUILD) $(FUZZ_SECONDS)

demo: build
	@scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
