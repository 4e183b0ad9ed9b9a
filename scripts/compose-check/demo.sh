# Sourced by scripts/compose-check.sh once the stack is up: the README's demo, step by step, with
# assertions. Uses compose(), pass(), fail(), log(), $LOGDIR, $PROJ, $API_PORT, $FAKE_PLEO_PORT, $ADMIN_TOKEN,
# $PROFILE (tryton: the ERP is the Tryton service, read over JSON-RPC — see tryton.sh).
API=http://127.0.0.1:$API_PORT FAKE=http://127.0.0.1:$FAKE_PLEO_PORT
AUTH=(-H "Authorization: Bearer $ADMIN_TOKEN")
poll() { # poll SECONDS CMD... : retry CMD until it succeeds
  local until=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -ge "$until" ] && return 1; sleep 2; done
}
get() { curl -sS --max-time 10 "$@"; }

curl -sf --max-time 5 "$API/health/ready" > "$LOGDIR/ready.json" && pass "GET localhost:$API_PORT/health/ready: $(cat "$LOGDIR/ready.json")" \
  || fail "GET localhost:$API_PORT/health/ready from the host (published port)"

# 1. vendor-created webhook, exactly as the README (plus -T: no TTY here)
out=$(compose exec -T api node scripts/webhook-send.mjs test/fixtures/vendor-created.json 2>&1); echo "$out" > "$LOGDIR/send-vendor.txt"
if grep -q '^202' <<<"$out"; then pass "exec api webhook-send vendor-created.json → $(head -1 <<<"$out")"
else fail "exec api webhook-send vendor-created.json: $out"; fi
VENDOR_EVENT=$(sed -n '2,$p' <<<"$out" | jq -r '.id? // empty' 2>/dev/null | head -1)

# 2. the event reaches SUCCEEDED
event_done() {
  get "${AUTH[@]}" "$API/admin/events?eventType=v1.vendor.created&limit=5" > "$LOGDIR/events.json" || return 1
  jq -e '.data[0].status == "SUCCEEDED" or .data[0].status == "FAILED"' "$LOGDIR/events.json" >/dev/null
}
poll 90 event_done
st=$(jq -r '.data[0] | "\(.status) \(.lastError // "")"' "$LOGDIR/events.json" 2>/dev/null)
[[ "$st" == SUCCEEDED* ]] && pass "vendor event $VENDOR_EVENT SUCCEEDED" || fail "vendor event: ${st:-no answer} ($(head -c 300 "$LOGDIR/events.json"))"

# 3. the vendor is in the ERP: the sandbox (admin API) or, profile tryton, Tryton itself (JSON-RPC)
VENDOR_ID=$(jq -r '.data.id' "$PROJ/test/fixtures/vendor-created.json")
if [ "${PROFILE:-}" = tryton ]; then
  # shellcheck source=tryton.sh
  source "$PROJECT_SRC/scripts/compose-check/tryton.sh"
  tryton_login
else
  get "${AUTH[@]}" "$API/admin/sandbox/vendors" > "$LOGDIR/sandbox-vendors.json"
  if jq -e --arg id "$VENDOR_ID" '[.data[] | select(tostring | contains($id))] | length >= 1' "$LOGDIR/sandbox-vendors.json" >/dev/null 2>&1; then
    pass "vendor in the sandbox ERP: $(jq -c --arg id "$VENDOR_ID" '[.data[] | select(tostring | contains($id))][0] | {number, name, reference}' "$LOGDIR/sandbox-vendors.json")"
  else fail "vendor $VENDOR_ID not in /admin/sandbox/vendors: $(head -c 400 "$LOGDIR/sandbox-vendors.json")"; fi
fi

# 4. the vendor in the fake Pleo: ACTIVE with externalId and code; the activation call; no spec problems
get "$FAKE/_fake/vendors/$VENDOR_ID" > "$LOGDIR/fake-vendor.json"
if jq -e '.data.state == "ACTIVE" or .data.status == "ACTIVE"' "$LOGDIR/fake-vendor.json" >/dev/null 2>&1 &&
   jq -e '.data.externalId != null and .data.externalId != ""' "$LOGDIR/fake-vendor.json" >/dev/null 2>&1; then
  pass "vendor ACTIVE in fake Pleo: $(jq -c '.data | {state: (.state // .status), externalId, code}' "$LOGDIR/fake-vendor.json")"
else fail "vendor in fake Pleo not ACTIVE with externalId: $(head -c 400 "$LOGDIR/fake-vendor.json")"; fi
get "$FAKE/_fake/calls" > "$LOGDIR/fake-calls.json"
n_act=$(jq '.activations | length' "$LOGDIR/fake-calls.json" 2>/dev/null || echo 0)
[ "${n_act:-0}" -ge 1 ] && pass "fake Pleo recorded $n_act activation(s)" || fail "fake Pleo recorded no activation"
[ "${PROFILE:-}" = tryton ] && tryton_vendor_check

