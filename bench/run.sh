#!/usr/bin/env bash
# Publisher benchmarks: ingest, feed rebuild / publish latency, and feed serving against nginx.
# Usage: bench/run.sh            (see bench/README.md)
# Knobs (environment): BENCH_COUNT (10000), WRK_DURATION (20s), WRK_WARMUP (5s), NGINX_WORKERS (auto),
#                      BENCH_WAIT_QUIET (300: seconds to wait for other work on the machine to stop),
#                      BENCH_KEEP=1 keeps the temp folder (articles, database, logs).
# Logs, wrk output and the summary of the last run are copied to bench/out/last-run (git-ignored).
# It runs the published build in bench/out/publisher (publishing it first only if it is missing),
# never `dotnet build`/`dotnet test`. Every process it starts is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
. "$HERE/nginx-conf.sh"
DLL=$HERE/out/publisher/Publisher.dll
COUNT=${BENCH_COUNT:-10000}
WRK_DURATION=${WRK_DURATION:-20s}
WRK_WARMUP=${WRK_WARMUP:-5s}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
RESULTS=$HERE/out/last-run
export PATH=$PATH:/usr/sbin:/sbin

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

# ---------------------------------------------------------------- cleanup
SVC_PID="" NGINX_PID="" WORK=""
cleanup() {
  local rc=$?
  set +e
  for pid in $NGINX_PID $SVC_PID; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  if [[ -n $WORK && -d $WORK ]]; then
    mkdir -p "$RESULTS"
    cp -f "$WORK"/*.log "$WORK"/*.txt "$WORK"/nginx/error.log "$RESULTS"/ 2>/dev/null
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- prerequisites
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null || die "python3 is needed"
command -v dotnet >/dev/null || die "dotnet is needed"
if [[ ! -f $DLL ]]; then
  log "no published build in bench/out/publisher: publishing it once (Release)"
  (cd "$ROOT" && dotnet publish src/Publisher -c Release -o bench/out/publisher >/dev/null)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Waits until process $1 uses under ~4% CPU for two half-seconds in a row (at most $2 seconds).
wait_idle() {
  local pid=$1 limit=$2 prev cur quiet=0 i
  prev=$(cpu_ticks "$pid")
  for ((i = 0; i < limit * 2; i++)); do
    sleep 0.5
    cur=$(cpu_ticks "$pid")
    if ((cur - prev <= 2)); then ((++quiet >= 2)) && return 0; else quiet=0; fi
    prev=$cur
  done
  log "warning: process $pid still busy after ${limit}s"
}
wait_for_log() { # file, extended regex, timeout seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qE "$2" "$1" && return 0
    kill -0 "$SVC_PID" 2>/dev/null || die "the service exited; see $1"
    sleep 0.1
  done
  die "no log line /$2/ within $3 s; see $1"
}
built_ms() { # file, article count: the ms of the last "Built feeds of COUNT articles" line, digits only
  grep -E "Built feeds of $2 articles" "$1" | tail -1 | sed -E 's/.* in ([0-9.,  ]+) ms.*/\1/' | tr -cd '0-9'
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# Share of the whole machine's CPU that was busy over the next $1 seconds (everyone's, not just ours).
cpu_busy() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat); sleep "$1"
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; all = busy + y[2] - x[2];
    printf "%.0f", (all > 0 ? 100 * busy / all : 0)}'
}
# Other work on this small machine (someone's test run) skews every figure: wait, up to BENCH_WAIT_QUIET
# seconds (300), for the CPU to be under 15% busy, then go on either way and say so in the summary.
wait_quiet() {
  local limit=${BENCH_WAIT_QUIET:-300} start=$SECONDS busy
  while :; do
    busy=$(cpu_busy 2)
    QUIET_NOTE="$busy% CPU busy at start, after waiting $((SECONDS - start)) s"
    ((busy < 15)) && { log "machine quiet ($busy% CPU busy)"; return 0; }
    ((SECONDS - start >= limit)) && { log "warning: machine still $busy% busy after ${limit}s; measuring anyway"; QUIET_NOTE+=" (NOT quiet)"; return 0; }
    log "machine busy ($busy% CPU, load $(loadavg)): waiting for it to settle"
    sleep 8
  done
}

