# Binding for real on the 2-package, 16-PU guest: every mode at every worker count
# of each bind x policy, one tiny timed run each; from results.json, every worker
# ran on a CPU of its planned cpuset, the plans have the bind's grain and follow
# the policy (judged on the kernel's own topology numbers), and -w all / auto give
# the expected ladders.  Timings are emulated and never looked at.
. /pbvm/lib.sh
# The kernel's topology as JSON for placement.jq.
cpus=$PBVM_OUT/cpus.json
{
    sep="{"
    for d in /sys/devices/system/cpu/cpu[0-9]*; do
        n=${d##*cpu}
        node=$(ls -d "$d"/node[0-9]* 2>/dev/null | head -n 1)
        node=${node##*node}
        printf '%s"%s": {"pkg": %s, "node": %s, "sib": "%s"}' "$sep" "$n" \
            "$(cat "$d/topology/physical_package_id")" "${node:-0}" \
            "$(cat "$d/topology/thread_siblings_list")"
        sep=", "
    done
    echo "}"
} >"$cpus"
jq -e . "$cpus" >/dev/null || { fail placement-cpus "cannot read the kernel's topology"; exit 0; }

nmodes=$(echo "$PBVM_MODES" | tr ',' '\n' | grep -c .)
# place NAME BIND POLICY WORKERS EXPECTED-LADDER
place() {
    name=$1 bind=$2 policy=$3 workers=$4 ladder=$5
    out=$PBVM_OUT/$name
    if ! "$PARBENCH" run -k primes -m "$PBVM_MODES" -w "$workers" --bind "$bind" --policy "$policy" \
        -r 1 --warmup 0 --set primes.hi=20000 --set primes.block=200 --timeout 300 \
        -q -o "$out" >"$out.log" 2>&1; then
        fail "$name" "parbench run exited non-zero: $(tail -n 5 "$out.log" | tr '\n' ' ')"
        return
    fi
    got=$(jq -r '[.results[].workers] | unique | map(tostring) | join(" ")' "$out/results.json")
    expect "$name-ladder" "$ladder" "$got"
    nrec=$(jq '.results | length' "$out/results.json")
    nwant=$(( nmodes * $(echo "$ladder" | wc -w) ))
    expect "$name-records" "$nwant" "$nrec"
    jq -r --slurpfile c "$cpus" --arg bind "$bind" --arg policy "$policy" \
        '$c[0] as $cpus | '"$(cat /pbvm/placement.jq | grep -v '^#')" \
        "$out/results.json" >"$out.problems" 2>&1
    if [ -s "$out.problems" ]; then
        fail "$name-placement" "$(wc -l <"$out.problems") problem(s): $(head -n 5 "$out.problems" | tr '\n' ';')"
    else
        ok "$name-placement" "$nrec records, every worker on its planned cpuset"
    fi
}
place core-compact core compact all "1 2 3 4 5 6 7 8"
place core-scatter core scatter 1-8 "1 2 3 4 5 6 7 8"
place pu-compact pu compact 1-16 "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"
place pu-scatter pu scatter auto "1 2 4 8 16"

# The pre-flight sees every vCPU, no quota, SMT on.
r=$PBVM_OUT/core-compact/results.json
if [ -f "$r" ]; then
    expect preflight-cpu-quota 16 "$(jq -r .preflight.cpu_quota "$r")"
    expect preflight-smt true "$(jq -r .preflight.smt "$r")"
fi
# One run's observed placement, for the record: threads at 16 workers, PU scatter.
r=$PBVM_OUT/pu-scatter/results.json
if [ -f "$r" ]; then
    jq -r '.results[] | select(.mode == "threads" and .workers == 16) |
           "\(.mode) workers=\(.workers) bind=\(.placement.bind) policy=\(.placement.policy) on_plan=\(.placement.on_plan)",
           (.placement.workers[] | "worker \(.worker): planned \(.planned) ran on \(.cpu_start)..\(.cpu_end) migrated=\(.migrated)")' \
        "$r" >"$PBVM_OUT/placement.txt"
    section placement "$PBVM_OUT/placement.txt"
fi
