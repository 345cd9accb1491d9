# Source this file (bash): starts a throwaway PostgreSQL server on 127.0.0.1 for the history
# store's tests, exports CRAFT_TEST_POSTGRES, and stops the server when the shell exits.
# Installs PostgreSQL from the operating system's packages (Debian/Ubuntu) if it is missing.

craft_pg_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

craft_pg_start() {
  local sudo="" bindir run="" pw
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  bindir=$(craft_pg_bindir || true)
  if [ -z "$bindir" ]; then
    echo "postgres.sh: installing PostgreSQL from the system packages" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    bindir=$(craft_pg_bindir)
  fi
  CRAFT_PG_DIR=$(mktemp -d /tmp/craft-pg.XXXXXX)
  chmod 755 "$CRAFT_PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    # the server refuses to run as root: run it as the system's postgres user
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$CRAFT_PG_DIR"
    run="runuser -u postgres --"
  fi
  CRAFT_PG_RUN="$run"
  CRAFT_PG_BIN="$bindir"
  pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  echo "$pw" > "$CRAFT_PG_DIR/pw"
  chmod 644 "$CRAFT_PG_DIR/pw"
  CRAFT_PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  $run "$bindir/initdb" -D "$CRAFT_PG_DIR/data" -U craft --pwfile="$CRAFT_PG_DIR/pw" \
    --auth=scram-sha-256 -E UTF8 --locale=C >"$CRAFT_PG_DIR/initdb.log" 2>&1 \
    || { cat "$CRAFT_PG_DIR/initdb.log" >&2; return 1; }
  rm -f "$CRAFT_PG_DIR/pw"
  # loopback only; socket in our folder; no fsync: a throwaway test server
  $run "$bindir/pg_ctl" -D "$CRAFT_PG_DIR/data" -l "$CRAFT_PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $CRAFT_PG_PORT -k $CRAFT_PG_DIR -c fsync=off" start >/dev/null \
    || { cat "$CRAFT_PG_DIR/server.log" >&2; return 1; }
  PGPASSWORD="$pw" "$bindir/createdb" -h 127.0.0.1 -p "$CRAFT_PG_PORT" -U craft craft_test
  export CRAFT_TEST_POSTGRES="postgresql+psycopg://craft:$pw@127.0.0.1:$CRAFT_PG_PORT/craft_test"
  echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$CRAFT_PG_PORT (data in $CRAFT_PG_DIR)" >&2
}

craft_pg_stop() {
  if [ -n "${CRAFT_PG_DIR:-}" ] && [ -d "$CRAFT_PG_DIR/data" ]; then
    $CRAFT_PG_RUN "$CRAFT_PG_BIN/pg_ctl" -D "$CRAFT_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  [ -n "${CRAFT_PG_DIR:-}" ] && rm -rf "$CRAFT_PG_DIR"
  CRAFT_PG_DIR=""
}

trap craft_pg_stop EXIT
craft_pg_start