# How much of the machine someone else used during each phase: all CPU time the kernel counts as busy,
# minus what this script's own process tree (it, the verbs, the service, nginx, wrk) used.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $9}' /proc/stat; } # user nice system steal
ours_ticks() {
  local f line
  for f in /proc/[0-9]*/stat; do
    if read -r line 2>/dev/null <"$f"; then echo "${f//[^0-9]/} ${line##*) }"; fi
  done | awk -v root=$$ '{ppid[$1] = $3; t[$1] = $13 + $14 + $15 + $16}
    END {for (p in t) {q = p; while (q != root && q > 1 && (q in ppid)) q = ppid[q]; if (q == root) s += t[p]}; print s + 0}'
}
declare -A PH_M PH_O PH_T PH_OTHERS
PHASES=()
phase() { PHASES+=("$1"); PH_M[$1]=$(machine_ticks); PH_O[$1]=$(ours_ticks); PH_T[$1]=$(now_ns); }
phase_end() {
  local m o
  m=$(machine_ticks); o=$(ours_ticks)
  PH_OTHERS[$1]=$(awk -v m=$((m - PH_M[$1])) -v o=$((o - PH_O[$1])) -v ns=$(($(now_ns) - PH_T[$1])) -v cpus="$(nproc)" \
    'BEGIN {x = (m - o) / (ns / 1e9 * 100 * cpus) * 100; printf "%.0f%%", (x < 0 ? 0 : x)}')
}
others_during() { local p out=""; for p in "${PHASES[@]}"; do out+="$p ${PH_OTHERS[$p]:-?}, "; done; echo "${out%, }"; }

WORK=$(mktemp -d /tmp/publisher-bench.XXXXXX)
chmod 755 "$WORK" # nginx's worker reads the feed file from here
ART=$WORK/articles DATA=$WORK/data
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
PUB=(dotnet "$DLL" "--Publisher:DataPath=$DATA" "--Publisher:ArticlesPath=$ART")
wait_quiet
LOAD_START=$(loadavg)
log "work folder $WORK; load average at start: $LOAD_START"

# ---------------------------------------------------------------- (a) ingest
log "generating $COUNT articles"
python3 "$HERE/generate.py" "$ART" --count "$COUNT" --manifest "$WORK/manifest.txt" 2>"$WORK/generate.log"
cat "$WORK/generate.log" >&2

# The start-up cost every verb pays (host, DI, EF model, migration), measured on an empty folder.
mkdir -p "$WORK/empty"
t=$(now_ns)
dotnet "$DLL" "--Publisher:DataPath=$WORK/data-empty" "--Publisher:ArticlesPath=$WORK/empty" ingest "$WORK/empty" >/dev/null 2>&1 || true
STARTUP_MS=$(ms_since "$t")

log "ingest #1 (fresh database)"
phase ingest1
rc=0; t=$(now_ns)
"${PUB[@]}" ingest "$ART" >"$WORK/ingest1.txt" 2>"$WORK/ingest1.err.txt" || rc=$?
INGEST1_MS=$(ms_since "$t")
phase_end ingest1
ADDED=$(grep -c $'^added\t' "$WORK/ingest1.txt" || true)
REJECTED1=$(grep -c $'^rejected\t' "$WORK/ingest1.txt" || true)
((rc == 0 && ADDED == COUNT)) || die "ingest #1: exit $rc, $ADDED added of $COUNT, $REJECTED1 rejected (see $RESULTS/ingest1.err.txt)"
INGEST1_RATE=$(awk -v n="$ADDED" -v ms="$INGEST1_MS" 'BEGIN{printf "%.0f", n*1000/ms}')
log "ingest #1: $ADDED added in $INGEST1_MS ms = $INGEST1_RATE articles/s"

log "ingest #2 (same folder, nothing changed)"
phase ingest2
rc=0; t=$(now_ns)
"${PUB[@]}" ingest "$ART" >"$WORK/ingest2.txt" 2>"$WORK/ingest2.err.txt" || rc=$?
INGEST2_MS=$(ms_since "$t")
phase_end ingest2
UNCHANGED=$(grep -c $'^unchanged\t' "$WORK/ingest2.txt" || true)
((rc == 0 && UNCHANGED == COUNT)) || die "ingest #2: exit $rc, $UNCHANGED unchanged of $COUNT"
INGEST2_RATE=$(awk -v n="$UNCHANGED" -v ms="$INGEST2_MS" 'BEGIN{printf "%.0f", n*1000/ms}')
log "ingest #2: $UNCHANGED unchanged in $INGEST2_MS ms = $INGEST2_RATE articles/s"
DB_MB=$(du -sm "$DATA" | cut -f1)

