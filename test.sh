#!/usr/bin/env bash
# Installs what the tests need (Debian packages, NuGet packages) and runs every test.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"

# Real parts the tests talk to: a feed reader (feedparser), the Atom RELAX NG grammar checker (jing),
# a browser (chromium) with a Chinese font for its screenshots of the mails, a spam filter (spamassassin), an IMAP
# server for the bounce mailbox (dovecot-imapd, /usr/sbin/dovecot: the tests start their own, never the system's),
# the IANA time zones, and PostgreSQL (postgresql: the second run and the scale-out tests; a private cluster below,
# never the system's service).
packages=(python3-feedparser jing chromium fonts-wqy-microhei spamassassin dovecot-imapd tzdata ca-certificates postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Publisher.sln
dotnet build Publisher.sln --no-restore -warnaserror
# A private PostgreSQL cluster on a free localhost port (as the postgres user when run as root), stopped at exit.
pgdir=$(mktemp -d /tmp/publisher-pg.XXXXXX)
trap 'tests/postgres/cluster.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
postgres=$(tests/postgres/cluster.sh start "$pgdir")
echo "PostgreSQL for the tests: $postgres"

# Run 1: everything on SQLite (the embedded default), but the tests that need PostgreSQL.
# Run 2: on PostgreSQL, the tests whose behaviour is the same on both (Db=Both: ledger, planner, imports, API, feeds)
# and the PostgreSQL-only ones (Db=Postgres: several host processes, a server restart, shared secrets, feeds across hosts).
passed=0; failed=0; skipped=0; status=0
run() {
  local name=$1; shift
  local log; log=$(mktemp)
  local started=$SECONDS
  set +e
  "$@" 2>&1 | tee "$log"
  local code=${PIPESTATUS[0]}
  set -e
  [ "$code" -eq 0 ] || status=$code
  local summary
  summary=$(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" | tail -1 || true)
  if [[ $summary =~ Failed:\ +([0-9]+),\ Passed:\ +([0-9]+),\ Skipped:\ +([0-9]+) ]]; then
    failed=$((failed + BASH_REMATCH[1])); passed=$((passed + BASH_REMATCH[2])); skipped=$((skipped + BASH_REMATCH[3]))
  elif [ "$code" -ne 0 ]; then
    failed=$((failed + 1))
  fi
  timings+=("$name: $((SECONDS - started)) s, exit $code${summary:+, $summary}")
  rm -f "$log"
}
timings=()
run "SQLite" dotnet test Publisher.sln --no-build --filter "Db!=Postgres" "$@"
run "PostgreSQL" env PUBLISHER_TEST_POSTGRES="$postgres" dotnet test Publisher.sln --no-build --filter "Db=Both|Db=Postgres" "$@"
printf '%s\n' "${timings[@]}"
# One plain closing line with the totals of both runs.
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
