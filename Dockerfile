# syntax=docker/dockerfile:1

# --- Build: the release binary, with the GraphiQL playground's assets embedded --------------
# Base images are pinned by exact release tag; to pin by digest as well, append the
# `@sha256:…` that `docker buildx imagetools inspect IMAGE` prints (this repo's CI has no registry).
FROM rust:1.95.0-slim-bookworm AS builder

# build.rs installs the playground's pinned npm packages with Debian's Node.js and npm; make
# builds jemalloc, the server's allocator (the slim image has a C compiler but no make).
RUN apt-get update \
    && apt-get install -y --no-install-recommends "nodejs=18.20.*" "npm=9.2.*" "make=4.3-*" \
    && rm -rf /var/lib/apt/lists/*

# Fail the build rather than fall back to loading the playground from a CDN.
ENV SCS_REQUIRE_PLAYGROUND_ASSETS=1

WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/root/.npm \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && cp target/release/scs-series /usr/local/bin/scs-series

# --- Run: the binary and the seed, as an unprivileged user -----------------------------------
FROM debian:bookworm-slim

RUN useradd --system --user-group --uid 10001 --home-dir /app --shell /usr/sbin/nologin scs \
    && mkdir -p /data \
    && chown scs:scs /data

COPY --from=builder /usr/local/bin/scs-series /usr/local/bin/scs-series
COPY seed /app/seed

WORKDIR /app
# SCS_TOKENS_FILE is a path (the file holds salted hashes), not a secret.
# hadolint ignore=DL3064
ENV SCS_LISTEN=0.0.0.0:8000 \
    SCS_DATA_DIR=/data/store \
    SCS_SEED_DIR=/app/seed \
    SCS_TOKENS_FILE=/data/tokens.toml \
    SCS_BACKUP_DIR=/data/backups
VOLUME /data
EXPOSE 8000
USER 10001:10001
STOPSIGNAL SIGTERM

# A plain HTTP request with bash's /dev/tcp: the image needs no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["scs-series"]
CMD ["serve"]
