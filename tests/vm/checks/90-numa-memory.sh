# NUMA memory placement for real (issue 16, item 3): the guest has two nodes (CPUs
# 0-7 on node 0, 8-15 on node 1).  Every mode runs with workers bound on both
# nodes and --membind local; the records' placement.workers[].mem_node (where the
# kernel reports the pages of the worker's memory after the run, read back with
# move_pages(2)) must equal numa_node (the node of the worker's cpuset) for every
# worker, and both nodes must be seen.  With --membind interleave the pages of a
# share lie on both nodes, so mem_node must be null.  --membind none is run too
# and shown, not asserted (first touch decides).  Timings are never looked at.
. /pbvm/lib.sh

# noop: 65536 tasks x 8 bytes = 512 KiB of output, so even at 16 workers each
# share holds 8 whole pages; the static schedule makes a worker's share exactly
# the block it writes.
numa_run() {
    name=$1
    shift
    out=$PBVM_OUT/$name
    if ! "$PARBENCH" run -k noop --set noop.tasks=65536 -m "$PBVM_MODES" --schedule static \
        -r 1 --warmup 0 --timeout 300 -q -o "$out" "$@" >"$out.log" 2>&1; then
        fail "$name" "parbench run exited non-zero: $(tail -n 5 "$out.log" | tr '\n' ' ')"
        return 1
    fi
    return 0
}

# local NAME ARGS...: every worker's memory on its own node, both nodes used.
local_case() {
    name=$1
    shift
    numa_run "$name" --membind local "$@" || return
    r=$PBVM_OUT/$name/results.json
    expect "$name-membind" local "$(jq -r '[.results[].placement.membind] | unique | join(" ")' "$r")"
    jq -r '.results[] | . as $r | .placement.workers[] |
           select(.numa_node == null or .mem_node != .numa_node) |
           "\($r.mode) workers=\($r.workers) worker \(.worker): cpuset \(.planned) on node \(.numa_node), memory on \(.mem_node)"' \
        "$r" >"$PBVM_OUT/$name.problems" 2>&1
    n=$(jq '[.results[].placement.workers[]] | length' "$r")
    if [ -s "$PBVM_OUT/$name.problems" ]; then
        fail "$name" "$(wc -l <"$PBVM_OUT/$name.problems") of $n workers' memory not on their node: $(head -n 4 "$PBVM_OUT/$name.problems" | tr '\n' ';')"
    else
        ok "$name" "$n workers in $(jq '.results | length' "$r") records, each one's memory on its own node"
    fi
    expect "$name-nodes" "0 1" "$(jq -r '[.results[].placement.workers[].mem_node] | unique | map(tostring) | join(" ")' "$r")"
}

local_case membind-local-core-scatter --bind core --policy scatter -w 2,8
local_case membind-local-pu-compact --bind pu --policy compact -w 12,16

# interleave: every worker's pages on both nodes, so no single node to report.
if numa_run membind-interleave --membind interleave --bind core --policy scatter -w 2; then
    r=$PBVM_OUT/membind-interleave/results.json
    expect membind-interleave-spread "null" \
        "$(jq -r '[.results[].placement.workers[].mem_node] | unique | map(tostring) | join(" ")' "$r")"
fi

# none, for the record: the shared modes' output sits where the harness's poisoning
# first touched it, the process modes' buffers where their workers touched them.
if numa_run membind-none --bind core --policy scatter -w 2; then
    jq -r '.results[] | "\(.mode) workers=\(.workers) membind=\(.placement.membind): " +
           ([.placement.workers[] | "worker \(.worker) node \(.numa_node) memory \(.mem_node)"] | join(", "))' \
        "$PBVM_OUT/membind-none/results.json" >"$PBVM_OUT/membind-none.txt"
    ok membind-none "ran; memory where first touched (shown, not asserted)"
fi

# One run's memory placement, for the record: every mode at 8 workers, core scatter, local.
r=$PBVM_OUT/membind-local-core-scatter/results.json
if [ -f "$r" ]; then
    {
        jq -r '.results[] | select(.workers == 8) |
               "\(.mode) workers=\(.workers) membind=\(.placement.membind): " +
               ([.placement.workers[] | "w\(.worker) cpus \(.planned) node \(.numa_node) mem \(.mem_node)"] | join(", "))' "$r"
        [ -f "$PBVM_OUT/membind-none.txt" ] && cat "$PBVM_OUT/membind-none.txt"
    } >"$PBVM_OUT/numa-memory.txt"
    section numa-memory "$PBVM_OUT/numa-memory.txt"
fi
