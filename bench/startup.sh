#!/usr/bin/env bash
# bin/signet-bench startup [RUNS]: how long the launchers take to be useful, with and without the
# class-data-sharing archive bin/jvm-launch.sh keeps.
#   - signetd serve, from exec to "signetd ready on" on standard output and to the first 200 of
#     /readyz, RUNS starts each (median, best, worst);
#   - signet control-plane (12 certificates, 5 kubeconfigs, fresh output directory each run)
#     against the warm daemon, and signet --version, with hyperfine (RUNS runs after 2 warm-ups).
# The load average is printed beside each figure: the machine may be shared.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-10}"
for command in hyperfine curl softhsm2-util python3; do
  command -v "$command" >/dev/null || {
    echo "signet-bench startup: $command is missing (apt-get install -y hyperfine curl softhsm2 python3)" >&2
    exit 1
  }
done
work="$root/bench/target/startup"
rm -rf "$work"
mkdir -p "$work"
archives="$work/cds"
"$root/hsm-config/create-softhsm-token.sh" --dir "$work" >/dev/null
export SOFTHSM2_CONF="$work/softhsm2.conf"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api_port="$(free_port)"
sed -i -e "s/^listen: .*/listen: \"127.0.0.1:$api_port\"/" \
  -e 's/^  listen: "127.0.0.1:7444"/  listen: "127.0.0.1:0"/' \
  -e 's/^  # listen: "127.0.0.1:9465"/  listen: "127.0.0.1:0"/' "$work/signetd.yaml"
SIGNET_CDS_DIR="" "$root/bin/signetd" init -c "$work/signetd.yaml" >/dev/null 2>"$work/init.log" || {
  cat "$work/init.log" >&2
  exit 1
}

load() { cut -d' ' -f1 /proc/loadavg; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

daemon=""
stop_daemon() {
  if [[ -n "$daemon" ]] && kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon"
    wait "$daemon" 2>/dev/null || true
  fi
  daemon=""
}
trap stop_daemon EXIT

# Starts signetd serve; sets ready_ms (exec to the "ready" line), readyz_ms (to /readyz 200) and
# cpu_ms (the daemon's CPU time, user and system, until the "ready" line: less sensitive to the
# machine's load than the wall time).
start_daemon() {
  local log="$work/serve.log" start
  : >"$log"
  start="$(now_ms)"
  "$root/bin/signetd" serve -c "$work/signetd.yaml" >"$log" 2>&1 &
  daemon=$!
  until grep -q "signetd ready on" "$log"; do
    kill -0 "$daemon" 2>/dev/null || {
      cat "$log" >&2
      exit 1
    }
    sleep 0.01
  done
  ready_ms=$(($(now_ms) - start))
  cpu_ms=$(awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$daemon/stat")
  local probes
  probes="$(sed -n 's/^signetd metrics on //p' "$log")"
  until curl -sf -o /dev/null "$probes/readyz"; do sleep 0.01; done
  readyz_ms=$(($(now_ms) - start))
}

summary() { # label, then the figures in ms
  local label="$1"
  shift
  printf '%s\n' "$@" | sort -n | awk -v label="$label" '{ v[NR] = $1 } END {
    median = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "| %s | %d | %.2f s | %.2f s | %.2f s |", label, NR, median / 1000, v[1] / 1000, v[NR] / 1000 }'
}

echo "signetd serve: exec to ready, $runs starts each (load average at the start: $(load))"
echo
echo "| archive | starts | median | best | worst | load after |"
echo "|---|---|---|---|---|---|"
for mode in none archive; do
  if [[ "$mode" == none ]]; then
    export SIGNET_CDS_DIR=""
  else
    export SIGNET_CDS_DIR="$archives"
    start_daemon # the first start writes the archive when it stops
    stop_daemon
  fi
  ready=()
  readyz=()
  cpu=()
  for _ in $(seq 1 "$runs"); do
    start_daemon
    ready+=("$ready_ms")
    readyz+=("$readyz_ms")
    cpu+=("$cpu_ms")
    stop_daemon
  done
  echo "$(summary "$mode, \"ready\" line" "${ready[@]}") $(load) |"
  echo "$(summary "$mode, /readyz 200" "${readyz[@]}") $(load) |"
  echo "$(summary "$mode, CPU time to ready" "${cpu[@]}") $(load) |"
done

echo
echo "signet control-plane against the warm daemon (archive), hyperfine, $runs runs each"
export SIGNET_CDS_DIR="$archives"
start_daemon
out="$work/out"
control_plane="$root/bin/signet control-plane --config $work/operator/signet.yaml --node cp-1 --advertise-address 127.0.0.1 --out $out"
"$root/bin/signet" control-plane --config "$work/operator/signet.yaml" --node cp-1 \
  --advertise-address 127.0.0.1 --out "$out" >/dev/null # writes the archive
echo "load average before: $(load)"
hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$work/hyperfine.json" \
  --prepare "rm -rf $out" \
  -n "control-plane, JIT tier 4, no archive (before)" \
  "SIGNET_CDS_DIR= SIGNET_JAVA_OPTS=-XX:TieredStopAtLevel=4 $control_plane" \
  -n "control-plane, JIT tier 1, no archive" "SIGNET_CDS_DIR= $control_plane" \
  -n "control-plane, JIT tier 1, archive (default)" "$control_plane" \
  -n "signet --version" "$root/bin/signet --version" >"$work/hyperfine.log"
echo "load average after: $(load)"
echo
python3 - "$work/hyperfine.json" <<'TABLE'
import json, sys
print("| command | runs | median | mean ± σ | best | user CPU | system CPU |")
print("|---|---|---|---|---|---|---|")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| {r['command']} | {len(r['times'])} | {r['median']:.2f} s | {r['mean']:.2f} ± {r['stddev']:.2f} s"
          f" | {r['min']:.2f} s | {r['user']:.2f} s | {r['system']:.2f} s |")
TABLE