# ---------------------------------------------------------------- diagnostics
# Not part of (a)-(c): `feeds export` loads the feed index and builds the first page of every feed (RSS, Atom,
# JSON; gzip and Brotli too), which is what the service keeps ready. It also pays the start-up cost measured above.
t=$(now_ns)
"${PUB[@]}" --Publisher:Site:BaseUrl=http://127.0.0.1:1 feeds export --out "$WORK/export" >"$WORK/export.txt" 2>&1 || die "feeds export failed"
EXPORT_MS=$(ms_since "$t")
FEEDS=$(( $(cut -f5 "$WORK/manifest.txt" | sort -u | wc -l) + 1 ))
DOCS="$FEEDS feeds x 3 formats = $((FEEDS * 3)) first-page documents kept ready (each also gzip and Brotli)"
log "diagnostics: feeds export $EXPORT_MS ms; $DOCS"

# ---------------------------------------------------------------- (b) rebuild and publish latency
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
log "starting the service on $URL"
t=$(now_ns)
"${PUB[@]}" "--Publisher:Site:BaseUrl=$URL" --urls "$URL" \
  --Logging:Console:FormatterName=simple "--Logging:Console:FormatterOptions:TimestampFormat=HH:mm:ss.fff " \
  >"$WORK/service.log" 2>&1 &
SVC_PID=$!
for ((i = 0; i < 600; i++)); do
  curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null && break
  kill -0 "$SVC_PID" 2>/dev/null || die "the service exited; see $RESULTS/service.log"
  sleep 0.1
done
curl -fsS -o /dev/null "$URL/healthz" || die "/healthz did not answer within 60 s"
HEALTHZ_MS=$(ms_since "$t")
wait_for_log "$WORK/service.log" "Built feeds of $COUNT articles" 180
FIRST_BUILD_WALL_MS=$(ms_since "$t")
FIRST_BUILD_MS=$(built_ms "$WORK/service.log" "$COUNT")
log "healthz after $HEALTHZ_MS ms; first build ($COUNT articles) logged after $FIRST_BUILD_WALL_MS ms, reported $FIRST_BUILD_MS ms"
# The watcher's first full scan (it reads and hashes every file) runs beside the first build: let it finish
# so the new file below is picked up by the watcher, not by that scan.
t=$(now_ns); wait_idle "$SVC_PID" 180; log "service idle after a further $(ms_since "$t") ms"

# Copies the file and polls the RSS feed over one keep-alive connection (HEAD every 10 ms; GET when the
# ETag changes) until the new article's slug (its link; titles can repeat) is in it. Prints: latency ms, and the copy time as HH:MM:SS.fff.
cat >"$WORK/poll.py" <<'PY'
import http.client, shutil, sys, time
src, dst, port, marker = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode()
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def fetch(method):
    global conn
    for _ in range(5):
        try:
            conn.request(method, "/feeds/rss.xml")
            r = conn.getresponse()
            return r, r.read()
        except (http.client.HTTPException, OSError):
            conn.close(); conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30); time.sleep(0.05)
    raise SystemExit("cannot fetch /feeds/rss.xml")
r, body = fetch("GET")
if marker in body: raise SystemExit("the new article is already in the feed")
etag = r.getheader("ETag")
t0 = time.time()
shutil.copyfile(src, dst)
while True:
    r, _ = fetch("HEAD")
    if r.getheader("ETag") != etag:
        r, body = fetch("GET")
        etag = r.getheader("ETag")
        if marker in body: break
    if time.time() - t0 > 120: raise SystemExit("the new article did not appear within 120 s")
    time.sleep(0.01)
