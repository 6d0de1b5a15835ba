# syntax=docker/dockerfile:1
#
# strand as a container image: built as one static binary in the official Rust
# image (Alpine, so the target is musl and the binary needs no libc at run time)
# and run on distroless/static, which holds little more than CA certificates,
# /etc/passwd and tzdata: no shell, no package manager. That keeps the image
# near the size of the binary (target: under 30 MB).
#
#   docker build -t strand .
#   docker run -p 9092:9092 -p 9464:9464 -p 8082:8082 -v strand-data:/var/lib/strand strand
#
# See README.md, "Docker", for STRAND_ADVERTISED_LISTENER.

ARG RUST_VERSION=1

FROM rust:${RUST_VERSION}-alpine AS build
# The C runtime objects a static musl link needs (newer images ship them already).
RUN apk add --no-cache musl-dev
WORKDIR /src
# Only what `cargo build --bin strand` reads: Cargo.toml declares the bench, so
# benches/ must be there too. .dockerignore keeps everything else out.
COPY Cargo.toml Cargo.lock ./
COPY benches ./benches
COPY src ./src
# The patched kafka-protocol that Cargo.toml's [patch.crates-io] points at.
COPY vendor ./vendor
# The registry and target caches survive between builds, so a source change does
# not download and rebuild every dependency. The binary is copied out of the
# cache mount within the same step. Symbols and line tables are stripped here
# only (Cargo.toml keeps line tables for local backtraces): they triple the size.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=symbols \
    cargo build --release --locked --bin strand \
 && cp target/release/strand /usr/local/bin/strand
# distroless has no shell to mkdir or chown with: the data dir is made here and
# copied over owned by the runtime user, so a new named volume starts out
# writable by it (Docker copies the image's ownership into an empty volume).
RUN mkdir -p /rootfs/var/lib/strand

FROM gcr.io/distroless/static-debian13:nonroot
LABEL org.opencontainers.image.title="strand" \
      org.opencontainers.image.description="A single-binary message broker that speaks the Apache Kafka wire protocol" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /usr/local/bin/strand /usr/local/bin/strand
COPY --from=build --chown=65532:65532 /rootfs/var/lib/strand /var/lib/strand
# Defaults through the env twins of the flags, so `docker run -e` overrides any
# of them and `strand health` (which reads the same env) finds the metrics port.
# Bind every interface: inside a container, loopback is unreachable from outside.
# Advertise localhost:9092, as the apache/kafka image does, so `docker run -p
# 9092:9092` works for clients on the host; clients elsewhere need this set to a
# name they can reach (README.md, "Docker").
ENV STRAND_LISTEN=0.0.0.0:9092 \
    STRAND_METRICS_LISTEN=0.0.0.0:9464 \
    STRAND_HTTP_LISTEN=0.0.0.0:8082 \
    STRAND_DATA_DIR=/var/lib/strand \
    STRAND_ADVERTISED_LISTENER=localhost:9092
# The nonroot user of distroless (uid/gid 65532), numeric so that Kubernetes'
# runAsNonRoot can verify it without an /etc/passwd lookup.
USER 65532:65532
VOLUME /var/lib/strand
EXPOSE 9092 9464 8082
# Exec form: there is no shell to run a command string. 200 from /health means
# the log is open and the listener accepts; 503 while starting or stopping.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/strand", "health"]
# strand runs as PID 1 and handles SIGTERM itself (clean shutdown, log closed),
# so no init is needed; `docker stop` sends SIGTERM.
ENTRYPOINT ["/usr/local/bin/strand"]
