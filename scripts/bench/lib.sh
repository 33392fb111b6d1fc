# Shared by the benchmarks (sourced): a work directory cleaned up on exit, background processes,
# the peers' set-up and the redis-benchmark helpers. Expects $root to be set.
"$root/scripts/ensure-tools"
command -v openssl >/dev/null || { echo "openssl is needed for the stunnel certificate" >&2; exit 1; }
command -v strace >/dev/null || { echo "strace is needed for the system-call counts" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  local status=$? kept
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$status" -ne 0 ] && [ -s "$work/procs.log" ]; then
    # A failed run keeps what the nodes and peers said.
    kept=$(mktemp /tmp/cloakmesh-bench-XXXXXX.log)
    cat "$work/procs.log" "$work/bench-errors.log" > "$kept" 2>/dev/null || true
    echo "the run failed; node and peer logs: $kept" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT

wait_port() { for _ in $(seq 600); do (echo > /dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }
bg() { "$@" >>"$work/procs.log" 2>&1 & pids+=($!); }

(umask 077; head -c 32 /dev/urandom > "$work/key")
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench -keyout "$work/stunnel.key" -out "$work/stunnel.crt" 2>/dev/null
stunnel_bin=$(command -v stunnel4 || command -v stunnel)

stunnel_pair() { # name client-port server-port target-port
  local side client accept connect
  for side in c s; do
    if [ $side = c ]; then client=yes accept=$2 connect=$3; else client=no accept=$3 connect=$4; fi
    cat > "$work/$1-$side.conf" <<CONF
foreground = yes
pid =
[$1]
client = $client
accept = 127.0.0.1:$accept
connect = 127.0.0.1:$connect
$( [ $client = no ] && printf 'cert = %s\nkey = %s\n' "$work/stunnel.crt" "$work/stunnel.key" )
CONF
    bg "$stunnel_bin" "$work/$1-$side.conf"
  done
}

spiped_pair() { # client-port server-port target-port
  bg spiped -d -s "[127.0.0.1]:$2" -t "[127.0.0.1]:$3" -k "$work/key" -F -n 0
  bg spiped -e -s "[127.0.0.1]:$1" -t "[127.0.0.1]:$2" -k "$work/key" -F -n 0
}

node_conf() { # file name datacenter cluster-bind seed setting...: a node of the bench's own mesh
  local file=$1 name=$2 dc=$3 bind=$4 seed=$5 setting
  shift 5
  {
    echo "cloakmesh {"
    echo "  node { name = $name, datacenter = $dc }"
    echo "  cluster { bind = \"$bind\", seed-nodes = [\"$seed\"] }"
    echo "  link.security.key-file = \"$work/key\""
    echo "  metrics.log-interval = 0"
    echo "  admin.listen = \"\""
    for setting in "$@"; do echo "  $setting"; done
    echo "}"
  } >"$file"
}

rps() { # port test pipeline data-size requests [redis-benchmark options, e.g. --tls ...]; a run that errors is "failed", not fatal
  local out
  # shellcheck disable=SC2086  # the options are words
  out=$(redis-benchmark -p "$1" -c 50 -n "$5" -t "$2" -P "$3" -d "$4" ${6:-} --csv 2>>"$work/bench-errors.log" \
        | awk -F, 'NR==2 {gsub(/"/,"",$2); print int($2)}') || true
  echo "${out:-failed}"
}

table_header() { # column...: a markdown table's header row and rule
  local column line="|" rule="|"
  for column in "$@"; do line+=" $column |"; rule+="---|"; done
  printf '%s\n%s\n' "$line" "$rule"
}

# A row of the five-path tables (pipe, mesh): netty and pekko-io each over spiped, then one more ratio.
tunnel_row() { # label direct spiped stunnel netty pekko numerator denominator
  echo "| $1 | $2 | $3 | $4 | $5 | $6 | $(ratio "$5" "$3") | $(ratio "$6" "$3") | $(ratio "$7" "$8") |"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 > 0 && a+0 > 0) printf "%.2f", a / b; else print "-" }'; }

report_errors() {
  if [ -s "$work/bench-errors.log" ]; then
    echo; echo "redis-benchmark errors:"; sort "$work/bench-errors.log" | uniq -c | head -5
  fi
}

# What carries across machines (docs/benchmarks.md): CPU of a path's processes and system calls per round trip.
cpu_ticks() { # "PID ...": user + system clock ticks of those processes, summed
  local sum=0 p
  for p in $1; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$sum"
}
cpu_per_100k() { # ticks-before ticks-after requests
  awk -v b="$1" -v a="$2" -v t="$(getconf CLK_TCK)" -v n="$3" 'BEGIN { printf "%.2f", (a - b) / t * 100000 / n }'
}
syscalls_per_get() { # pid port gets: strace -c -f on the process over that many sequential GETs
  local tracer
  strace -c -f -p "$1" -o "$work/strace-$1" 2>/dev/null & tracer=$!
  for _ in $(seq 100); do grep -q 'TracerPid:[[:space:]]*[1-9]' "/proc/$1/status" && break; sleep 0.05; done
  redis-benchmark -p "$2" -c 1 -n "$3" -t get -q >/dev/null 2>>"$work/bench-errors.log"
  kill -INT $tracer; wait $tracer 2>/dev/null || true
  awk -v n="$3" '$NF == "total" {printf "%.1f", $4 / n}' "$work/strace-$1"
}
get_value() { # redis-port bytes [redis-cli options]: the key redis-benchmark's GETs read (key:__rand_int__) holds that many bytes
  # shellcheck disable=SC2086  # the options are words
  head -c "$2" /dev/zero | tr '\0' v | redis-cli ${3:-} -p "$1" -x set key:__rand_int__ >/dev/null
}
one_client() { # port requests: GETs per second with one client (latency-bound)
  local out
  out=$(redis-benchmark -p "$1" -c 1 -n "$2" -t get --csv 2>>"$work/bench-errors.log" \
        | awk -F, 'NR==2 {gsub(/"/,"",$2); print int($2)}') || true
  echo "${out:-failed}"
}
median() { # numbers on stdin, space-separated; "failed" if none
  tr ' ' '\n' | { grep -E '^[0-9.]+$' || true; } | sort -g \
    | awk '{a[NR]=$1} END {if (NR == 0) print "failed"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
cpu_model() { lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}'; }
alloc_start() { # "PID ...": starts a recording of per-thread allocation totals in each of those JVMs
  local p
  for p in $1; do jcmd "$p" JFR.start name=bench-alloc settings="$root/scripts/bench/alloc.jfc" >/dev/null; done
}
alloc_per_request() { # "PID ..." requests: bytes those JVMs allocated since alloc_start, per request (stops the recordings)
  local p sum=0
  for p in $1; do
    jcmd "$p" JFR.stop name=bench-alloc filename="$work/alloc-$p.jfr" >/dev/null
    sum=$((sum + $(python3 "$root/scripts/bench/alloc.py" "$work/alloc-$p.jfr")))
  done
  awk -v b="$sum" -v n="$2" 'BEGIN { printf "%.0f", b / n }'
}
