#!/usr/bin/env bash
# `parbench probe`: a --quick run on this machine writes probe.json with every
# figure (positive, ci_low <= median <= ci_high), the n x n core-to-core matrix
# over the CPUs this process may use (diagonal null), the heatmap, and the
# table; --only, --cpus and --from behave; bad input is one error line, exit 2.
# Timing values are never asserted: only that they exist and are consistent.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"

ncpu=$(nproc)
if [ "$ncpu" -lt 2 ]; then
    echo "SKIP: the pair probes need two CPUs, this process may use $ncpu"
    exit 77
fi

rc=0
"$PARBENCH" probe --quick -o p >out 2>err || rc=$?
check "probe --quick exits 0 (got $rc: $(head -c 300 err))" test "$rc" -eq 0
j=p/probe.json
check "probe.json written" test -s "$j"
check "schema is 1" test "$(jq .schema "$j")" = 1
check "system block (host, cpu_model, git_revision)" \
    test "$(jq '.system | has("host") and has("cpu_model") and has("git_revision")' "$j")" = true
check "method: quick, 95% CIs" test "$(jq '.method.quick and .method.ci_level == 0.95' "$j")" = true
check "nothing skipped here" test "$(jq '.skipped | length' "$j")" = 0
check "method.cpus: the $ncpu CPUs this process may use" test "$(jq '.method.cpus | length' "$j")" = "$ncpu"

# Every figure, including stream and clock at each thread count of the ladder.
ids="pipe.round_trip pipe.bandwidth pipe.bandwidth_large_pipe pipe.bandwidth_fresh_child fork.exit_wait
     fork.exit_wait_touched futex.wake c2c.handoff thread.create_join fault.minor"
for t in $(jq -r '.method.threads[]' "$j"); do
    ids+=" stream.triad.t$t clock.busy.t$t"
done
check "the ladder starts at 1 thread" test "$(jq '.method.threads[0]' "$j")" = 1
for id in $ids; do
    f=$(jq -c --arg id "$id" '[.figures[] | select(.id == $id)]' "$j")
    if [ "$(jq length <<<"$f")" != 1 ]; then
        fail "figure $id present once"
        continue
    fi
    check "$id: median > 0, ci_low <= median <= ci_high, n >= 7, a unit and a setup" \
        test "$(jq '.[0] | .median > 0 and .ci_low > 0 and .ci_low <= .median and
                     .median <= .ci_high and .n >= 7 and (.unit | length > 0) and
                     (.setup | type == "object")' <<<"$f")" = true
    grep -q "^$id " out || fail "table row for $id"
done
check "no figure beyond those" test "$(jq '.figures | length' "$j")" = "$(wc -w <<<"$ids")"
check "pipe: the buffer sizes are stated" \
    test "$(jq '[.figures[] | select(.probe == "pipe" and .id != "pipe.round_trip") |
                 (.setup.write_bytes > 0 or .id == "pipe.bandwidth_fresh_child") and
                 .setup.pipe_bytes > 0 and .setup.bytes_per_sample > 0] | all' "$j")" = true
check "pipe: the enlarged pipe is larger" \
    test "$(jq '([.figures[] | select(.id == "pipe.bandwidth_large_pipe")][0].setup.pipe_bytes) >
                ([.figures[] | select(.id == "pipe.bandwidth")][0].setup.pipe_bytes)' "$j")" = true
check "fork: the parent's resident size is stated, larger with memory touched" \
    test "$(jq '([.figures[] | select(.id == "fork.exit_wait_touched")][0].setup) as $t |
                ([.figures[] | select(.id == "fork.exit_wait")][0].setup) as $b |
                $b.parent_rss_bytes > 0 and $t.touched_bytes > 0 and
                $t.parent_rss_bytes >= $b.parent_rss_bytes + $t.touched_bytes / 2' "$j")" = true

