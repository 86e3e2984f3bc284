#!/usr/bin/env bash
# Times the admin console's members page on a list of 100,000 members, over HTTP as a browser asks for it (signed in,
# with the cookie): the first page, a middle page, the last page, a search by address, a search by name, a status filter.
# Usage: bench/admin-members.sh [MEMBERS] [REQUESTS]   (publishes a Release build to bench/out/admin first;
#        BENCH_KEEP=1 keeps the data folder for a look with sqlite3)
set -euo pipefail
cd "$(dirname "$0")/.."
members=${1:-100000}
requests=${2:-20}
dll=bench/out/admin/Publisher.dll
dotnet publish src/Publisher -c Release -o bench/out/admin >/dev/null
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; [ -n "${BENCH_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
python3 - "$members" "$work/people.csv" <<'PY'
import random, sys
rows, path = int(sys.argv[1]), sys.argv[2]
random.seed(7)
surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
with open(path, "w", encoding="utf-8") as f:
    f.write("email,name\n")
    for i in range(rows):
        name = random.choice(surnames) + random.choice(given) + (random.choice(given) if i % 2 else "")
        f.write(f"reader{i:06d}@example{i % 50}.cn,{name}\n")
PY
key=bench-admin-key-0123456789abcdefghijklmnopqrstuvwxyz
args=(--Publisher:DataPath="$work/data" --Publisher:ArticlesPath="$work/articles" --Publisher:AdminApiKey="$key")
mkdir -p "$work/articles"
dotnet "$dll" lists create bench "${args[@]}" >/dev/null
dotnet "$dll" subscribers import "$work/people.csv" --list bench --confirmed "${args[@]}" | tail -n 1
# A tenth unsubscribe, so the status filter has something to skip.
python3 - "$work/data/publisher.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE Memberships SET Status = 'Unsubscribed' WHERE Id % 10 = 0")
db.commit()
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
dotnet "$dll" --urls "$base" "${args[@]}" >"$work/service.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
jar="$work/cookies"
token=$(curl -fs -c "$jar" -b "$jar" "$base/admin/signin" | grep -o 'name="__RequestVerificationToken" value="[^"]*"' | sed 's/.*value="//; s/"$//')
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "__RequestVerificationToken=$token" --data-urlencode "key=$key" "$base/admin/signin"
last=$(( (members + 49) / 50 ))
echo "members page, $requests requests each after 3 warm-up requests (milliseconds: median / 95th percentile / max):"
for path in "/admin/lists/bench" "/admin/lists/bench?page=$((last / 2))" "/admin/lists/bench?page=$last" \
            "/admin/lists/bench?q=reader0999" "/admin/lists/bench?q=%E7%8E%8B%E4%BC%9F" "/admin/lists/bench?status=unsubscribed&page=100" \
            "/admin/lists/bench?q=example7.cn&status=confirmed&page=20"; do
  for _ in 1 2 3; do curl -fs -o /dev/null -b "$jar" "$base$path"; done
  for _ in $(seq 1 "$requests"); do curl -fs -o /dev/null -b "$jar" -w '%{time_total}\n' "$base$path"; done | python3 -c '
import sys
t = sorted(float(x) * 1000 for x in sys.stdin)
print(f"  {sys.argv[1]:<62} {t[len(t)//2]:6.1f} / {t[int(len(t)*0.95)-1]:6.1f} / {t[-1]:6.1f}")' "$path"
done
curl -fs -b "$jar" "$base/admin/lists/bench" | grep -o '[0-9,]* members match; page [0-9]* of [0-9,]*' | head -1
