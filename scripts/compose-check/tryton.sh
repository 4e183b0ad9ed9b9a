# Sourced by scripts/compose-check/demo.sh with COMPOSE_CHECK_PROFILE=tryton: the demo's outcome read
# from the Tryton service over its JSON-RPC (the published port), as a bookkeeper's client would
# see it. Uses pass(), fail(), log(), get(), $LOGDIR, $TRYTON_HOST_PORT.
TRYTON=http://127.0.0.1:$TRYTON_HOST_PORT/pleo/
TRYTON_AUTH=""

# tryton_call METHOD PARAMS-JSON → the call's result (JSON) on stdout; non-zero when Tryton answers an error
tryton_call() {
  local body answer
  body=$(jq -cn --arg m "$1" --argjson p "$2" '{id: 1, method: $m, params: $p}')
  answer=$(curl -sS --max-time 20 -H 'content-type: application/json' ${TRYTON_AUTH:+-H "Authorization: $TRYTON_AUTH"} \
    -d "$body" "$TRYTON") || return 1
  if jq -e 'has("error") and .error != null' <<<"$answer" >/dev/null 2>&1; then
    echo "$answer" >&2; return 1
  fi
  jq -c '.result' <<<"$answer"
}
# tryton_read MODEL DOMAIN-JSON FIELDS-JSON → rows
tryton_read() { tryton_call "model.$1.search_read" "[$2, 0, null, null, $3, {}]"; }
# cents: Tryton's {"__class__": "Decimal", "decimal": "45.00"} (or a number) as integer cents
CENTS='def cents: if type == "object" then (.decimal | tonumber) elif . == null then 0 else . end | . * 100 | round;'

tryton_login() {
  local login
  # The demo's login (README: admin/admin); a real deployment has its own user and password.
  if login=$(tryton_call common.db.login '["admin", {"password": "admin"}, "en"]') && [ "$(jq 'length' <<<"$login")" = 2 ]; then
    TRYTON_AUTH="Session $(printf '%s' "admin:$(jq -r '.[0]' <<<"$login"):$(jq -r '.[1]' <<<"$login")" | base64 -w0)"
    pass "Tryton on localhost:$TRYTON_HOST_PORT: JSON-RPC login admin on database pleo"
  else
    fail "Tryton JSON-RPC login on localhost:$TRYTON_HOST_PORT/pleo/ failed: ${login:-no answer}"
  fi
}

# The vendor of vendor-created.json is a Tryton party with its VAT id, and Pleo holds Tryton's id and code.
tryton_vendor_check() {
  local vat ids party
  vat=$(jq -r '.data.taxRegistrationNumber' "$PROJ/test/fixtures/vendor-created.json")
  ids=$(tryton_read party.identifier "[[\"code\", \"=\", \"$vat\"]]" '["type", "code", "party"]') || ids='[]'
  echo "$ids" > "$LOGDIR/tryton-identifiers.json"
  if [ "$(jq 'length' <<<"$ids")" = 1 ] && [ "$(jq -r '.[0].type' <<<"$ids")" = eu_vat ]; then
    party=$(tryton_call model.party.party.read "[[$(jq '.[0].party' <<<"$ids")], [\"name\", \"code\"], {}]" | jq -c '.[0]')
    echo "$party" > "$LOGDIR/tryton-party.json"
    pass "vendor in Tryton: party $(jq -c '{id, code, name}' <<<"$party") with EU VAT id $vat"
    if jq -e --argjson p "$party" '.data.externalId == ($p.id | tostring) and .data.code == $p.code' "$LOGDIR/fake-vendor.json" >/dev/null 2>&1; then
      pass "Pleo holds Tryton's party id and code as the vendor's externalId and code"
    else fail "fake Pleo vendor $(jq -c '.data | {externalId, code}' "$LOGDIR/fake-vendor.json" 2>/dev/null) ≠ Tryton party $(jq -c '{id, code}' <<<"$party")"; fi
  else
    fail "no party with EU VAT id $vat in Tryton: $(head -c 300 "$LOGDIR/tryton-identifiers.json")"
  fi
}

