#!/usr/bin/env bash
# results.json and results.csv: schema, system block, record fields and values.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
"$PARBENCH" run -q -k primes -m serial,threads -w 1,2 -r 3 --warmup 1 --bind none \
    --set primes.hi=200000 --set primes.block=5000 -o res >"$TMP/stdout"
j=res/results.json
check "schema is 1" test "$(jq .schema $j)" = 1
for f in host cpu_model cores pus memory_bytes os kernel compiler cflags parbench_version \
         git_revision start_time command_line; do
    check "system.$f present" test "$(jq "(.system | has(\"$f\"))" $j)" = true
done
check "command line recorded" test "$(jq -r '.system.command_line[1]' $j)" = run
check "3 records (serial, threads x 2)" test "$(jq '.results | length' $j)" -eq 3
for f in kernel params size mode workers schedule chunk warmup reps times_s min_s median_s mean_s \
         stddev_s throughput unit speedup efficiency valid error; do
    check "record field $f" test "$(jq "[.results[] | has(\"$f\")] | all" $j)" = true
done
check "3 timed runs each" test "$(jq '[.results[] | .times_s | length == 3] | all' $j)" = true
check "reps field says 3" test "$(jq '[.results[] | .reps == 3] | all' $j)" = true
check "min <= median <= max" test "$(jq '[.results[] | .min_s <= .median_s and .median_s <= (.times_s | max)] | all' $j)" = true
check "serial speedup is 1" test "$(jq '.results[] | select(.mode=="serial") | .speedup' $j)" = 1
check "speedup = serial median / median" test "$(jq '(.results[0].median_s) as $s | [.results[] | ((.speedup - $s / .median_s) | fabs) < 1e-9] | all' $j)" = true
check "efficiency = speedup / workers" test "$(jq '[.results[] | ((.efficiency - .speedup / .workers) | fabs) < 1e-9] | all' $j)" = true
check "throughput = work / median" test "$(jq '[.results[] | ((.throughput - 200000 / .median_s) | fabs) / .throughput < 1e-9] | all' $j)" = true
check "params recorded" test "$(jq '.results[0].params.hi' $j)" = 200000
check "unit is numbers" test "$(jq -r '.results[0].unit' $j)" = numbers

c=res/results.csv
check "csv: header + 3 rows" test "$(wc -l <$c)" -eq 4
check "csv header starts with kernel,params" bash -c "head -1 $c | grep -q '^kernel,params,size,mode,schedule,workers'"
check "csv rows valid" test "$(tail -n +2 $c | grep -c ',true,ok,')" -eq 3
check "no temp files left" test -z "$(ls res | grep tmp || true)"
check "summary table printed" grep -qE "^primes +threads +2 " "$TMP/stdout"

# A second run into the same directory replaces the files whole.
"$PARBENCH" run -q -k primes -m serial -r 1 --warmup 0 --set primes.hi=1000 -o res >/dev/null
check "rerun replaced results" test "$(jq '.results | length' $j)" -eq 1
finish