# The core-to-core matrix: n x n over method.cpus, diagonal null, every other
# cell positive and inside its CI.
check "c2c: cpus are method.cpus" test "$(jq '.c2c.cpus == .method.cpus' "$j")" = true
check "c2c: $ncpu x $ncpu median, ci_low and ci_high matrices" \
    test "$(jq --argjson n "$ncpu" '[.c2c.median_ns, .c2c.ci_low_ns, .c2c.ci_high_ns] |
              all(length == $n and all(.[]; length == $n))' "$j")" = true
check "c2c: the diagonal is null" \
    test "$(jq '[range(.c2c.cpus | length) as $i | .c2c.median_ns[$i][$i]] | all(. == null)' "$j")" = true
check "c2c: off the diagonal, 0 < ci_low <= median <= ci_high" \
    test "$(jq '.c2c as $c | [range($c.cpus | length) as $i | range($c.cpus | length) as $k |
              select($i != $k) | $c.median_ns[$i][$k] > 0 and $c.ci_low_ns[$i][$k] > 0 and
              $c.ci_low_ns[$i][$k] <= $c.median_ns[$i][$k] and
              $c.median_ns[$i][$k] <= $c.ci_high_ns[$i][$k]] | all' "$j")" = true
check "c2c: summary over $((ncpu * (ncpu - 1))) pairs" \
    test "$(jq '.c2c.summary.pairs' "$j")" = $((ncpu * (ncpu - 1)))
grep -q "core-to-core one-way latency" out || fail "the table shows the c2c matrix"

if command -v gnuplot >/dev/null; then
    check "heatmap SVG and PNG written" test -s p/c2c-heatmap.svg -a -s p/c2c-heatmap.png
    check "heatmap data: $ncpu rows" test "$(wc -l <p/c2c.dat)" = "$ncpu"
    check "no render leftovers" test -z "$(find p -name '.render.*')"
else
    echo "skip: heatmap checks (gnuplot is not installed)"
fi

# --from prints the same table and draws the heatmap elsewhere, measuring nothing.
"$PARBENCH" probe --from "$j" -o r >from.out 2>from.err || fail "probe --from exits 0"
check "--from writes no probe.json" test ! -e r/probe.json
for id in $ids; do
    grep -q "^$id " from.out || fail "--from table row for $id"
done
command -v gnuplot >/dev/null && check "--from draws the heatmap" test -s r/c2c-heatmap.svg

# --only and --cpus: just the matrix, over the CPUs named.
rc=0
"$PARBENCH" probe --quick -q --only c2c --cpus 0,1 -o c >/dev/null 2>c.err || rc=$?
check "--only c2c --cpus 0,1 exits 0 ($(head -c 200 c.err))" test "$rc" -eq 0
check "--only c2c: no figures, a 2x2 matrix over CPUs 0 and 1" \
    test "$(jq -c '[(.figures | length), .c2c.cpus, .method.probes]' c/probe.json)" = '[0,[0,1],["c2c"]]'
rc=0
"$PARBENCH" probe --quick -q --only thread --no-plots -o t >/dev/null 2>&1 || rc=$?
check "--only thread: one figure, no c2c block, no heatmap" \
    test "$rc" -eq 0 -a "$(jq -c '[.figures[].id, has("c2c")]' t/probe.json)" = '["thread.create_join",false]' \
    -a ! -e t/c2c-heatmap.svg

# Bad input: one error line, exit 2.
expect_error 2 "unknown probe 'bogus'" probe --only pipe,bogus -o x
expect_error 2 "--only: empty list" probe --only "" -o x
expect_error 2 "--cpus: 'zero' is not a CPU list" probe --cpus zero -o x
expect_error 2 "names CPUs this process may not use" probe --cpus 4000 -o x
expect_error 2 "--from measures nothing" probe --from "$j" --quick
expect_error 2 "unexpected argument 'extra'" probe extra
expect_error 2 "unknown option '--bogus'" probe --bogus
expect_error 2 "not valid JSON" probe --from out
echo '{"schema": 99, "figures": []}' >future.json
expect_error 2 "not a probe.json of schema 1" probe --from future.json
"$PARBENCH" probe --help | grep -q "usage: parbench probe" || fail "probe --help"
"$PARBENCH" --help | grep -q "probe " || fail "parbench --help lists probe"
finish
