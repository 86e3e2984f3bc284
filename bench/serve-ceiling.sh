#!/usr/bin/env bash
# Serving /feeds/rss.xml: the service, a bare Kestrel server (bench/Publisher.Benchmarks `kestrel-ceiling`: the service's
# socket settings, one handler, the same bytes from memory) and nginx serving the same bytes as a static file, one after
# the other in one run, uncompressed and gzip. The ratios say how much of the distance to nginx is Kestrel's own and
# how much is Publisher's.   Usage: bench/serve-ceiling.sh            (ARTICLES=60: the first page holds the newest 50)
# WRK_DURATION (20s) and WRK_WARMUP (5s) as in bench/run.sh. Installs wrk, nginx-light and curl if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. bench/nginx-conf.sh
WRK_DURATION=${WRK_DURATION:-20s} WRK_WARMUP=${WRK_WARMUP:-5s}
missing=()
for c in wrk nginx curl; do command -v $c >/dev/null || missing+=("$([[ $c == nginx ]] && echo nginx-light || echo $c)"); done
if ((${#missing[@]})); then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; fi
dotnet publish src/Publisher -c Release -o bench/out/publisher >/dev/null
dotnet publish bench/Publisher.Benchmarks -c Release -o bench/out/benchmarks >/dev/null

WORK=$(mktemp -d /tmp/publisher-ceiling.XXXXXX)
chmod 755 "$WORK"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { local t=0 p; for p in "$@" $(pgrep -P "$1" || true); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
wait_for() { for ((i = 0; i < 300; i++)); do curl -fsS -o /dev/null "$1" 2>/dev/null && return; sleep 0.2; done; echo "no answer from $1" >&2; exit 1; }

python3 bench/generate.py "$WORK/articles" --count "${ARTICLES:-60}" >/dev/null
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
PUB=(dotnet bench/out/publisher/Publisher.dll --Publisher:DataPath="$WORK/data" --Publisher:ArticlesPath="$WORK/articles" "--Publisher:Site:BaseUrl=$URL")
"${PUB[@]}" ingest "$WORK/articles" >/dev/null
"${PUB[@]}" --urls "$URL" >"$WORK/service.log" 2>&1 &
SVC=$!; pids+=($SVC)
wait_for "$URL/healthz"
for ((i = 0; i < 100; i++)); do curl -fsS -o /dev/null "$URL/feeds/rss.xml" 2>/dev/null && break; sleep 0.2; done
mkdir -p "$WORK/www/feeds" "$WORK/nginx"
curl -fsS "$URL/feeds/rss.xml" -o "$WORK/www/feeds/rss.xml"
curl -fsS -H 'Accept-Encoding: gzip' "$URL/feeds/rss.xml" -o "$WORK/www/feeds/rss.xml.gz"
touch -r "$WORK/www/feeds/rss.xml" "$WORK/www/feeds/rss.xml.gz"

KPORT=$(free_port)
dotnet bench/out/benchmarks/Publisher.Benchmarks.dll kestrel-ceiling "$WORK/www/feeds/rss.xml" "$KPORT" >"$WORK/kestrel.log" 2>&1 &
KES=$!; pids+=($KES)
NPORT=$(free_port)
nginx_conf "$WORK" "$NPORT" auto >"$WORK/nginx/nginx.conf"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" -g 'daemon off;' &
NGX=$!; pids+=($NGX)
K=http://127.0.0.1:$KPORT N=http://127.0.0.1:$NPORT
wait_for "$K/feeds/rss.xml"; wait_for "$N/feeds/rss.xml"
for enc in identity gzip; do
  for u in "$URL" "$K" "$N"; do
    curl -fsS -H "Accept-Encoding: $enc" "$u/feeds/rss.xml" -o "$WORK/got"
    cmp -s "$WORK/got" "$WORK/www/feeds/rss.xml$([[ $enc == gzip ]] && echo .gz)" || { echo "$u serves other $enc bytes" >&2; exit 1; }
  done
done
echo "load before: $(cat /proc/loadavg); $(stat -c %s "$WORK/www/feeds/rss.xml") bytes, gzip $(stat -c %s "$WORK/www/feeds/rss.xml.gz") bytes, the same from all three (cmp)"

declare -A RPS
for enc in identity gzip; do
  for who in service kestrel nginx; do
    case $who in service) u=$URL p=$SVC ;; kestrel) u=$K p=$KES ;; nginx) u=$N p=$NGX ;; esac
    wrk -t2 -c64 -d"$WRK_WARMUP" -H "Accept-Encoding: $enc" "$u/feeds/rss.xml" >/dev/null
    t0=$(ticks $p)
    wrk -t2 -c64 -d"$WRK_DURATION" -H "Accept-Encoding: $enc" "$u/feeds/rss.xml" >"$WORK/wrk" 2>&1
    used=$(( $(ticks $p) - t0 ))
    RPS[$who-$enc]=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk")
    errs=$(grep -E '^ *(Non-2xx|Socket errors)' "$WORK/wrk" | paste -sd ';' - || true)
    echo "$enc $who: ${RPS[$who-$enc]} req/s, server CPU $(awk -v t=$used -v r="${RPS[$who-$enc]}" -v d="${WRK_DURATION%s}" 'BEGIN {printf "%.0f", t * 10000 / (r * d)}') µs a request${errs:+, $errs}"
  done
done
echo "load after: $(cat /proc/loadavg)"
r() { awk -v a="${RPS[$1]}" -v b="${RPS[$2]}" 'BEGIN {printf "%.2f", a / b}'; }
for enc in identity gzip; do
  echo "$enc: service/nginx $(r service-$enc nginx-$enc), kestrel/nginx $(r kestrel-$enc nginx-$enc), service/kestrel $(r service-$enc kestrel-$enc)"
done
