#!/usr/bin/env bash
# Sends one personalized digest of ARTICLES Chinese articles (default 5, the kind issue 12 measures) to N subscribers through Postfix's smtp-sink on
# loopback, then the same number of pre-built messages of the same size with smtp-source over the same
# number of connections (the machine's practical limit). Reports messages/second, the ratio, and the peak
# memory of the sending process.   Usage: bench/digest.sh [SUBSCRIBERS] [CONNECTIONS]
# ARTICLES=20 measures the larger digest of the earlier figures.
# PROFILE=DIR records the send with `perf record -g` into DIR/perf.data, every method JIT-compiled (ReadyToRun off) so that
# DOTNET_PerfMapEnabled names them all; the timing of such a run is not a figure.
# CEILING=1 also sends the same number of messages, in the same run, by bench/Publisher.Benchmarks' `smtp-ceiling` steps:
# MailKit alone re-sending one message (async, then blocking on a thread per connection), then Publisher's personalized
# messages through its SMTP transport without the ledger; each in its own process, start-up included, like `digest send`.
# SYNC=full measures SQLite's synchronous=FULL (every ledger commit synced to disk) instead of the default NORMAL.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
conns=${2:-4}
if ! command -v smtp-sink >/dev/null; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
command -v /usr/bin/time >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
# Published as it would be deployed: ReadyToRun, so the run does not pay for JIT-compiling the whole host.
dotnet publish src/Publisher -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o bench/out/digest >/dev/null
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
smtp-sink -u root "127.0.0.1:$port" 1024 & sink=$!
trap 'kill $sink 2>/dev/null; rm -rf "$work"' EXIT
sleep 0.5
P=(dotnet bench/out/digest/Publisher.dll)
common=(--Publisher:Site:BaseUrl=http://bench.example.org --Publisher:ArticlesPath="$work/articles" --Publisher:Database:Synchronous="${SYNC:-normal}")
python3 bench/generate.py "$work/articles" --count "${ARTICLES:-5}" >/dev/null

# One message to the outbox first, to know the size a personalized digest has.
probe=(--Publisher:DataPath="$work/probe" "${common[@]}")
"${P[@]}" ingest "$work/articles" "${probe[@]}" >/dev/null
"${P[@]}" lists create probe --optin single "${probe[@]}" >/dev/null
"${P[@]}" subscribers add reader@example.org --list probe --name 读者 --confirmed "${probe[@]}" >/dev/null
"${P[@]}" digest send --list probe "${probe[@]}" >/dev/null
size=$(stat -c %s "$work"/probe/outbox/*.eml)

data=(--Publisher:DataPath="$work/data" "${common[@]}")
"${P[@]}" ingest "$work/articles" "${data[@]}" >/dev/null
"${P[@]}" lists create bench --optin single "${data[@]}" >/dev/null
python3 - "$n" "$work/people.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", encoding="utf-8") as f:
    f.write("email,name\n")
    for i in range(n): f.write(f"reader{i:06d}@example{i % 97}.cn,读者{i}\n")
PY
"${P[@]}" subscribers import "$work/people.csv" --list bench --confirmed "${data[@]}" >/dev/null 2>&1
load0=$(cat /proc/loadavg)
smtp=(--Publisher:Smtp:Host=127.0.0.1 --Publisher:Smtp:Port="$port" --Publisher:Smtp:Security=None --Publisher:Smtp:MaxConnections="$conns"
      --Publisher:Smtp:From=digest@news.example.cn)
prof=()
if [[ -n "${PROFILE:-}" ]]; then
  mkdir -p "$PROFILE"; export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 DOTNET_ReadyToRun=0
  prof=(perf record -F 999 -g -o "$PROFILE/perf.data" --)
fi
start=$(date +%s.%N)
/usr/bin/time -f "%M %U %S" -o "$work/rss" "${prof[@]}" "${P[@]}" digest send --list bench "${data[@]}" "${smtp[@]}" > "$work/out" 2>"$work/err" || true
end=$(date +%s.%N)
ours=$(python3 -c "print(f'{$n/($end-$start):.0f}')")
unset DOTNET_PerfMapEnabled DOTNET_EnableWriteXorExecute DOTNET_ReadyToRun
echo "load before: $load0"
echo "Publisher digest send: $(cat "$work/out"); $n messages of ~$size bytes over $conns connections in $(python3 -c "print(f'{$end-$start:.1f}')") s (start-up included) = $ours msg/s; peak RSS $(( $(tail -1 "$work/rss" | cut -d" " -f1) / 1024 )) MB, CPU user+sys $(tail -1 "$work/rss" | cut -d" " -f2,3)"
ceilings=()
if [[ -n "${CEILING:-}" ]]; then
  dotnet publish bench/Publisher.Benchmarks -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o bench/out/ceiling >/dev/null
  for mode in ${CEILING_MODES:-reused reused-sync personalized-mailkit personalized}; do
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$work/cpu" dotnet bench/out/ceiling/Publisher.Benchmarks.dll smtp-ceiling "$mode" "$port" "$n" "$conns" > "$work/ceiling"
    end=$(date +%s.%N)
    rate=$(python3 -c "print(f'{$n/($end-$start):.0f}')")
    ceilings+=("$mode $rate")
    echo "smtp-ceiling $mode: $(head -1 "$work/ceiling"); $n in $(python3 -c "print(f'{$end-$start:.1f}')") s (start-up included) = $rate msg/s, CPU user+sys $(cat "$work/cpu")"
  done
fi
start=$(date +%s.%N)
smtp-source -d -s "$conns" -m "$n" -l "$size" -f digest@bench.example.org -t reader@example.cn "127.0.0.1:$port"
end=$(date +%s.%N)
theirs=$(python3 -c "print(f'{$n/($end-$start):.0f}')")
echo "smtp-source: $n messages of $size bytes over $conns connections in $(python3 -c "print(f'{$end-$start:.1f}')") s = $theirs msg/s"
echo "load after: $(cat /proc/loadavg)"
echo "ratio Publisher / smtp-source: $(python3 -c "print(f'{$ours/$theirs:.2f}')")"
for c in "${ceilings[@]}"; do echo "ratio smtp-ceiling ${c% *} / smtp-source: $(python3 -c "print(f'{${c#* }/$theirs:.2f}')")"; done
