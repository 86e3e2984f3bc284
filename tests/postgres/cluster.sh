#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests: Debian's server binaries, a temp folder owned by the user that runs it
# (postgres when this runs as root), a free localhost port, no system service. Prints the connection string.
#   start: tests/postgres/cluster.sh start DIR   -> prints "Host=127.0.0.1;Port=N;Username=postgres;..."
#   stop:  tests/postgres/cluster.sh stop DIR
#   restart (the fault test): tests/postgres/cluster.sh restart DIR
set -euo pipefail
cmd=${1:?start|stop|restart}; dir=${2:?cluster folder}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }
as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
user=$( [ "$(id -u)" -eq 0 ] && echo postgres || id -un )
case $cmd in
  start)
    mkdir -p "$dir"; [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as "$bin/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # Throwaway data: no fsync. Enough connections for many hosts' pools (each test host keeps a few).
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 400
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
timezone = 'UTC'
CONF
    as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "Host=127.0.0.1;Port=$port;Username=$user;Database=postgres"
    ;;
  stop) [ -d "$dir/data" ] && as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true ;;
  restart) as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
