#!/usr/bin/env bash
# compose-check.sh — proves the README's quick start: `docker compose up --build` of this repository's
# docker-compose.yml and Dockerfile, unmodified, then the README's demo with assertions (vendor in the
# sandbox ERP and ACTIVE in the fake Pleo; export job completed with its entries and receipt; no
# request against Pleo's spec broken; metrics and API docs served), a PASS/FAIL table, and
# `compose down -v`. Called from .ci/run; run it by hand with `bash scripts/compose-check.sh`.
#
# Engine: a Docker engine when one answers (`docker info`); otherwise (our CI machines have neither
# an engine nor a registry) rootful podman serving the Docker API, Docker Compose v2 and locally
# built stand-ins for the base images — see scripts/compose-check/podman-engine.sh. Needs root then.
#
# Knobs (all optional):
#   COMPOSE_CHECK_CACHE=/var/cache/pleo-erp-sync/compose-check   caches (images, compose, logs); keep
#                                 it between runs: a second run takes ~2 minutes instead of ~5
#   API_PORT=3300 FAKE_PLEO_PORT=4310   host ports the stack publishes (on 127.0.0.1)
#   KEEP_UP=1                     leave the stack running for inspection
#   WITH_ENV_FILE=.env.example    put this file in place as .env first (a user of the non-Docker recipe)
#   FORCE_PODMAN=1                use podman even where a Docker engine answers
#   REBUILD_STANDINS=1, BUILD_TIMEOUT=900, DEBIAN_MIRROR=…, EXTRA_CA_FILE=…  (podman path only)
#   COMPOSE_CHECK_PROFILE=tryton  the README's Tryton demo instead: `ERP_ADAPTER=tryton docker compose
#                                 --profile tryton up --build`, the outcome read from Tryton over
#                                 JSON-RPC (scripts/compose-check/tryton.sh); its image is built from
#                                 debian:bookworm-slim (a stand-in on the podman path). TRYTON_HOST_PORT=8300
#   COMPOSE_CHECK_LOCK=/tmp/compose-check.lock   one check at a time per machine (they share the
#                                 podman storage, the cache and the project name); a run waits for it
set -uo pipefail

PROJECT_SRC=$(cd "${1:-$(dirname "$0")/..}" && pwd) || exit 2
# One compose-check at a time on the machine. A caller that already holds the lock (`flock LOCK bash
# compose-check.sh`, as CI scripts and people do) is an ancestor of this process: then no second wait.
LOCK=${COMPOSE_CHECK_LOCK:-/tmp/compose-check.lock}
lock_held_by_ancestor() {
  local inode holder p
  inode=$(stat -c %i "$LOCK" 2>/dev/null) || return 1
  # /proc/locks: "1: FLOCK  ADVISORY  WRITE <pid> <maj>:<min>:<inode> 0 EOF" (waiters have "->" in field 2)
  for holder in $(awk -v ino="$inode" '$2 == "FLOCK" { n = split($6, f, ":"); if (f[n] == ino) print $5 }' /proc/locks); do
    p=$$
    while [ -n "$p" ] && [ "$p" -gt 1 ]; do
      [ "$p" = "$holder" ] && return 0
      p=$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null)
    done
  done
  return 1
}
if ! lock_held_by_ancestor; then
  exec 7>>"$LOCK"
  flock -n 7 || { echo "compose-check: another run holds $LOCK; waiting for it" >&2; flock 7; }
fi
PROFILE=${COMPOSE_CHECK_PROFILE:-}
case "$PROFILE" in
  '') ;;
  tryton) export ERP_ADAPTER=tryton TRYTON_HOST_PORT=${TRYTON_HOST_PORT:-8300}
          BUILD_TIMEOUT=${BUILD_TIMEOUT:-1800} ;;  # first run: the Tryton image installs and seeds Tryton
  *) echo "COMPOSE_CHECK_PROFILE=$PROFILE: only tryton is known" >&2; exit 2 ;;
