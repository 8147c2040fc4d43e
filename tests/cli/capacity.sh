#!/usr/bin/env bash
# What the machine gives: records name each worker's CPU kind and NUMA node,
# and the charts' ideal line is the capacity the run had (min(p, CPU quota),
# the sum of the workers' kinds' 1-worker throughputs) rather than plainly p.
# The hybrid hwloc XML fixtures cannot bind here, so (a) checks the record
# fields on this machine; (b) and (c) check the plot data the report writes
# for gnuplot (the .gpvars), not pixels.
source "$PB_SRC/tests/lib.sh"
FX=$PB_SRC/tests/fixtures
cd "$TMP"
command -v jq >/dev/null || skip "jq is not installed"

# (a) placement.workers[].kind and .numa_node, bound and unbound.
run() { "$PARBENCH" run -q -k primes -m serial,threads -s tiny -r 1 --warmup 0 "$@" >/dev/null 2>run.err; }
if ! run -w 1,2 --bind core -o core; then
    if grep -qi 'bind' run.err; then
        skip "binding is not possible here: $(head -c 200 run.err)"
    fi
    fail "parbench run --bind core failed: $(cat run.err)"
fi
if "$PARBENCH" topo | grep -q '^cpu kinds: none'; then
    check "--bind core: every worker's kind is \"\" (no CPU kinds here)" \
        test "$(jq '[.results[].placement.workers[] | select(.kind != "")] | length' core/results.json)" -eq 0
else
    skip_part "this machine reports CPU kinds: the kind \"\" check"
    check "--bind core: every worker names a kind" \
        test "$(jq '[.results[].placement.workers[] | select(.kind == "")] | length' core/results.json)" -eq 0
fi
# ideal_speedup on a uniform machine: p, at most the pre-flight's quota when below the PUs.
cap=$(jq 'if .preflight.cpu_quota < .system.pus then .preflight.cpu_quota else 1e9 end' core/results.json)
if "$PARBENCH" topo | grep -q '^cpu kinds: none'; then
    check "every record's ideal_speedup is min(workers, quota $cap)" \
        test "$(jq --argjson c "$cap" '[.results[] | select(.ideal_speedup != ([.workers, $c] | min))] | length' core/results.json)" -eq 0
fi
nodes=$(jq .system.numa_nodes core/results.json)
check "--bind core: records have workers" \
    test "$(jq '[.results[].placement.workers[]] | length' core/results.json)" -ge 3
if [ "$nodes" = 1 ]; then
    check "--bind core: every worker's numa_node is 0 (one node)" \
        test "$(jq '[.results[].placement.workers[] | select(.numa_node != 0)] | length' core/results.json)" -eq 0