t1 = time.time()
print(f"{(t1 - t0) * 1000:.0f} {time.strftime('%H:%M:%S', time.localtime(t0))}.{int(t0 * 1000) % 1000:03d}")
PY
# publish_one N: generates article number N (newer than all others), copies it in, and sets
# PUBLISH_MS (copy -> its link in rss.xml), REBUILD_MS (the "Built feeds of N+1 articles" line) and the
# log times COPY_AT / ADDED_AT / BUILT_AT.
publish_one() {
  local n=$1 file enc date title
  python3 "$HERE/generate.py" "$WORK/new" --count 1 --start-index "$n" --manifest "$WORK/new-manifest.txt" 2>/dev/null
  IFS=$'\t' read -r file _ enc date _ title <"$WORK/new-manifest.txt"
  log "publishing a new article: $file ($enc, $date) \"$title\""
  read -r PUBLISH_MS COPY_AT <<<"$(python3 "$WORK/poll.py" "$WORK/new/$file" "$ART/$file" "$PORT" "/${file%.*}<")"
  [[ -n $PUBLISH_MS ]] || die "polling for the new title failed"
  wait_for_log "$WORK/service.log" "Built feeds of $((n + 1)) articles" 60
  REBUILD_MS=$(built_ms "$WORK/service.log" "$((n + 1))")
  ADDED_AT=$(grep -B1 -F "Added ${file%.*}" "$WORK/service.log" | head -1 | cut -d' ' -f1 || true)
  BUILT_AT=$(grep -B1 -E "Built feeds of $((n + 1)) articles" "$WORK/service.log" | tail -2 | head -1 | cut -d' ' -f1 || true)
  log "copied at $COPY_AT, 'Added' logged at $ADDED_AT, 'Built feeds' logged at $BUILT_AT; rebuild $REBUILD_MS ms; visible in rss.xml after $PUBLISH_MS ms"
}
phase publish
publish_one "$COUNT"
P1="rebuild after one new article (log): $REBUILD_MS ms  (Built feeds of $((COUNT + 1)) articles)
    copy -> new article in /feeds/rss.xml: $PUBLISH_MS ms  (copied $COPY_AT, Added logged $ADDED_AT, Built logged $BUILT_AT)"
# A second article shows what the first one paid for the parse and insert code running for the first time
# in this process (the start-up scan found every file unchanged, so none of it had run yet).
wait_idle "$SVC_PID" 60
publish_one "$((COUNT + 1))"
phase_end publish
P2="second new article, same service: rebuild $REBUILD_MS ms; copy -> in rss.xml $PUBLISH_MS ms (copied $COPY_AT, Added $ADDED_AT, Built $BUILT_AT)"

# ---------------------------------------------------------------- (c) serving: service vs nginx
wait_idle "$SVC_PID" 60
mkdir -p "$WORK/www/feeds" "$WORK/nginx"
curl -fsS "$URL/feeds/rss.xml" -o "$WORK/www/feeds/rss.xml"
# The service's gzip bytes, as made once per document; nginx's gzip_static serves this very file.
curl -fsS -H 'Accept-Encoding: gzip' "$URL/feeds/rss.xml" -o "$WORK/www/feeds/rss.xml.gz"
touch -r "$WORK/www/feeds/rss.xml" "$WORK/www/feeds/rss.xml.gz"
BR_BYTES=$(curl -fsS -H 'Accept-Encoding: br' "$URL/feeds/rss.xml" | wc -c)
chmod -R a+rX "$WORK/www"
FEED_BYTES=$(stat -c %s "$WORK/www/feeds/rss.xml")
NGINX_PORT=$(free_port)
NGINX_URL=http://127.0.0.1:$NGINX_PORT
nginx_conf "$WORK" "$NGINX_PORT" "$NGINX_WORKERS" >"$WORK/nginx/nginx.conf"
log "starting nginx on $NGINX_URL (worker_processes $NGINX_WORKERS)"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" -g 'daemon off;' &
NGINX_PID=$!
for ((i = 0; i < 100; i++)); do curl -fsS -o /dev/null "$NGINX_URL/feeds/rss.xml" 2>/dev/null && break; sleep 0.1; done
curl -fsS "$URL/feeds/rss.xml" -o "$WORK/from-service.xml"
curl -fsS "$NGINX_URL/feeds/rss.xml" -o "$WORK/from-nginx.xml" || die "nginx does not serve the file; see $RESULTS/error.log"
cmp "$WORK/from-service.xml" "$WORK/from-nginx.xml" || die "the service and nginx serve different bytes"
curl -fsS -H 'Accept-Encoding: gzip' "$URL/feeds/rss.xml" -o "$WORK/from-service.xml.gz"
curl -fsS -H 'Accept-Encoding: gzip' "$NGINX_URL/feeds/rss.xml" -o "$WORK/from-nginx.xml.gz"
cmp "$WORK/from-service.xml.gz" "$WORK/from-nginx.xml.gz" || die "the service and nginx serve different gzip bytes"
GZ_BYTES=$(stat -c %s "$WORK/from-nginx.xml.gz")
log "both serve the same $FEED_BYTES bytes, and the same $GZ_BYTES gzip bytes (cmp ok); Brotli $BR_BYTES bytes"

