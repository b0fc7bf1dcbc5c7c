#!/usr/bin/env bash
# The production stack on this machine, from the same files the containers use:
# migrations, gunicorn (_DOCKER/gunicorn.conf.py), the worker, and nginx (_DOCKER/nginx/)
# in front, against PostgreSQL, Redis and RabbitMQ from the environment.
#
#   _DOCKER/serve.sh start   # returns once nginx answers /ready; state in $SERVE_DIR
#   _DOCKER/serve.sh stop    # SIGTERM to each process, then waits for it
#
# Every setting can come from the environment; the defaults below suit the local services.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

SERVE_DIR=$(realpath -m "${SERVE_DIR:-var/serve}")
NGINX_PORT=${NGINX_PORT:-8080}
API_PORT=${API_PORT:-8000}
# The locked environment (`make sync`); its executables are called directly, so each pid
# below is the process itself and SIGTERM reaches it.
BIN=${BIN:-$PWD/.venv/bin}

export ENVIRONMENT=${ENVIRONMENT:-production}
export DATABASE_URL=${DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/armature}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export RABBITMQ_URL=${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}
export TRUSTED_HOSTS=${TRUSTED_HOSTS:-127.0.0.1,localhost}
# nginx is the only peer whose X-Forwarded-For the app believes.
export TRUSTED_PROXIES=${TRUSTED_PROXIES:-127.0.0.1}
# An identifier, not a fetched URL: production insists on https even behind a local proxy.
export TOKEN_ISSUER=${TOKEN_ISSUER:-https://127.0.0.1:$NGINX_PORT}
# A local mail catcher (e.g. `python -m aiosmtpd -n -l 127.0.0.1:1025`); without one the
# worker's mails wait in the queue's retries, then its dead letters. Requests never wait.
export SMTP_HOST=${SMTP_HOST:-127.0.0.1}
export SMTP_PORT=${SMTP_PORT:-1025}
export SMTP_SECURITY=${SMTP_SECURITY:-none}
export FILES_DIR=${FILES_DIR:-$SERVE_DIR/files}
export SECRETS_DIR=${SECRETS_DIR:-$SERVE_DIR/secrets}
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
export GUNICORN_BIND=127.0.0.1:$API_PORT
# gunicorn's alone: other processes keep their metrics in their own memory.
METRICS_DIR=${PROMETHEUS_MULTIPROC_DIR:-$SERVE_DIR/metrics}
unset PROMETHEUS_MULTIPROC_DIR

start() {
  mkdir -p "$SERVE_DIR/nginx" "$SECRETS_DIR"
  for name in gunicorn worker nginx; do
    if [ -e "$SERVE_DIR/$name.pid" ] && kill -0 "$(cat "$SERVE_DIR/$name.pid")" 2>/dev/null; then
      echo "$name from an earlier start still runs: run '$0 stop' first" >&2
      exit 1
    fi
  done
  # Whatever fails from here on, nothing started is left running.
  trap 'stop' ERR
  signing_key
  ensure_database
  "$BIN/armature" db upgrade
  # The pid from here, not gunicorn's --pid file: gunicorn writes that late and removes it
  # when it dies, and a start that fails must still find the master to stop or report.
  PROMETHEUS_MULTIPROC_DIR=$METRICS_DIR "$BIN/gunicorn" -c _DOCKER/gunicorn.conf.py \
    'api.main:create_app()' >"$SERVE_DIR/gunicorn.log" 2>&1 &
  echo $! >"$SERVE_DIR/gunicorn.pid"
  "$BIN/armature" worker >"$SERVE_DIR/worker.log" 2>&1 &
  echo $! >"$SERVE_DIR/worker.pid"
  nginx_config
  nginx -p "$SERVE_DIR/nginx" -c "$SERVE_DIR/nginx/nginx.conf" \
    -g 'daemon off;' >"$SERVE_DIR/nginx.log" 2>&1 &
  echo $! >"$SERVE_DIR/nginx.pid"
  wait_until_ready
  trap - ERR
  echo "serving on http://127.0.0.1:$NGINX_PORT (logs and pids in $SERVE_DIR)"
}

signing_key() {
  # Kept across restarts, so tokens stay valid; never committed (var/ is ignored).
  local key="$SECRETS_DIR/token_signing_key"
  [ -s "$key" ] || (umask 077 && "$BIN/python" -c \
    'from core.adapters.jose_tokens import generate_signing_key_pem as g; print(g(), end="")' >"$key")
}

ensure_database() {
  # A fresh machine has the server but not the database: create it, as `createdb` would.
  "$BIN/python" - <<'PY'
import asyncio, os
import asyncpg
from sqlalchemy.engine import make_url

async def main() -> None:
    url = make_url(os.environ["DATABASE_URL"])
    if not url.drivername.startswith("postgresql"):
        return
    server = url.set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", url.database):
            await connection.execute(f'CREATE DATABASE "{url.database}"')
    finally:
        await connection.close()

asyncio.run(main())
PY
}

nginx_config() {
  # The same file as the image's, bound to loopback on NGINX_PORT here.
  sed "s/^\(\s*\)listen 8080;/\1listen 127.0.0.1:$NGINX_PORT;/" _DOCKER/nginx/nginx.conf \
    >"$SERVE_DIR/nginx/nginx.conf"
  echo "server 127.0.0.1:$API_PORT;" >"$SERVE_DIR/nginx/armature-upstream.conf"
  nginx -t -q -p "$SERVE_DIR/nginx" -c "$SERVE_DIR/nginx/nginx.conf"
}

wait_until_ready() {
  for _ in $(seq 1 120); do
    if "$BIN/python" -c "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:$NGINX_PORT/ready', timeout=1).status_code != 200)" 2>/dev/null; then
      return
    fi
    for name in gunicorn worker nginx; do
      local pid_file="$SERVE_DIR/$name.pid"
      if [ -e "$pid_file" ] && ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        echo "$name exited; its log:" >&2
        tail -n 40 "$SERVE_DIR/$name.log" >&2
        stop
        exit 1
      fi
    done
    sleep 0.5
  done
  echo "not ready after 60 s; see $SERVE_DIR/*.log" >&2
  stop
  exit 1
}

stop() {
  # nginx last: gunicorn drains behind it (/ready turns 503, in-flight requests finish).
  for name in gunicorn worker nginx; do
    local pid_file="$SERVE_DIR/$name.pid"
    [ -e "$pid_file" ] || continue
    local pid
    pid=$(cat "$pid_file")
    if kill -TERM "$pid" 2>/dev/null; then
      for _ in $(seq 1 90); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
    fi
    rm -f "$pid_file"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
