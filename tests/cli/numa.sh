#!/usr/bin/env bash
# NUMA memory and the per-kind ladder on this machine (issue 16; the 2-node
# checks run in the scripts/vmtest guest, 90-numa-memory.sh): every mode that
# places memory runs with --membind local, interleave and none; the records say
# the choice, and with bound workers each one's mem_node (read back from the
# kernel) is a node, equal to numa_node with local.  --kinds each on a machine
# without kinds is the one ordinary ladder.  Bad input is one error line.
. "$(dirname "$0")/../lib.sh"
command -v jq >/dev/null || skip "jq is not installed"

modes=threads,shm,forkpool,spawn
[ "${PB_OPENMP:-1}" = 1 ] && modes=$modes,openmp
nmodes=$(echo "$modes" | tr ',' '\n' | grep -c .)

# noop: 65536 tasks x 8 bytes = 512 KiB of output, so each share holds whole pages;
# static: a worker's share is the block it writes.
run_membind() {
    local name=$1; shift
    local rc=0
    "$PARBENCH" run -k noop --set noop.tasks=65536 -m "$modes" -w 1,2 --bind core \
        --schedule static -r 1 --warmup 0 -q -o "$TMP/$name" "$@" >"$TMP/$name.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] && grep -qE "hwloc cannot bind memory|Operation not permitted|not implemented" "$TMP/$name.log"; then
        skip_part "$name: this machine refuses memory binding: $(grep -m1 error "$TMP/$name.log")"
        return 1
    fi
    check "$name: parbench run exits 0 ($(tail -n 2 "$TMP/$name.log" | tr '\n' ' '))" [ "$rc" -eq 0 ]
    [ "$rc" -eq 0 ]
}

cores=$("$PARBENCH" topo | sed -n 's/^cores: //p')
if [ "${cores:-1}" -lt 2 ]; then
    skip_part "membind runs: 2 workers need 2 cores to bind (this machine has ${cores:-?})"
else
    for mb in local interleave none; do
        run_membind "membind-$mb" --membind "$mb" || continue
        r=$TMP/membind-$mb/results.json
        check "membind $mb: $((nmodes * 2)) records" \
            [ "$(jq '.results | length' "$r")" -eq $((nmodes * 2)) ]
        check "membind $mb: every record says --membind $mb" \
            [ "$(jq -r '[.results[].placement.membind] | unique | join(" ")' "$r")" = "$mb" ]
        nodes=$("$PARBENCH" topo | sed -n 's/^numa nodes: //p')
        # one node: every page is on it, whatever the policy
        if [ "$mb" = local ] || [ "${nodes:-1}" = 1 ]; then
            bad=$(jq -r '.results[] | . as $r | .placement.workers[] |
                         select(.mem_node == null or .mem_node != .numa_node) |
                         "\($r.mode)/\($r.workers) worker \(.worker): node \(.numa_node) mem \(.mem_node)"' "$r")
            check "membind $mb: every worker's memory on its own node${bad:+ ($bad)}" [ -z "$bad" ]
        fi
    done
fi

# unbound workers: nothing placed, nothing measured
"$PARBENCH" run -k noop -m threads,forkpool -w 2 --bind none -s tiny -r 1 --warmup 0 -q \
    -o "$TMP/unbound" >/dev/null 2>&1
check "unbound: mem_node null, membind none" \
    [ "$(jq -r '[.results[] | .placement.membind, (.placement.workers[].mem_node | tostring)] | unique | join(" ")' \
        "$TMP/unbound/results.json")" = "none null" ]

# --kinds each where hwloc reports no kinds: the ordinary ladder, records say "all"
"$PARBENCH" run -k primes -m serial,threads -w 1,2 --kinds each -s tiny -r 1 --warmup 0 -q \
    -o "$TMP/each" >/dev/null 2>&1
check "--kinds each without kinds: 3 records" [ "$(jq '.results | length' "$TMP/each/results.json")" -eq 3 ]
check "--kinds each without kinds: placement.kinds all" \
    [ "$(jq -r '[.results[].placement.kinds] | unique | join(" ")' "$TMP/each/results.json")" = all ]

expect_error 2 "--membind: unknown choice 'near' (none, local, interleave)" \
    run -k primes -m threads -w 1 --membind near
expect_error 2 "--membind local needs bound workers (--bind core or pu)" \
    run -k primes -m threads -w 1 --bind none --membind local
expect_error 2 "--kinds: all, fastest, slowest, any and each stand alone" \
    run -k primes -m threads -w 1 --kinds each,fastest
finish
