# Shared by the demos (sourced by scripts/demo and scripts/demo-cluster): tools and jars, free ports, a
# private state directory with the mesh key, admin token and PKI, the nodes' processes and their
# clean stop, waiting with a deadline. Expects $root; each demo sets what is its own.

say() { echo "demo: $*" >&2; }

# Installs what is missing and builds the jars once, before several nodes start at the same time.
demo_tools() {
  "$root/scripts/ensure-tools"
  "$root/scripts/mesh-node" --version >/dev/null
  "$root/scripts/mesh-admin" --version >/dev/null
}

ports_free() {  # host port...: exits 1 naming the first port in use
  local host=$1 port
  shift
  for port in "$@"; do
    if (echo >/dev/tcp/"$host"/"$port") 2>/dev/null; then
      echo "demo: port $port on $host is in use; stop what uses it first" >&2
      exit 1
    fi
  done
}

# A private directory ($state) with the mesh key, the admin token ($token) and a CA with a certificate
# per node for the cluster's mutual TLS (docs/security.md); the nodes' files name it through
# CLOAKMESH_DEMO_STATE.
demo_state() {  # name node...
  local name=$1 node
  shift
  state="$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")"
  chmod 700 "$state"
  (umask 077; head -c 32 /dev/urandom >"$state/mesh.key"; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/admin.token")
  "$root/scripts/mesh-admin" pki init --dir "$state/pki" --name "cloakmesh demo CA" --days 30 >/dev/null
  for node in "$@"; do
    "$root/scripts/mesh-admin" pki issue "$node" --ca-dir "$state/pki" --ip 127.0.0.1 --days 30 --out "$state/pki" >/dev/null
  done
  export CLOAKMESH_DEMO_STATE="$state"
  token="$(cat "$state/admin.token")"
}

# Every process the demo started, by name; stopped with SIGTERM (nodes drain and leave the cluster).
declare -A pids=()
sleeper=""
demo_stopped() { :; }  # a demo's own clean-up, run after its processes ended
stop_all() {
  trap - INT TERM EXIT
  [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
  say "stopping (SIGTERM: the nodes drain and leave the cluster) ..."
  for name in "${!pids[@]}"; do kill -TERM "${pids[$name]}" 2>/dev/null || true; done
  for name in "${!pids[@]}"; do wait "${pids[$name]}" 2>/dev/null || true; done
  demo_stopped
  if [ -z "${KEEP_STATE:-}" ]; then rm -rf "$state"; else say "logs kept in $state"; fi
}
demo_traps() {
  trap stop_all EXIT
  trap 'stop_all; exit 130' INT
  trap 'stop_all; exit 143' TERM
}

start_node() {  # name config-file
  "$root/scripts/mesh-node" run --config "$2" >"$state/$1.log" 2>&1 &
  pids[$1]=$!
}

admin() {  # port path [method]
  curl -sf -X "${3:-GET}" -H "Authorization: Bearer $token" "http://127.0.0.1:$1$2"
}

wait_for() {  # seconds description command...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then say "timed out waiting for $what"; return 1; fi
    sleep 0.5
  done
}

fail() {  # $check_name says which check failed
  echo "$check_name: FAIL: $*"
  for f in "$state"/*.log; do echo "--- $f"; tail -20 "$f"; done >&2
  exit 1
}

# Runs until Ctrl-C; waiting in `wait` (not in a foreground sleep) lets the INT/TERM trap run at once.
run_until_stopped() {
  while true; do sleep 3600 & sleeper=$!; wait $sleeper || true; done
}
