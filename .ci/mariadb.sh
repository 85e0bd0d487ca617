#!/usr/bin/env bash
# A private MariaDB server for the tests: its own data directory, socket, pid file
# and port on 127.0.0.1, started in the background by whoever calls this script.
# Nothing of the machine's own MariaDB (configuration, /var/lib/mysql, service) is used.
#
#   .ci/mariadb.sh init     create the data directory (once), then start
#   .ci/mariadb.sh start    start the server and wait until it answers
#   .ci/mariadb.sh stop     shut it down and wait until it is gone
#   .ci/mariadb.sh sql ...  run the mariadb client as its administrator over the socket
#
# CHAT_MARIADB_DIR (default /tmp/chat-mariadb) holds everything; CHAT_MARIADB_PORT
# (default 23306, below the ephemeral port range) is the TCP port. The end-to-end outage test calls stop and start.
#
# A throwaway server for tests: the log is flushed to disk once a second rather than
# at every commit (a crash of the machine may lose the last second; nothing the
# tests check), which makes the many small transactions of the tests much faster.
set -euo pipefail

DIR="${CHAT_MARIADB_DIR:-/tmp/chat-mariadb}"
PORT="${CHAT_MARIADB_PORT:-23306}"
DATA="$DIR/data"
SOCKET="$DIR/mariadb.sock"
PIDFILE="$DIR/mariadb.pid"
LOG="$DIR/mariadb.log"

server_binary() {
  command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -n 1
}

# mariadb-install-db gives the account of the user who ran it (root, or whoever) socket
# authentication: whoever runs this script is the server's administrator, without a password.
client() {
  mariadb --no-defaults --protocol=socket --socket="$SOCKET" --user="$(id -un)" "$@"
}

running() {
  [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

start() {
  if running; then
    echo "mariadb: already running (pid $(cat "$PIDFILE"), port $PORT)"
    return 0
  fi
  local binary
  binary="$(server_binary)"
  if [[ -z "$binary" ]]; then
    echo "mariadb: no mariadbd found; install mariadb-server" >&2
    return 1
  fi
  # setsid and no inherited descriptors: the server outlives the shell (or test) that
  # started it, and nobody waits on its output.
  setsid "$binary" --no-defaults \
    --user="$(id -un)" \
    --datadir="$DATA" \
    --socket="$SOCKET" \
    --pid-file="$PIDFILE" \
    --port="$PORT" \
    --bind-address=127.0.0.1 \
    --log-error="$LOG" \
    --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=128M \
    --max-connections=500 \
    --skip-name-resolve \
    --innodb-flush-log-at-trx-commit=2 \
    </dev/null >>"$LOG" 2>&1 &
  for _ in $(seq 1 300); do
    if client -e 'SELECT 1' >/dev/null 2>&1; then
      echo "mariadb: running (pid $(cat "$PIDFILE"), port $PORT, socket $SOCKET)"
      return 0
    fi
    sleep 0.1
  done
  echo "mariadb: did not start within 30 s; the end of its log:" >&2
  tail -n 30 "$LOG" >&2 || true
  return 1
}

stop() {
  if ! running; then
    echo "mariadb: not running"
    return 0
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "mariadb: stopped"
      return 0
    fi
    sleep 0.1
  done
  echo "mariadb: did not stop within 30 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

init() {
  mkdir -p "$DIR"
  if [[ ! -d "$DATA/mysql" ]]; then
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$DATA" \
      --auth-root-authentication-method=socket --skip-test-db >"$DIR/install.log" 2>&1 ||
      { cat "$DIR/install.log" >&2; return 1; }
  fi
  start
}

case "${1:-}" in
  init) init ;;
  start) start ;;
  stop) stop ;;
  sql) shift; client "$@" ;;
  *)
    echo "usage: $0 init|start|stop|sql [client arguments]" >&2
    exit 2
    ;;
esac
