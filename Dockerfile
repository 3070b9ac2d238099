# syntax=docker/dockerfile:1
# ferry-operator's container image.
#   docker build -t ferry-operator:0.1.0 --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
# The build stage runs the README's own commands (scripts/install-deps.sh, then `make build`),
# so the image builds exactly as a developer's machine does; the runtime stage holds only the
# shared libraries the binary links. tests/charts/test_dockerfile.py replays these steps.

ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS build
ENV DEBIAN_FRONTEND=noninteractive
# Only the compiler and libraries, not the test tools (helm, kubectl, prometheus).
ENV FERRY_DEPS=build
WORKDIR /src
# Dependencies first: this layer is reused until the script changes.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh
COPY . .
RUN make build TARGETS=ferry-operator
# Keep symbols for readable stack traces, drop the DWARF sections.
RUN strip --strip-debug build/operator/cmd/ferry-operator

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="ferry-operator" \
      org.opencontainers.image.description="Ferry: Kubernetes operator for pipelines and progressive delivery" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
# Runtime libraries of the -dev packages the build links against; apt pulls their own deps
# (Boost, zlib, libcrypto). ca-certificates for HTTPS to Prometheus and git providers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcpprest2.10 libyaml-cpp0.7 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 \
      libssl3 libjemalloc2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/operator/cmd/ferry-operator /usr/local/bin/ferry-operator
# 65532: the conventional "nonroot" id; numeric so runAsNonRoot can verify it.
USER 65532:65532
# metrics, health probes, git webhook
EXPOSE 8080 8081 8443
ENTRYPOINT ["/usr/local/bin/ferry-operator"]