tree_ticks() { # CPU ticks (1/100 s) used so far by process $1 and its children (nginx's workers)
  local p t=0
  for p in $1 $(pgrep -P "$1" || true); do t=$((t + $(cpu_ticks "$p"))); done
  echo $t
}
declare -A CPU_USED BUSY_BEFORE
run_wrk() { # name url pid [extra wrk arguments]
  local out=$WORK/wrk-$1.txt t0
  log "wrk warm-up $WRK_WARMUP against $1"
  wrk -t2 -c64 -d"$WRK_WARMUP" "${@:4}" "$2" >"$WORK/wrk-$1-warmup.txt" 2>&1
  BUSY_BEFORE[$1]=$(cpu_busy 2)
  log "wrk -t2 -c64 -d$WRK_DURATION --latency ${*:4} $2 (machine ${BUSY_BEFORE[$1]}% busy just before)"
  t0=$(tree_ticks "$3")
  phase "wrk-$1"
  wrk -t2 -c64 -d"$WRK_DURATION" --latency "${@:4}" "$2" >"$out" 2>&1
  phase_end "wrk-$1"
  CPU_USED[$1]=$(awk -v t=$(( $(tree_ticks "$3") - t0 )) -v d="${WRK_DURATION%s}" 'BEGIN {printf "%.2f", t / 100 / d}')
  cat "$out" >&2
}
wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk-$1.txt"; }
wrk_field() { grep -E "$2" "$WORK/wrk-$1.txt" | sed -E 's/^ +//' || true; }
wrk_errors() {
  local e
  e=$( { wrk_field "$1" '^Non-2xx'; wrk_field "$1" '^Socket errors'; } | paste -sd ';' -)
  echo "${e:-none}"
}
wrk_lat() { awk '/^ +Latency +[0-9]/ {l=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "avg %s, p50 %s, p99 %s", l, p50, p99}' "$WORK/wrk-$1.txt"; }
wrk_xfer() { awk '/^Transfer\/sec:/ {print $2}' "$WORK/wrk-$1.txt"; }

wait_idle "$SVC_PID" 60
run_wrk service "$URL/feeds/rss.xml" "$SVC_PID"
SVC_STATUS=$(grep -E '^(VmHWM|VmRSS)' "/proc/$SVC_PID/status" | awk '{printf "%s %d MB ", $1, $2/1024}')
run_wrk nginx "$NGINX_URL/feeds/rss.xml" "$NGINX_PID"
wait_idle "$SVC_PID" 60
run_wrk service-gzip "$URL/feeds/rss.xml" "$SVC_PID" -H 'Accept-Encoding: gzip'
run_wrk nginx-gzip "$NGINX_URL/feeds/rss.xml" "$NGINX_PID" -H 'Accept-Encoding: gzip'
SVC_PEAK=$(awk '/^VmHWM/ {printf "%d", $2/1024}' "/proc/$SVC_PID/status")
SVC_RSS_END=$(awk '/^VmRSS/ {printf "%d", $2/1024}' "/proc/$SVC_PID/status")
SVC_RPS=$(wrk_rps service) NGINX_RPS=$(wrk_rps nginx)
SVC_GZ_RPS=$(wrk_rps service-gzip) NGINX_GZ_RPS=$(wrk_rps nginx-gzip)
[[ -n $SVC_RPS && -n $NGINX_RPS && -n $SVC_GZ_RPS && -n $NGINX_GZ_RPS ]] || die "could not read Requests/sec from wrk's output"
RATIO=$(awk -v a="$SVC_RPS" -v b="$NGINX_RPS" 'BEGIN{printf "%.2f", a/b}')
GZ_RATIO=$(awk -v a="$SVC_GZ_RPS" -v b="$NGINX_GZ_RPS" 'BEGIN{printf "%.2f", a/b}')
LOAD_END=$(loadavg)
OTHERS=$(others_during)

