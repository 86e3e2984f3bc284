#!/usr/bin/env bash
# Installs what the tests need (Debian packages, NuGet packages) and runs every test.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"

# Real parts the tests talk to: a feed reader (feedparser), the Atom RELAX NG grammar checker (jing),
# a browser (chromium) with a Chinese font for its screenshots of the mails, a spam filter (spamassassin), an IMAP
# server for the bounce mailbox (dovecot-imapd, /usr/sbin/dovecot: the tests start their own, never the system's),
# and the IANA time zones.
packages=(python3-feedparser jing chromium fonts-wqy-microhei spamassassin dovecot-imapd tzdata ca-certificates)
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
log=$(mktemp)
set +e
dotnet test Publisher.sln --no-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line with the totals, whatever the runner printed above.
summary=$(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" | tail -1 || true)
if [[ $summary =~ Failed:\ +([0-9]+),\ Passed:\ +([0-9]+),\ Skipped:\ +([0-9]+) ]]; then
  echo "tests: ${BASH_REMATCH[2]} passed, ${BASH_REMATCH[1]} failed, ${BASH_REMATCH[3]} skipped"
fi
rm -f "$log"
exit "$status"
