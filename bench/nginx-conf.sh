# Sourced by bench/run.sh and bench/serve-ceiling.sh: nginx serving WORK/www as the feeds' static twin.
# Usage: nginx_conf WORK PORT WORKERS > WORK/nginx/nginx.conf   (WORK/nginx must exist; WORK must be readable by nginx)
nginx_conf() {
  local work=$1 port=$2 workers=$3
  cat <<EOF2
$([[ $(id -u) == 0 ]] && echo "user root;")
worker_processes $workers;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;   # Kestrel has no per-connection request limit either
    gzip_static on;               # serves rss.xml.gz (the service's own gzip bytes) to clients that accept gzip
    gzip_vary on;                 # with Vary: Accept-Encoding, as the service sends
    types { application/rss+xml xml; }
    default_type application/octet-stream;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$port;
        root $work/www;
    }
}
EOF2
}
