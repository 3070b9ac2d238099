# Ferry's entry points. `make test` and `make demo` each install what is missing first.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# Warnings are errors (CI runs `make test` as it is); WERROR=OFF for an unknown compiler.
WERROR ?= ON
# `make build TARGETS=ferry-operator` builds only those targets (the Dockerfile does).
TARGETS ?=
# Relative paths in ccache's keys: build dirs and copies of the tree (the Dockerfile replay of
# tests/charts) share one cache.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

# make fuzz: libFuzzer targets (clang, ASan+UBSan) for FUZZ_SECONDS each on their corpora.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 20
# make sanitize: the unit tests of these components built with ASan+UBSan (GCC).
SANITIZE_BUILD ?= build-asan
SANITIZE_COMPONENTS ?= base;kube;metrics;runtime;api;analysis;controllers/release;controllers/pipeline;fuzz

.PHONY: all deps configure build test demo clean fuzz sanitize

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DFERRY_WERROR=$(WERROR) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS) $(if $(TARGETS),--target $(TARGETS))

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DFERRY_FUZZ=ON -DFERRY_SANITIZE=address,undefined \
	  -DFERRY_COMPONENTS="base;kube;api;analysis;controllers/pipeline;fuzz" >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target ferry_fuzzers
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

sanitize: deps
	@cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_WERROR=$(WERROR) \
	  -DFERRY_SANITIZE=address,undefined -DFERRY_COMPONENTS="$(SANITIZE_COMPONENTS)" >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	@cd $(SANITIZE_BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

demo: build
	@scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)
