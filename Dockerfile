# syntax=docker/dockerfile:1
# One image with every binary (p2p-gateway, p2p-profile-svc, p2p-admin-svc,
# p2p-trade-svc, p2p-migrate, the p2p-admin CLI); docker-compose.yml picks the command
# per service and wires them (the gateway's worker link on tcp://0.0.0.0:5555 there).
#
#   docker build -t p2p-service .
#   docker run --rm -e JWT_SECRET=... -p 8030:8030 p2p-service p2p-gateway
#
# Debian 12 (bookworm) in both stages, so the runtime libraries are exactly the
# versions the build linked against.

ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------- build
FROM ${DEBIAN_IMAGE} AS build

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config \
        libwebsockets-dev libev-dev libczmq-dev libzmq3-dev libjwt-dev libjansson-dev \
        libprotobuf-c-dev protobuf-c-compiler libpq-dev libcurl4-openssl-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .

# No unit tests (Criterion), load generator or sanitizers in the shipped binaries.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DP2P_TESTS=OFF -DP2P_BENCH=OFF -DP2P_SANITIZE=OFF \
 && cmake --build /build -j"$(nproc)" \
 && strip --strip-unneeded /build/bin/* \
 && mkdir -p /out/bin /out/share/p2p \
 && cp /build/bin/* /out/bin/ \
 && cp -r migrations /out/share/p2p/migrations \
 && rm -f /out/share/p2p/migrations/*.c /out/share/p2p/migrations/CMakeLists.txt \
 && cp -r web /out/share/p2p/web

# ---------------------------------------------------------------- runtime
FROM ${DEBIAN_IMAGE} AS runtime

# Runtime libraries only (Debian 12 names): libwebsockets 4.1 is libwebsockets17; the
# gateway runs it on libev (lws loads its libev plugin, libwebsockets-evlib-ev, at start).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libwebsockets17 libwebsockets-evlib-ev libev4 \
        libczmq4 libzmq5 libjwt0 libjansson4 libprotobuf-c1 libpq5 \
        libcurl4 libssl3 \
        ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 p2p \
 && useradd --uid 10001 --gid p2p --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin p2p

COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /out/share/p2p/ /usr/share/p2p/

# Fail the build, not the first start, when a runtime library is missing.
RUN if ldd /usr/local/bin/p2p-* | grep 'not found'; then exit 1; fi

# Defaults for a container; docker-compose.yml sets the wiring. The worker link keeps
# its loopback default here: a non-loopback bind needs CURVE keys or an explicit
# P2P_WORKER_LINK_INSECURE=1 (compose's internal network sets both the bind and that),
# and a gateway started alone with `docker run` must not refuse to start.
ENV P2P_MIGRATIONS_DIR=/usr/share/p2p/migrations \
    P2P_WEB_DIR=/usr/share/p2p/web \
    P2P_HTTP_PORT=8030 \
    LOG_LEVEL=info

USER p2p:p2p
WORKDIR /usr/share/p2p
EXPOSE 8030

# tini is PID 1: forwards SIGTERM to the service and reaps zombies.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["p2p-gateway"]