else
    check "--bind core: every worker's numa_node is a node of this machine" \
        test "$(jq "[.results[].placement.workers[] | select((.numa_node|type) != \"number\" or .numa_node >= $nodes)] | length" core/results.json)" -eq 0
fi
run -w 2 --bind none -o none || fail "parbench run --bind none failed: $(cat run.err)"
check "--bind none: every worker's numa_node is null" \
    test "$(jq '[.results[].placement.workers[] | select(.numa_node != null)] | length' none/results.json)" -eq 0
check "--bind none: every worker's kind is \"\"" \
    test "$(jq '[.results[].placement.workers[] | select(.kind != "")] | length' none/results.json)" -eq 0
check "--bind none: records have workers" \
    test "$(jq '[.results[].placement.workers[]] | length' none/results.json)" -ge 2

# gpvars VAR FILE: the value of a gnuplot assignment `VAR = ...` (arrays: the list inside [...]).
gpvar() { sed -n "s/^\(array \)\{0,1\}$1\(\[[0-9]*\]\)\{0,1\} = \[\{0,1\}\([^]]*\)\]\{0,1\}$/\3/p" "$2"; }

# (b) A results file whose pre-flight saw a 1.5-CPU quota (on 2 PUs): the ideal
# speedup is min(p, 1.5): 1 at one worker, bending at 1.5, 1.5 at two.
mkdir quota
jq '.preflight.cpu_quota = 1.5' "$FX/run-a/results.json" >quota/results.json
"$PARBENCH" report -q --no-plots quota 2>report.err || fail "report on the quota fixture: $(cat report.err)"
v=quota/plots/primes.gpvars
check "quota: plot variables written" test -s $v
check "quota: ideal points at 1, 1.5, 2 workers ($(gpvar sidealx $v))" test "$(gpvar sidealx $v)" = "1, 1.5, 2"
check "quota: ideal capped at 1.5 ($(gpvar sidealy $v))" test "$(gpvar sidealy $v)" = "1, 1.5, 1.5"
check "quota: idealcap = 1.5" test "$(gpvar idealcap $v)" = "1.5"
check "quota: the chart draws p beside the ideal" test "$(gpvar idealdiffers $v)" = "1"
check "quota: the note names the quota" grep -q "^idealnote = '.*CPU quota, 1.5 CPUs'" $v
# Without a quota below the PUs the ideal is plainly p.
"$PARBENCH" report -q --no-plots "$(cp -r "$FX/run-a" plain && echo plain)" 2>report.err ||
    fail "report on run-a: $(cat report.err)"
check "no quota: the ideal is p ($(gpvar sidealy plain/plots/primes.gpvars))" \
    test "$(gpvar sidealy plain/plots/primes.gpvars)" = "1, 2"
check "no quota: idealdiffers = 0" test "$(gpvar idealdiffers plain/plots/primes.gpvars)" = "0"

# (c) CPU kinds: serial ran on a P-core, threads at 1 worker on an E-core, and
# threads at 2 workers on one of each: the ideal at 2 is 1 + E's rate / P's,
# measured by the 1-worker runs (primes: serial, threads, threads in file order).
mkdir kinds missing
jq '.results |= map(if .kernel == "primes" then
        (if .mode == "serial" then .placement.workers[0].kind = "P"
         elif .workers == 1 then .placement.workers[0].kind = "E"
         else .placement.workers[0].kind = "P" | .placement.workers[1].kind = "E" end)
    else . end)' "$FX/run-a/results.json" >kinds/results.json
"$PARBENCH" report -q --no-plots kinds 2>report.err || fail "report on the kinds fixture: $(cat report.err)"
want=$(jq -r '[.results[] | select(.kernel == "primes" and .valid)] as $r
    | ([$r[] | select(.mode == "serial")][0].throughput) as $p
    | ([$r[] | select(.mode == "threads" and .workers == 1)][0].throughput) as $e
    | ([$r[] | select(.workers == 2)][0]) as $two
    | ($two.throughput / $two.speedup) as $ref
    | "\(($p + $e) / $ref)"' kinds/results.json)
got=$(gpvar sidealy kinds/plots/primes.gpvars)
check "kinds: ideal at 1 worker is 1 (serial on P) ($got)" test "${got%%,*}" = 1
check "kinds: ideal at 2 workers is (P + E) / baseline = $want ($got)" \
    awk -v g="${got##*, }" -v w="$want" 'BEGIN { d = g - w; exit !(d < 1e-6 && d > -1e-6) }'
check "kinds: the note says capacity" grep -q "^idealnote = 'ideal: the capacity given" kinds/plots/primes.gpvars
# A kind without a 1-worker run: the ideal stays p, and the note says which kind.
jq '.results |= map(if .kernel == "primes" and .workers == 2 then .placement.workers[1].kind = "X" else . end)' \
    kinds/results.json >missing/results.json
"$PARBENCH" report -q --no-plots missing 2>report.err || fail "report on the missing-kind fixture: $(cat report.err)"
check "kinds, one unmeasured: ideal stays p" test "$(gpvar sidealy missing/plots/primes.gpvars)" = "1, 2"
check "kinds, one unmeasured: the note names it" grep -q "^idealnote = 'ideal: p where no 1-worker run on X cores" \
    missing/plots/primes.gpvars

finish
