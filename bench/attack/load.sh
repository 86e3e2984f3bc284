#!/usr/bin/env bash
# Issue 9's load check: wrk against the feeds and POST /subscribe together, for DURATION (60s), against the published
# service with SMTP to Postfix's smtp-sink. Reports the status codes of each (no 5xx allowed) and the service's RSS
# every 5 s (memory must stay flat). The per-client rate limit is lifted so that every request reaches the database and
# the confirmation mailer, as a crowd from many addresses would. Usage: bench/attack/load.sh [DURATION]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
DURATION=${1:-60s}
OUT=$ROOT/bench/out/attack; PUB=$ROOT/bench/out/attack-publisher
export PATH=$PATH:/usr/sbin:/sbin
for tool in wrk smtp-sink; do command -v $tool >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk postfix >/dev/null; }; done
rm -rf "$OUT"; mkdir -p "$OUT"
dotnet publish "$ROOT/src/Publisher" -c Release -o "$PUB" >/dev/null
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP=$(port); SMTP=$(port)
smtp-sink -u "$(id -un)" 127.0.0.1:$SMTP 1000 & SINK=$!
mkdir -p "$OUT/articles"; cp "$ROOT"/seeds/*.txt "$OUT/articles/" 2>/dev/null || cp "$ROOT"/../shared/seeds/*.txt "$OUT/articles/"
(cd "$OUT" && exec dotnet "$PUB/Publisher.dll" --urls http://127.0.0.1:$HTTP --Publisher:DataPath="$OUT/data" --Publisher:ArticlesPath="$OUT/articles" \
  --Publisher:Site:BaseUrl=http://127.0.0.1:$HTTP --Publisher:AdminApiKey=load-test-admin-key-0123456789abcdef \
  --Publisher:Subscriptions:PerClientPerMinute=100000000 \
  --Publisher:Smtp:Host=127.0.0.1 --Publisher:Smtp:Port=$SMTP --Publisher:Smtp:Security=None --Publisher:Smtp:From=publisher@example.org \
  > "$OUT/service.log" 2>&1) & SVC=$!
trap 'kill $SVC $SINK 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HTTP/healthz" >/dev/null && break; sleep 0.2; done
curl -sf -X POST -H "Authorization: Bearer load-test-admin-key-0123456789abcdef" -H 'Content-Type: application/json' \
  -d '{"name":"news"}' "http://127.0.0.1:$HTTP/api/lists" >/dev/null
for _ in $(seq 100); do curl -s "http://127.0.0.1:$HTTP/feeds/rss.xml" | grep -q '<item>' && break; sleep 0.2; done

# Both scripts count the status codes of every thread and print them at the end.
cat > "$OUT/feeds.lua" <<'LUA'
statuses, threads = {}, {}
response = function(status) statuses[status] = (statuses[status] or 0) + 1 end
function setup(thread) table.insert(threads, thread) end
function done()
  local total = {}
  for _, t in ipairs(threads) do for s, n in pairs(t:get("statuses")) do total[s] = (total[s] or 0) + n end end
  for s, n in pairs(total) do io.write(string.format("status %d: %d\n", s, n)) end
end
LUA
{ cat "$OUT/feeds.lua"; cat <<'LUA'
-- Each request a new address (and now and then the same one), as a crowd on the form would send them.
counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  counter = counter + 1
  local who = (counter % 10 == 0) and "same" or (tostring(math.random(1, 1e9)) .. "-" .. counter)
  return wrk.format(nil, "/subscribe", nil, "list=news&email=" .. who .. "%40example.org&name=load")
end
LUA
} > "$OUT/subscribe.lua"
PID=$(pgrep -f "Publisher.dll --urls http://127.0.0.1:$HTTP" | head -1)
( while kill -0 $PID 2>/dev/null; do awk '/VmRSS/ {print int($2/1024)}' /proc/$PID/status; sleep 5; done ) > "$OUT/rss.txt" &
SAMPLER=$!
wrk -t1 -c8 -d"$DURATION" -s "$OUT/feeds.lua" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$HTTP/feeds/rss.xml" > "$OUT/feeds.txt" & FEEDS=$!
wrk -t1 -c8 -d"$DURATION" -s "$OUT/subscribe.lua" "http://127.0.0.1:$HTTP" > "$OUT/subscribe.txt"
wait $FEEDS; sleep 6; kill $SAMPLER 2>/dev/null || true
echo "== feeds";     grep -E "Requests/sec|status" "$OUT/feeds.txt"
echo "== subscribe"; grep -E "Requests/sec|status" "$OUT/subscribe.txt"
echo "== service RSS (MB, every 5 s)"; tr '\n' ' ' < "$OUT/rss.txt"; echo
echo "== errors in the service log"; grep -cE "fail:|Unhandled" "$OUT/service.log" || true
! grep -qE "status 5[0-9][0-9]" "$OUT/feeds.txt" "$OUT/subscribe.txt"