esac
RECIPES=$PROJECT_SRC/scripts/compose-check/standins
if [ "$(id -u)" = 0 ]; then DEFAULT_CACHE=/var/cache/pleo-erp-sync/compose-check
else DEFAULT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/pleo-erp-sync/compose-check; fi
WORK=${COMPOSE_CHECK_CACHE:-$DEFAULT_CACHE}
export API_PORT=${API_PORT:-3300} FAKE_PLEO_PORT=${FAKE_PLEO_PORT:-4310}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-900}
ADMIN_TOKEN=local-admin-token-change-me
# Its own project name: never touches a stack the user runs from the same file (name: pleo-erp-sync).
PROJECT_NAME=pleo-erp-sync-check
RUN_ID=$(date +%Y%m%d-%H%M%S)
LOGDIR=$WORK/logs/$RUN_ID
PROJ=$WORK/project            # the copy compose runs from
mkdir -p "$WORK" "$LOGDIR"
ls -1dt "$WORK"/logs/* 2>/dev/null | tail -n +11 | xargs -r rm -rf   # keep the last 10 runs' logs
exec > >(tee -a "$LOGDIR/check.log") 2>&1

# ---------------------------------------------------------------- bookkeeping
declare -a RESULTS=() PHASES=()
FAILED=0 PHASE_NAME="" PHASE_T0=0
log()   { printf '[%(%H:%M:%S)T] %s\n' -1 "$*"; }
pass()  { RESULTS+=("PASS  $*"); log "PASS: $*"; }
fail()  { RESULTS+=("FAIL  $*"); FAILED=1; log "FAIL: $*"; }
phase() { phase_end; PHASE_NAME=$1; PHASE_T0=$(date +%s); log "=== $1"; }
phase_end() {
  if [ -n "$PHASE_NAME" ]; then PHASES+=("$(printf '%-40s %5ss' "$PHASE_NAME" $(( $(date +%s) - PHASE_T0 )))"); fi
  PHASE_NAME=""
}
summary() {
  phase_end
  echo
  echo "================ compose-check summary ($PROJECT_SRC) ================"
  printf '%s\n' "${PHASES[@]}"
  echo "----------------------------------------------------------------------"
  printf '%s\n' "${RESULTS[@]}"
  echo "----------------------------------------------------------------------"
  if [ "$FAILED" = 0 ]; then echo "RESULT: PASS"; else echo "RESULT: FAIL"; fi
  echo "logs: $LOGDIR"
}

PODMAN_PID="" PUMP_PID="" COMPOSE_UP=0 ENGINE=docker
compose() { "${COMPOSE_CMD[@]}" "$@"; }

cleanup() {
  local rc=$?
  if [ "$COMPOSE_UP" = 1 ]; then
    if [ "${KEEP_UP:-0}" = 1 ]; then
      log "KEEP_UP=1: stack left running (DOCKER_HOST=${DOCKER_HOST:-default}; health pump pid $PUMP_PID, podman pid $PODMAN_PID)"
      summary; exit $(( FAILED ? 1 : rc ))
    fi
    phase "teardown (compose down -v)"
    compose logs --no-color --timestamps > "$LOGDIR/compose-logs.txt" 2>&1 || true
    if compose down -v --remove-orphans --timeout 35 > "$LOGDIR/down.txt" 2>&1; then pass "compose down -v"
    else fail "compose down -v (see $LOGDIR/down.txt)"; tail -20 "$LOGDIR/down.txt"; fi
  fi
  # Every changed build leaves ~2 GB of untagged layers behind: keep three days of them (the build
  # cache of recent runs), drop the rest so a CI machine's disk does not fill up run by run.
  [ "$ENGINE" = podman ] && podman image prune -f --filter until=72h > /dev/null 2>&1
  [ -n "$PUMP_PID" ] && kill "$PUMP_PID" 2>/dev/null
  [ -n "$PODMAN_PID" ] && kill "$PODMAN_PID" 2>/dev/null && wait "$PODMAN_PID" 2>/dev/null
  [ -n "${SOCK:-}" ] && rm -f "$SOCK"
  summary
  if [ "$FAILED" = 0 ] && [ "$rc" != 0 ]; then exit "$rc"; fi
  exit $(( FAILED ? 1 : 0 ))
}
trap cleanup EXIT
trap 'fail "interrupted"; exit 130' INT TERM

# ================================================================= engine
phase "engine"
if [ "${FORCE_PODMAN:-0}" != 1 ] && command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1 &&
   timeout 10 docker compose version >/dev/null 2>&1; then
  pass "Docker engine answers: $(docker version --format '{{.Server.Version}}' 2>/dev/null), $(docker compose version --short)"
  COMPOSE_CMD=(docker compose)
else
  ENGINE=podman
  log "no Docker engine answers: rootful podman + Compose v2 + local stand-in images"
  [ "$(id -u)" = 0 ] || { fail "the podman path needs root (or a Docker engine)"; exit 1; }
  need() { command -v "$1" >/dev/null 2>&1 || MISSING_PKGS+=("${@:2}"); }
  default_mirror() {
    local u
    u=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | awk '{print $2}')
    [ -n "$u" ] || u=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | head -n1 | awk '{print $2}')
    echo "$u"
  }
  DEBIAN_MIRROR=${DEBIAN_MIRROR:-$(default_mirror)}
  [ -n "$DEBIAN_MIRROR" ] || { fail "no Debian mirror found in the apt sources; set DEBIAN_MIRROR"; exit 1; }
  export CONTAINERS_CONF=$WORK/containers.conf
  SOCK=$WORK/podman.sock
  export DOCKER_HOST=unix://$SOCK
  export DOCKER_CONFIG=$WORK/docker-config   # private: the host's ~/.docker is not touched
  mkdir -p "$DOCKER_CONFIG/cli-plugins"; [ -s "$DOCKER_CONFIG/config.json" ] || echo '{}' > "$DOCKER_CONFIG/config.json"
  export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0   # podman's API has no BuildKit: classic builder
  # shellcheck source=compose-check/podman-engine.sh
  source "$PROJECT_SRC/scripts/compose-check/podman-engine.sh"
  COMPOSE_CMD=("$DOCKER_CONFIG/cli-plugins/docker-compose")
fi
export COMPOSE_PROGRESS=plain BUILDKIT_PROGRESS=plain
COMPOSE_CMD+=(--project-directory "$PROJ" -f "$PROJ/docker-compose.yml" -p "$PROJECT_NAME" ${PROFILE:+--profile "$PROFILE"})
[ -n "$PROFILE" ] && log "profile $PROFILE: $(env | grep -E '^(ERP_ADAPTER|TRYTON_HOST_PORT)=' | sort | tr '\n' ' ')"

# ================================================================= project copy
phase "project copy"
rm -rf "$PROJ"; mkdir -p "$PROJ"
# node_modules, dist, .git and a local .env stay out (a local .env would change the defaults tested).
tar -C "$PROJECT_SRC" --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./.env \
    --exclude=./coverage -cf - . | tar -C "$PROJ" -xf -
pass "copied $PROJECT_SRC to $PROJ ($(du -sh "$PROJ" | cut -f1))"
if [ -n "${WITH_ENV_FILE:-}" ]; then
  cp "$PROJ/$WITH_ENV_FILE" "$PROJ/.env" && pass "copied $WITH_ENV_FILE to .env beside docker-compose.yml" \
    || { fail "no $WITH_ENV_FILE in the project"; exit 1; }
fi
if compose config -q > "$LOGDIR/config.txt" 2>&1; then pass "compose config (Compose v2 accepts the file)"
else fail "compose config: $(head -5 "$LOGDIR/config.txt")"; exit 1; fi
if [ -n "$("$ENGINE" ps -aq --filter "label=com.docker.compose.project=$PROJECT_NAME" 2>/dev/null)" ]; then
  log "containers of $PROJECT_NAME exist (an earlier KEEP_UP or killed run): compose down -v first"
  compose down -v --remove-orphans --timeout 35 > "$LOGDIR/pre-down.txt" 2>&1 || true
fi
for p in "$API_PORT" "$FAKE_PLEO_PORT" ${TRYTON_HOST_PORT:+"$TRYTON_HOST_PORT"}; do
  if ss -Hltn "sport = :$p" | grep -q .; then fail "host port $p is already in use (set API_PORT / FAKE_PLEO_PORT / TRYTON_HOST_PORT)"; exit 1; fi
done

# ================================================================= compose up --build
phase "compose up --build -d"
COMPOSE_UP=1
if [ "$ENGINE" = podman ]; then
  # Podman without systemd never runs healthchecks on its own (it schedules them with systemd
  # timers): pump them for this project's containers, as the Docker engine would.
  ( while :; do
      for id in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT_NAME" 2>/dev/null); do
        podman healthcheck run "$id" >/dev/null 2>&1 || true
      done
      sleep 2
    done ) 7>&- &
  PUMP_PID=$!
fi
if timeout "$BUILD_TIMEOUT" "${COMPOSE_CMD[@]}" up --build -d > "$LOGDIR/up.txt" 2>&1; then
  pass "compose up --build -d"
else
  fail "compose up --build -d (see $LOGDIR/up.txt)"; tail -40 "$LOGDIR/up.txt"
  compose ps -a 2>&1 | tail -20
  for s in migrate api worker fake-pleo postgres redis ${PROFILE:+tryton}; do echo "--- logs $s"; compose logs --no-color --tail 30 "$s" 2>&1; done
  exit 1
fi
# The app image is built once (api builds it; migrate, worker and fake-pleo run it). Compose builds
# nothing else but, profile tryton, the Tryton image: count the classic builder's "Successfully built"
# or BuildKit's "naming to".
want=1 what="the app image was"
[ "$PROFILE" = tryton ] && want=2 what="the app image and the Tryton image were"
n_builds=$(grep -cE '^Successfully built |naming to docker\.io/library/pleo-erp-sync(-tryton)?:local' "$LOGDIR/up.txt" || true)
case "$n_builds" in
  0) log "could not count the image builds in $LOGDIR/up.txt (unknown builder output)" ;;
  "$want") pass "$what built once" ;;
  *) fail "$n_builds image builds, $want expected (see $LOGDIR/up.txt)" ;;
esac

phase "wait for health"
deadline=$(( $(date +%s) + 180 ))
while :; do
  ps_json=$(compose ps -a --format json 2>/dev/null | jq -s 'if .[0]|type=="array" then .[0] else . end')
  unhealthy=$(jq -r '[.[] | select(.Service != "migrate") | select(.State != "running" or (.Health != "" and .Health != "healthy")) | "\(.Service)=\(.State)/\(.Health)"] | join(" ")' <<<"$ps_json")
  [ -z "$unhealthy" ] && break
  if [ "$(date +%s)" -gt "$deadline" ]; then break; fi
  sleep 3
done
compose ps -a > "$LOGDIR/ps.txt" 2>&1; cat "$LOGDIR/ps.txt"
if [ -z "$unhealthy" ]; then pass "all long-running services running and healthy"
else fail "not healthy after 180s: $unhealthy"; fi
migrate=$(jq -r '.[] | select(.Service=="migrate") | "\(.State) exit=\(.ExitCode)"' <<<"$ps_json")
[[ "$migrate" == "exited exit=0" ]] && pass "migrate exited 0" || fail "migrate: $migrate"

# ================================================================= the README demo
phase "README demo"
# shellcheck source=compose-check/demo.sh
source "$PROJECT_SRC/scripts/compose-check/demo.sh"
exit 0
