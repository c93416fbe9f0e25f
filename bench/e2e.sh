#!/usr/bin/env bash
# End-to-end benchmark of `ampline serve`: Segment /v1/batch in → durable queue → router → sender →
# a mock Amplitude (`--no-retain`, a counting sink), all on this machine over loopback.
#
#   bench/e2e.sh [--duration-secs 30] [--concurrency 8] [any other ampline-loadgen flag]
#
# Builds the release binaries, starts the mock and the server (temporary config and data dir),
# runs crates/loadgen against them, prints its report with the issue's targets, and cleans up.
# Environment: CARGO_TARGET_DIR (default target), AMPLINE_BIN (another ampline binary to measure,
# e.g. a build of another commit; the load generator is still built here), KEEP=1 keeps the temporary directory,
# PERF=1 records `perf record` of the server into $work/perf.data (needs perf; PERF_CALLGRAPH=dwarf
# for call graphs through code without frame pointers, PERF_FREQ to sample less often).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
cargo build --release -p ampline -p ampline-loadgen >&2
bin=$target_dir/release
ampline=${AMPLINE_BIN:-$bin/ampline}

work=$(mktemp -d -t ampline-e2e.XXXXXX)
mock_pid=""
server_pid=""
perf_pid=""
cleanup() {
    # Only the processes this script started, by pid.
    if [[ -n $perf_pid ]]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi
    for pid in $server_pid $mock_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ ${KEEP:-0} == 1 ]]; then
        echo "kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# Waits up to 30 s for a pattern in a file; prints the first match.
wait_for() {
    local pattern=$1 file=$2 found=""
    for _ in $(seq 300); do
        found=$(grep -oE "$pattern" "$file" 2>/dev/null | head -n1 || true)
        if [[ -n $found ]]; then
            echo "$found"
            return 0
        fi
        sleep 0.1
    done
    echo "timed out waiting for /$pattern/ in $file:" >&2
    cat "$file" >&2
    return 1
}

"$ampline" mock-amplitude --no-retain --port 0 >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
mock_url=$(wait_for 'http://[0-9.]+:[0-9]+' "$work/mock.out")

cat >"$work/ampline.toml" <<'EOF'
[[sources]]
name = "bench"
write_key = "bench-write-key"

[destination]
api_key = "bench-api-key"
EOF

"$ampline" serve --config "$work/ampline.toml" --data-dir "$work/data" \
    --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --amplitude-url "$mock_url" 2>"$work/server.log" &
server_pid=$!
server_addr=$(wait_for 'tracking=[0-9.]+:[0-9]+' "$work/server.log")
server_addr=${server_addr#tracking=}
for _ in $(seq 100); do
    [[ -f $work/data/queue.sqlite3 ]] && break
    sleep 0.1
done

if [[ ${PERF:-0} == 1 ]]; then
    perf record -F "${PERF_FREQ:-499}" --call-graph "${PERF_CALLGRAPH:-fp}" -p "$server_pid" -o "$work/perf.data" 2>"$work/perf.err" &
    perf_pid=$!
fi

echo "== setup ==" >&2
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (modified)'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "mock $mock_url (pid $mock_pid), server http://$server_addr (pid $server_pid), data $work/data" >&2

status=0
"$bin/ampline-loadgen" --url "http://$server_addr" --write-key bench-write-key \
    --mock-url "$mock_url" --server-pid "$server_pid" --mock-pid "$mock_pid" \
    --queue-db "$work/data" \
    --target-events-per-sec 20000 --target-peak-rss-mb 200 --target-requests-per-10k 10 \
    "$@" || status=$?

echo "== after the run ==" >&2
echo "data dir: $(du -sh "$work/data" | cut -f1); server log lines: $(wc -l <"$work/server.log"), warnings/errors: $(grep -cE 'WARN|ERROR' "$work/server.log" || true)" >&2
grep -E 'WARN|ERROR' "$work/server.log" | head -n 5 >&2 || true
if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf_pid=""
    perf report -i "$work/perf.data" --no-children -g none --sort comm,symbol --stdio 2>/dev/null \
        | grep -v '^#' | grep '%' | cut -c1-140 | head -n 40 >"$work/perf.top" || true
    echo "== perf: hottest symbols of the server (self time, by thread) ==" >&2
    cat "$work/perf.top" >&2
fi
exit "$status"
