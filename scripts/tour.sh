#!/usr/bin/env bash
# A narrated curl walk through every Crumbs route, with a cookie jar, showing the
# Set-Cookie headers, what a tampered cookie does and what the session cookie holds.
#
# Usage: scripts/tour.sh [BASE_URL]    (default http://127.0.0.1:5555; start it with `make run`)
# Set CRUMBS=path/to/crumbs to use another binary for `crumbs decode`.
set -euo pipefail
base=${1:-http://127.0.0.1:5555}
crumbs=${CRUMBS:-$(dirname "$0")/../.build/release/crumbs}
[ -x "$crumbs" ] || crumbs=$(dirname "$0")/../.build/debug/crumbs
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Each word as the shell needs it, so that every command shown pastes and runs as it is:
# plain words bare, the rest in single quotes (a quote inside as '\'').
quoted() {
    local word words=()
    for word in "$@"; do
        if [[ $word =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then words+=("$word"); else words+=("'${word//\'/\'\\\'\'}'"); fi
    done
    printf '%s' "${words[*]}"
}
show() { printf '\033[2m$ %s\033[0m\n' "$(quoted "$@")"; "$@"; echo; }
session_cookie() { awk '$6 == "session" { print $7 }' "$jar"; }

curl -s -o /dev/null "$base/crumbs" || { echo "Crumbs is not answering at $base (start it with: make run)"; exit 1; }
rm -f "$jar"

say "First visit: the session gets its defaults and comes back in a signed, HttpOnly cookie"
show curl -s -i -c "$jar" -b "$jar" "$base/sessions/hello"

say "Follow the crumbs: a plain cookie that page scripts can read (no HttpOnly)"
show curl -s -i -c "$jar" -b "$jar" "$base/crumbs"

say "Count visits: every response signs the session again"
for _ in 1 2 3; do curl -s -c "$jar" -b "$jar" "$base/sessions/count" | grep session_value; done

say "The session cookie is signed, not encrypted: anyone can read it"
show "$crumbs" decode "$(session_cookie)" || true

say "Tamper with it (count 3 -> 99, old signature kept): Crumbs starts a fresh session"
cookie=$(session_cookie)
forged=$(printf '{"count":99,"goodnight":"Moon","hello":"World"}' | base64 | tr '+/' '-_' | tr -d '=\n').${cookie#*.}
show curl -s -b "session=$forged" "$base/sessions/count"

say "Store any JSON value in the session, read the whole session, remove the value"
show curl -s -c "$jar" -b "$jar" -X PUT -H 'Content-Type: application/json' -d '{"theme": "dark"}' "$base/sessions/prefs"
show curl -s -c "$jar" -b "$jar" "$base/sessions"
show curl -s -c "$jar" -b "$jar" -X DELETE "$base/sessions/prefs"

say "Bad input gets a clear JSON error and changes nothing"
show curl -s -b "$jar" -X PUT -H 'Content-Type: application/json' -d '{not json' "$base/sessions/prefs"
show curl -s -b "$jar" "$base/sessions/nope"

say "Clear both cookies: each comes back expired"
show curl -s -i -c "$jar" -b "$jar" -X DELETE "$base/sessions"
show curl -s -i -c "$jar" -b "$jar" -X DELETE "$base/crumbs"
