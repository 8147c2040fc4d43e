#!/usr/bin/env bash
# results.json (schema 2) and results.csv: blocks, record fields and the
# relations between them; seeds, budgets, interruption and weak scaling.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
small=(--bind none --set primes.hi=200000 --set primes.block=5000)
"$PARBENCH" run -k primes -m serial,threads -w 1,2 -r 3 --warmup 1 --seed 7 "${small[@]}" \
    -o res >"$TMP/stdout" 2>"$TMP/stderr"
j=res/results.json
check "schema is 2" test "$(jq .schema $j)" = 2
for f in host cpu_model cores pus memory_bytes os kernel compiler cflags parbench_version \
         git_revision start_time command_line topology_xml; do
    check "system.$f present" test "$(jq "(.system | has(\"$f\"))" $j)" = true
done
check "topology.xml written" test -s "res/$(jq -r .system.topology_xml $j)"
if [ "$(jq '.system | has("topology_picture")' $j)" = true ]; then
    check "topology picture written" test -s "res/$(jq -r .system.topology_picture $j)"
fi
check "command line recorded" test "$(jq -r '.system.command_line[1]' $j)" = run

for f in precision_pct min_reps max_reps time_cap_s fixed_reps warmup seed order scaling \
         time_budget_s rounds; do
    check "method.$f present" test "$(jq "(.method | has(\"$f\"))" $j)" = true
done
check "method: fixed 3 reps" test "$(jq .method.fixed_reps $j)" = 3
check "method: seed 7" test "$(jq .method.seed $j)" = 7
check "method: interleaved" test "$(jq -r .method.order $j)" = interleaved
check "method: 3 rounds" test "$(jq .method.rounds $j)" = 3
check "method: no budget" test "$(jq .method.time_budget_s $j)" = null
for f in loadavg busy_cpus governor boost smt perf_counters calibrated_mhz hypervisor warnings; do
    check "preflight.$f present" test "$(jq "(.preflight | has(\"$f\"))" $j)" = true
done
check "preflight warnings are strings" test "$(jq '[.preflight.warnings[] | type == "string"] | all' $j)" = true

check "3 records (serial, threads x 2)" test "$(jq '.results | length' $j)" -eq 3
for f in kernel params size mode workers schedule chunk warmup reps times_s min_s median_s mean_s \
         stddev_s cv throughput unit speedup efficiency valid error \
         ci_low_s ci_high_s stop_reason outliers n_outliers speedup_ci_low speedup_ci_high \
         speedup_rel efficiency_rel karp_flatt cpu_util scaling warnings order; do
    check "record field $f" test "$(jq "[.results[] | has(\"$f\")] | all" $j)" = true
done
check "3 timed runs each" test "$(jq '[.results[] | .times_s | length == 3] | all' $j)" = true
check "reps field says 3" test "$(jq '[.results[] | .reps == 3] | all' $j)" = true
check "stop reason fixed" test "$(jq '[.results[] | .stop_reason == "fixed"] | all' $j)" = true
check "no CI from 3 runs" test "$(jq '[.results[] | .ci_low_s == null and .ci_high_s == null] | all' $j)" = true
check "min <= median <= max" test "$(jq '[.results[] | .min_s <= .median_s and .median_s <= (.times_s | max)] | all' $j)" = true
check "n_outliers = length of outliers" test "$(jq '[.results[] | .n_outliers == (.outliers | length)] | all' $j)" = true
check "serial speedup is 1" test "$(jq '.results[] | select(.mode=="serial") | .speedup' $j)" = 1
check "speedup = serial median / median" test "$(jq '(.results[0].median_s) as $s | [.results[] | ((.speedup - $s / .median_s) | fabs) < 1e-9] | all' $j)" = true
check "efficiency = speedup / workers" test "$(jq '[.results[] | ((.efficiency - .speedup / .workers) | fabs) < 1e-9] | all' $j)" = true
check "speedup_rel against threads at 1 worker" test "$(jq '([.results[] | select(.mode=="threads" and .workers==1)][0].median_s) as $t | [.results[] | select(.mode=="threads") | ((.speedup_rel - $t / .median_s) | fabs) < 1e-9] | all' $j)" = true
check "efficiency_rel = speedup_rel / workers" test "$(jq '[.results[] | ((.efficiency_rel - .speedup_rel / .workers) | fabs) < 1e-9] | all' $j)" = true
check "Karp-Flatt null at one worker" test "$(jq '[.results[] | select(.workers==1) | .karp_flatt == null] | all' $j)" = true
check "Karp-Flatt at 2 workers" test "$(jq '[.results[] | select(.workers==2) | ((.karp_flatt - (1 / .speedup - 0.5) / 0.5) | fabs) < 1e-9] | all' $j)" = true
check "cpu_util = cpu_s / (median * workers)" test "$(jq '[.results[] | ((.cpu_util - .cpu_s / (.median_s * .workers)) | fabs) < 1e-9] | all' $j)" = true
check "throughput = work / median" test "$(jq '[.results[] | ((.throughput - 200000 / .median_s) | fabs) / .throughput < 1e-9] | all' $j)" = true
check "orders are 0..2" test "$(jq -c '[.results[].order] | sort' $j)" = "[0,1,2]"
check "scaling strong" test "$(jq '[.results[] | .scaling == "strong"] | all' $j)" = true
check "params recorded" test "$(jq '.results[0].params.hi' $j)" = 200000
check "unit is numbers" test "$(jq -r '.results[0].unit' $j)" = numbers

check "one Amdahl fit (threads)" test "$(jq '.analysis | length' $j)" -eq 1
# Over 1 and 2 workers the fit retraces the points: the summary does not show it.
check "summary: no Amdahl fit over 2 worker counts" bash -c "! grep -q '^Amdahl fit' $TMP/stdout"
check "summary: says why" grep -q '^1 series with fewer than 3 worker counts: no Amdahl fit shown' "$TMP/stdout"
for f in kernel params_text mode schedule amdahl_serial_fraction amdahl_serial_fraction_stderr \
         points max_workers speedup_at_max efficiency_at_max; do
    check "analysis field $f" test "$(jq ".analysis[0] | has(\"$f\")" $j)" = true
done
check "fit over 2 worker counts" test "$(jq '.analysis[0].points' $j)" = 2
check "fit f is a number" test "$(jq '.analysis[0].amdahl_serial_fraction | type' $j)" = '"number"'
check "nothing skipped" test "$(jq '.skipped | length' $j)" -eq 0

c=res/results.csv
check "csv: header + 3 rows" test "$(wc -l <$c)" -eq 4
check "csv header starts with kernel,params" bash -c "head -1 $c | grep -q '^kernel,params,size,mode,schedule,workers'"
check "csv keeps the schema-1 columns first" bash -c "head -1 $c | grep -q ',error,times_s,stop_reason,scaling,'"
for col in ci_low_s ci_high_s n_outliers speedup_rel efficiency_rel karp_flatt cpu_util order warnings; do
    check "csv column $col" bash -c "head -1 $c | tr , '\n' | grep -qx $col"
done
check "csv rows valid" test "$(tail -n +2 $c | grep -c ',true,ok,')" -eq 3
check "no temp files left" test -z "$(ls res | grep tmp || true)"
check "summary table printed" grep -Eq '^primes +threads +2 +dynamic' "$TMP/stdout"
check "summary has a CI column" grep -Eq '^kernel .* CI ' "$TMP/stdout"
check "no progress line when stderr is not a terminal" bash -c "! grep -q $'\r' '$TMP/stderr'"

# The interleaved order comes from the seed: same seed, same order; another seed, another.
many=(-k primes -m serial,threads -w 1-4 --oversubscribe --schedule static,dynamic -r 2 --warmup 0
      --bind none --set primes.hi=20000 --set primes.block=1000 -q)
"$PARBENCH" run "${many[@]}" --seed 7 -o s7a >/dev/null
"$PARBENCH" run "${many[@]}" --seed 7 -o s7b >/dev/null
"$PARBENCH" run "${many[@]}" --seed 8 -o s8 >/dev/null
order() { jq -c '[.results[] | .order]' "$1/results.json"; }
check "9 configurations" test "$(jq '.results | length' s7a/results.json)" -eq 9
check "same seed, same order" test "$(order s7a)" = "$(order s7b)"
check "other seed, other order" test "$(order s7a)" != "$(order s8)"
"$PARBENCH" run "${many[@]}" --order sequential -o seq >/dev/null
check "sequential: plain order" test "$(order seq)" = "[0,1,2,3,4,5,6,7,8]"
check "sequential recorded" test "$(jq -r .method.order seq/results.json)" = sequential
check "sequential: one round" test "$(jq .method.rounds seq/results.json)" = 1

# Adaptive repetitions stay within their bounds and say why they stopped.
"$PARBENCH" run -q -k primes -m serial,threads -w 2 --min-reps 3 --max-reps 7 --precision 50 \
    "${small[@]}" -o adapt >/dev/null
check "adaptive: 3..7 runs" test "$(jq '[.results[] | .reps >= 3 and .reps <= 7] | all' adapt/results.json)" = true
check "adaptive: a stop reason" test "$(jq '[.results[] | .stop_reason | IN("precision", "max_reps", "time_cap")] | all' adapt/results.json)" = true
check "adaptive: precision means the CI is within 50%" test "$(jq '[.results[] | select(.stop_reason == "precision") | .ci_rel <= 0.5] | all' adapt/results.json)" = true
check "adaptive: no fixed reps" test "$(jq .method.fixed_reps adapt/results.json)" = null

# A time budget too short for anything: what ran is kept, the rest listed as skipped.
rc=0
"$PARBENCH" run -q -k primes -m serial,threads -w 1,2 --time-budget 0.001 "${small[@]}" -o budget \
    >/dev/null 2>"$TMP/budget.err" || rc=$?
check "budget: exit 0" test "$rc" -eq 0
check "budget: all 3 skipped" test "$(jq '.skipped | length' budget/results.json)" -eq 3
check "budget: reason given" test "$(jq '[.skipped[] | .reason | test("time budget")] | all' budget/results.json)" = true
check "budget: records say time_budget" test "$(jq '[.results[] | .stop_reason == "time_budget"] | all' budget/results.json)" = true
check "budget: warned" grep -q "did not get their minimum runs" "$TMP/budget.err"

# SIGINT: stop, keep what finished, exit 130.
"$PARBENCH" run -q -k primes -m serial,threads -w 1,2 -r 1000 --warmup 0 --bind none \
    --set primes.hi=2000000 -o int >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do
    sleep 0.1
    [ "$(jq '[.results[] | .reps] | add // 0' int/results.json 2>/dev/null || echo 0)" -ge 2 ] && break
done
kill -INT $pid
rc=0
wait $pid || rc=$?
check "SIGINT: exit 130" test "$rc" -eq 130
check "SIGINT: results kept" test "$(jq '.results | length' int/results.json)" -ge 1
check "SIGINT: records interrupted and valid" test "$(jq '[.results[] | .stop_reason == "interrupted" and .valid] | all' int/results.json)" = true

# Weak scaling: the scale parameter grows with the workers.
"$PARBENCH" run -q -k primes,factors -m serial,threads -w 1,2 -r 2 --warmup 0 --bind none \
    --scaling weak --set primes.hi=100000 --set primes.lo=50000 --set factors.count=4 \
    --set factors.start=20000 -o weak >/dev/null
w=weak/results.json
check "weak: recorded" test "$(jq -r .method.scaling $w)" = weak
check "weak: primes span doubled" test "$(jq '.results[] | select(.kernel=="primes" and .workers==2) | .params.hi' $w)" = 150000
check "weak: factors count doubled" test "$(jq '.results[] | select(.kernel=="factors" and .workers==2) | .params.count' $w)" = 8
check "weak: scale factor" test "$(jq '[.results[] | .scale_factor == .workers] | all' $w)" = true
check "weak: base parameters kept" test "$(jq '[.results[] | select(.kernel=="primes") | .base_params_text] | unique | length' $w)" -eq 1
check "weak: efficiency = work-rate ratio / workers" test "$(jq '[.results[] | select(.kernel=="primes")] as $r | ($r[] | select(.mode=="serial")) as $s | [$r[] | ((.efficiency - (.work / .median_s) / ($s.work / $s.median_s) / .workers) | fabs) < 1e-9] | all' $w)" = true
check "weak: no Karp-Flatt" test "$(jq '[.results[] | .karp_flatt == null] | all' $w)" = true
check "weak: no Amdahl fit" test "$(jq '.analysis | length' $w)" -eq 0

# The options of this issue refuse bad values with one line.
expect_error 2 "--min-reps 9 is above --max-reps 3" run --min-reps 9 --max-reps 3
expect_error 2 "--order: unknown order 'random'" run --order random
expect_error 2 "--scaling: unknown scaling 'medium'" run --scaling medium
expect_error 2 "--seed: '-1' is not a whole number" run --seed -1
expect_error 2 "--precision: 0 is out of range" run --precision 0
expect_error 2 "--time-budget: 'soon' is not a number" run --time-budget soon
expect_error 2 "factors.count=2000000 is out of range" run -k factors -m threads -w 2 \
    --scaling weak --set factors.count=1000000 -o never

# A second run into the same directory replaces the files whole.
"$PARBENCH" run -q -k primes -m serial -r 1 --warmup 0 --set primes.hi=1000 -o res >/dev/null
check "rerun replaced results" test "$(jq '.results | length' $j)" -eq 1
finish
