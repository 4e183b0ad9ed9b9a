#!/usr/bin/env bash
# A reproducible Tryton 6.0 for tests, CI and the demo (issue #12). Installs Debian's Tryton packages
# where missing, then builds a seeded SQLite database once (company in EUR, the sandbox's chart and
# tax codes, fiscal years 2025-2027, journals, payment methods, analytic accounts, user admin/admin)
# and caches it under a key made of these scripts and the installed version: a second run takes a
# second. Prints the path of the seeded database file (copy it; never run trytond on the cache).
# Exit 3: Tryton is not installed and cannot be installed here (no apt-get, or not root).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
packages=(tryton-server tryton-modules-account-invoice tryton-modules-analytic-invoice tryton-modules-account-eu tryton-proteus)
modules=(account_invoice account_eu analytic_invoice)

installed() {
  local status
  status="$(dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null)" || return 1
  ! grep -qv 'install ok installed' <<<"$status"
}
if ! installed; then
  if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    echo "tryton: the Debian packages ${packages[*]} are missing and cannot be installed here (needs apt-get as root)" >&2
    exit 3
  fi
  echo "tryton: installing ${packages[*]}" >&2
  # Another apt run on the machine (a CI step, a colleague) holds dpkg's lock: wait for it.
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${packages[@]}" >&2
fi

version="$(dpkg-query -W -f='${Version}' tryton-server)"
key="$(cat "$here/setup.sh" "$here/seed.py" <(echo "$version") | sha256sum | cut -c1-16)"
cache="${TRYTON_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pleo-erp-sync/tryton}/$key"
db="$cache/pleo.sqlite"
mkdir -p "$cache"
exec 9>"$cache.lock"
flock 9 # parallel callers (jest workers, CI steps) wait for one seeding
if [ ! -s "$db" ]; then
  work="$(mktemp -d "$cache.XXXX")"
  trap 'rm -rf "$work"' EXIT
  printf '[database]\nuri = sqlite://\npath = %s\n' "$work" > "$work/trytond.conf"
  printf 'admin\n' > "$work/password"
  touch "$work/pleo.sqlite"
  echo "tryton: creating the database (modules ${modules[*]}; a few minutes on 2 cores)" >&2
  TRYTONPASSFILE="$work/password" /usr/bin/trytond-admin -c "$work/trytond.conf" -d pleo --all \
    --email admin@example.com -u "${modules[@]}" --activate-dependencies >"$work/admin.log" 2>&1 \
    || { cat "$work/admin.log" >&2; exit 1; }
  echo "tryton: seeding company, chart, taxes, fiscal years" >&2
  DB_NAME=pleo /usr/bin/python3 -W ignore "$here/seed.py" "$work/trytond.conf" pleo >"$work/seed.log" 2>&1 \
    || { cat "$work/seed.log" >&2; exit 1; }
  mv "$work/pleo.sqlite" "$db.tmp" && mv "$db.tmp" "$db"
fi
echo "$db"