# ---------------------------------------------------------------- summary
{
  echo "================ Publisher benchmark summary ================"
  echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC'); build: bench/out/publisher from $(date -u -r "$DLL" '+%Y-%m-%d %H:%M UTC') (HEAD is now $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "machine:  $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') RAM, dotnet $(dotnet --version), $(nginx -v 2>&1 | sed 's/.*: //'), wrk $(dpkg-query -W -f='${Version}' wrk 2>/dev/null)"
  echo "load avg: start $LOAD_START, end $LOAD_END; $QUIET_NOTE"
  echo "others:   CPU used by other processes (share of all $(nproc) cores): $OTHERS"
  echo "articles: $COUNT generated ($(sed -E 's/^generated [0-9]+ articles in [^:]*: //' "$WORK/generate.log")), ${DB_MB} MB database"
  echo
  echo "(a) ingest (process start included; an empty ingest costs $STARTUP_MS ms)"
  echo "    first run, all added:     $ADDED in $INGEST1_MS ms = $INGEST1_RATE articles/s"
  echo "    second run, all unchanged: $UNCHANGED in $INGEST2_MS ms = $INGEST2_RATE articles/s"
  echo "    diagnostics: 'feeds export' (loads the index, builds every first page) $EXPORT_MS ms"
  echo "                 $DOCS"
  echo "(b) rebuild and publish"
  echo "    service start: /healthz after $HEALTHZ_MS ms, first build of $COUNT articles logged after $FIRST_BUILD_WALL_MS ms (reported $FIRST_BUILD_MS ms)"
  echo "    $P1"
  echo "    $P2"
  echo "(c) serving /feeds/rss.xml ($FEED_BYTES bytes), wrk -t2 -c64 -d$WRK_DURATION after a $WRK_WARMUP warm-up"
  echo "    service: $SVC_RPS req/s ($(wrk_lat service); $(wrk_xfer service)/s), errors: $(wrk_errors service)"
  echo "             server CPU ${CPU_USED[service]} cores on average; machine ${BUSY_BEFORE[service]}% busy just before"
  echo "    nginx:   $NGINX_RPS req/s ($(wrk_lat nginx); $(wrk_xfer nginx)/s), errors: $(wrk_errors nginx)  [worker_processes $NGINX_WORKERS]"
  echo "             server CPU ${CPU_USED[nginx]} cores on average; machine ${BUSY_BEFORE[nginx]}% busy just before"
  echo "    ratio service/nginx: $RATIO"
  echo "    service memory after its wrk run: $SVC_STATUS"
  echo "(c') serving /feeds/rss.xml gzip ($GZ_BYTES bytes; Brotli $BR_BYTES bytes), same wrk with -H 'Accept-Encoding: gzip'; nginx gzip_static"
  echo "    service: $SVC_GZ_RPS req/s ($(wrk_lat service-gzip); $(wrk_xfer service-gzip)/s), errors: $(wrk_errors service-gzip)"
  echo "             server CPU ${CPU_USED[service-gzip]} cores on average; machine ${BUSY_BEFORE[service-gzip]}% busy just before"
  echo "    nginx:   $NGINX_GZ_RPS req/s ($(wrk_lat nginx-gzip); $(wrk_xfer nginx-gzip)/s), errors: $(wrk_errors nginx-gzip)"
  echo "             server CPU ${CPU_USED[nginx-gzip]} cores on average; machine ${BUSY_BEFORE[nginx-gzip]}% busy just before"
  echo "    ratio service/nginx (gzip): $GZ_RATIO"
  echo "memory:   service peak RSS (VmHWM) after ingest, publishing and all four wrk runs: $SVC_PEAK MB; current $SVC_RSS_END MB"
  echo "=============================================================="
} | tee "$WORK/summary.txt"
log "logs and wrk output copied to ${RESULTS#"$ROOT"/} on exit"