# The export's moves: posted, each balanced in company currency, foreign amounts kept, the receipt attached once.
tryton_export_check() {
  local moves ids lines codes unbalanced atts n_moves foreign
  moves=$(tryton_read account.move '[["description", "like", "[pleo:%"]]' '["state", "number", "post_number", "description"]') || moves='[]'
  echo "$moves" > "$LOGDIR/tryton-moves.json"
  n_moves=$(jq 'length' <<<"$moves")
  ids=$(jq -c '[.[].id]' <<<"$moves")
  if [ "$n_moves" -ge 3 ] && jq -e 'all(.state == "posted")' <<<"$moves" >/dev/null; then
    pass "Tryton has the export's $n_moves moves, all posted: $(jq -c 'map({number, post_number})' <<<"$moves")"
  else fail "Tryton moves of the export: $n_moves, states $(jq -c '[.[].state]' <<<"$moves")"; fi
  # posted concurrently (EXPORT_ITEM_CONCURRENCY): Tryton's sequences must still number each move once
  if jq -e '(map(.number) | unique | length) == length and (map(.post_number) | unique | length) == length' <<<"$moves" >/dev/null; then
    pass "each move has its own number and post number"
  else fail "moves share a number or post number: $(jq -c 'map({id, number, post_number})' <<<"$moves")"; fi
  lines=$(tryton_read account.move.line "[[\"move\", \"in\", $ids]]" '["move", "account", "debit", "credit", "second_currency", "amount_second_currency"]') || lines='[]'
  # account and currency codes by id (Tryton 6.0 reads no dotted fields through search_read)
  codes=$(jq -cn --argjson a "$(tryton_read account.account '[]' '["code"]' || echo '[]')" --argjson c "$(tryton_read currency.currency '[]' '["code"]' || echo '[]')" \
    '{a: ($a | map({key: (.id | tostring), value: .code}) | from_entries), c: ($c | map({key: (.id | tostring), value: .code}) | from_entries)}')
  lines=$(jq -c --argjson codes "$codes" 'map(. + {"account.code": $codes.a[.account | tostring], "second_currency.code": (if .second_currency then $codes.c[.second_currency | tostring] else null end)})' <<<"$lines")
  echo "$lines" > "$LOGDIR/tryton-move-lines.json"
  unbalanced=$(jq -c "$CENTS"' group_by(.move) | map({move: .[0].move, debit: (map(.debit | cents) | add), credit: (map(.credit | cents) | add)}) | map(select(.debit != .credit))' <<<"$lines")
  if [ "$(jq 'length' <<<"$lines")" -gt 0 ] && [ "$unbalanced" = '[]' ]; then
    pass "every move balanced in EUR: $(jq -c "$CENTS"' group_by(.move) | map(map(.debit | cents) | add / 100)' <<<"$lines") debit = credit"
  else fail "unbalanced moves in Tryton: ${unbalanced:-no lines}"; fi
  foreign=$(jq -c "$CENTS"' [.[] | select(."second_currency.code" != null) | {account: ."account.code", currency: ."second_currency.code", amount: (.amount_second_currency | cents / 100), debit: (.debit | cents / 100), credit: (.credit | cents / 100)}]' <<<"$lines")
  if [ "$(jq 'length' <<<"$foreign")" -ge 2 ]; then
    pass "the item spent abroad keeps its foreign amounts on its lines: $(head -c 300 <<<"$foreign")"
  else fail "no move line of the export kept a foreign (second currency) amount: $foreign"; fi
  atts=$(tryton_read ir.attachment '[["resource", "like", "account.move,%"]]' '["resource", "name"]') || atts='[]'
  echo "$atts" > "$LOGDIR/tryton-attachments.json"
  if [ "$(jq 'length' <<<"$atts")" = 1 ] && jq -e --argjson ids "$ids" '(.[0].resource | split(",")[1] | tonumber) as $m | $ids | index($m) != null' <<<"$atts" >/dev/null; then
    pass "the receipt is attached once, on its move in Tryton: $(jq -c '.[0] | {resource, name}' <<<"$atts")"
  else fail "Tryton attachments on moves: $(head -c 300 <<<"$atts") (expected the one receipt, on an export move)"; fi
}