# 5. the export demo
out=$(compose exec -T api node scripts/webhook-send.mjs test/fixtures/export-job-created.json 2>&1); echo "$out" > "$LOGDIR/send-export.txt"
if grep -q '^202' <<<"$out"; then pass "exec api webhook-send export-job-created.json → $(head -1 <<<"$out")"
else fail "exec api webhook-send export-job-created.json: $out"; fi
JOB_ID=$(jq -r '.data.id' "$PROJ/test/fixtures/export-job-created.json")
job_done() {
  get "${AUTH[@]}" "$API/admin/export-jobs" > "$LOGDIR/export-jobs.json" || return 1
  jq -e --arg id "$JOB_ID" '.data[] | select(.jobId == $id) | select(.status != "RUNNING")' "$LOGDIR/export-jobs.json" >/dev/null
}
poll 120 job_done
jst=$(jq -r --arg id "$JOB_ID" '.data[] | select(.jobId == $id) | .status' "$LOGDIR/export-jobs.json" 2>/dev/null)
[ "$jst" = COMPLETED ] && pass "export run $JOB_ID COMPLETED: $(jq -c --arg id "$JOB_ID" '.data[] | select(.jobId == $id) | del(.jobId, .companyId)' "$LOGDIR/export-jobs.json" | head -c 300)" \
  || fail "export run $JOB_ID: ${jst:-not listed} ($(head -c 400 "$LOGDIR/export-jobs.json"))"
if [ "${PROFILE:-}" = tryton ]; then tryton_export_check
else
  get "${AUTH[@]}" "$API/admin/sandbox/entries" > "$LOGDIR/sandbox-entries.json"
  n_ent=$(jq '.data | length' "$LOGDIR/sandbox-entries.json" 2>/dev/null || echo 0)
  n_att=$(jq '[.data[] | (.attachments // []) | length] | add // 0' "$LOGDIR/sandbox-entries.json" 2>/dev/null || echo 0)
  [ "${n_ent:-0}" -ge 3 ] && pass "sandbox ERP has $n_ent entries ($n_att attachment(s))" || fail "sandbox ERP entries: ${n_ent:-?} ($(head -c 300 "$LOGDIR/sandbox-entries.json"))"
fi
get "$FAKE/_fake/export-jobs/$JOB_ID" > "$LOGDIR/fake-export-job.json"
fst=$(jq -r '.data.status' "$LOGDIR/fake-export-job.json" 2>/dev/null)
[ "$fst" = completed ] && pass "fake Pleo export job status: completed (events: $(jq -c '[.events[]? | (.event // .type // .)] ' "$LOGDIR/fake-export-job.json" | head -c 200))" \
  || fail "fake Pleo export job status: ${fst:-?} ($(head -c 300 "$LOGDIR/fake-export-job.json"))"
probs=$(jq '.specProblems | length' <(get "$FAKE/_fake/calls") 2>/dev/null || echo '?')
[ "$probs" = 0 ] && pass "fake Pleo: no request broke Pleo's OpenAPI spec" || fail "fake Pleo specProblems: $probs"

# 6. observability: metrics behind the admin token, the queue dashboard behind it too, the API document
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$API/metrics")
[ "$code" = 401 ] && pass "GET /metrics without the admin token: 401" || fail "GET /metrics without the admin token: $code"
get "${AUTH[@]}" "$API/metrics" > "$LOGDIR/metrics.txt"
n_acc=$(awk '/^pleo_erp_sync_webhooks_total\{outcome="accepted"\}/ {print $2}' "$LOGDIR/metrics.txt")
[ "${n_acc:-0}" -ge 2 ] 2>/dev/null && pass "/metrics: pleo_erp_sync_webhooks_total{outcome=\"accepted\"} $n_acc, $(grep -c '^pleo_erp_sync_queue_jobs{' "$LOGDIR/metrics.txt") queue series" \
  || fail "/metrics: accepted webhooks ${n_acc:-absent} ($(head -c 300 "$LOGDIR/metrics.txt"))"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$API/admin/queues")
code_ok=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "admin:$ADMIN_TOKEN" "$API/admin/queues")
[ "$code" = 401 ] && [ "$code_ok" = 200 ] && pass "/admin/queues: 401 without credentials, 200 with the admin token" \
  || fail "/admin/queues: $code without credentials, $code_ok with the admin token"
get "$API/docs/openapi.json" > "$LOGDIR/openapi.json"
if jq -e '.openapi and .paths["/webhooks/pleo"].post and .paths["/admin/events"].get' "$LOGDIR/openapi.json" >/dev/null 2>&1; then
  pass "/docs/openapi.json: OpenAPI $(jq -r .openapi "$LOGDIR/openapi.json"), $(jq '.paths | length' "$LOGDIR/openapi.json") paths"
else fail "/docs/openapi.json: $(head -c 300 "$LOGDIR/openapi.json")"; fi

# Errors in the app logs are worth a look even when everything passed
compose logs --no-color api worker fake-pleo migrate > "$LOGDIR/app-logs.txt" 2>&1
n_err=$(grep -c '"level":[56]0' "$LOGDIR/app-logs.txt" || true)
log "app log lines at level error/fatal: $n_err (see $LOGDIR/app-logs.txt)"
