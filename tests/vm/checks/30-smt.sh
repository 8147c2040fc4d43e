# SMT for real on the guest (2 packages x 4 cores x 2 threads; CPU 2k and 2k+1
# are siblings): the pre-flight names the siblings and warns about a plan that
# puts two workers on one core while cores stay idle, and --smt-yield times the
# add loops and the kernel on one PU of p cores vs both PUs of p/2 cores.  The
# packed plan's CPUs must be siblings and the spread plan's not, per the guest
# kernel's sysfs; every figure must be there and positive (never compared).
. /pbvm/lib.sh
out=$PBVM_OUT/smt
if ! "$PARBENCH" run -k primes -m threads -w 2,4 --bind pu -r 1 --warmup 0 --set primes.hi=20000 \
    --set primes.block=200 --timeout 300 --smt-yield -o "$out" >"$out.log" 2>&1; then
    fail smt-run "parbench run --smt-yield exited non-zero: $(tail -n 5 "$out.log" | tr '\n' ' ')"
    exit 0
fi
section smt-yield "$out.log"
j=$out/results.json
expect smt-siblings "0-1 2-3 4-5 6-7 8-9 10-11 12-13 14-15" "$(jq -r .preflight.smt_siblings "$j")"
if grep -q 'pre-flight: SMT: 2 threads per core; siblings 0-1 2-3 4-5 6-7 ... 14-15 (8 cores)' "$out.log"; then
    ok smt-preflight-line
else
    fail smt-preflight-line "$(grep 'pre-flight: SMT' "$out.log" | head -n 1)"
fi
if grep -q 'pre-flight: 2 workers (--bind pu, --policy compact) put two or more workers on each of 1 core(s) while 7 core(s) stay idle' "$out.log"; then
    ok smt-doubled-warning
else
    fail smt-doubled-warning "no warning for 2 workers on one core's PUs"
fi
expect smt-measured "true" "$(jq .preflight.smt_yield.measured "$j")"
expect smt-counts "[2,4]" "$(jq -c '[.preflight.smt_yield.pairs[].workers]' "$j")"
# every packed pair of threads 2i, 2i+1 on sibling CPUs; no two spread threads on one core
jq -r '.preflight.smt_yield.pairs[] | "\(.workers) \(.packed.cpusets | join(",")) \(.spread.cpusets | join(","))"' "$j" |
while read -r w packed spread; do
    bad=""
    set -- $(echo "$packed" | tr ',' ' ')
    while [ $# -ge 2 ]; do
        sib=$(cat "/sys/devices/system/cpu/cpu$1/topology/thread_siblings_list")
        [ "$sib" = "$1-$2" ] || [ "$sib" = "$2-$1" ] || [ "$sib" = "$1,$2" ] || bad="$bad $1+$2"
        shift 2
    done
    cores=""
    for c in $(echo "$spread" | tr ',' ' '); do
        core=$(cat "/sys/devices/system/cpu/cpu$c/topology/thread_siblings_list")
        case " $cores " in *" $core "*) bad="$bad spread:$c" ;; esac
        cores="$cores $core"
    done
    if [ -z "$bad" ]; then ok "smt-plans-$w" "packed $packed, spread $spread"
    else fail "smt-plans-$w" "not as planned:$bad"; fi
done
expect smt-loops '["dependent_adds","independent_adds"]' \
    "$(jq -c '[.preflight.smt_yield.pairs[0].loops[].loop]' "$j")"
expect smt-kernel '["primes","threads",true]' \
    "$(jq -c '[.preflight.smt_yield.pairs[0].kernels[0] | .kernel, .mode, (.yield > 0)]' "$j")"
expect smt-figures-positive 0 \
    "$(jq '[.preflight.smt_yield.pairs[] | (.loops[], .kernels[]) | .spread_per_core, .packed_per_core, .yield | select(. == null or . <= 0)] | length' "$j")"
if "$PARBENCH" report -q --no-plots "$out" >/dev/null 2>&1 &&
    grep -q '^| 4 | kernel primes (threads, dynamic) |' "$out/report.md"; then
    ok smt-report
else
    fail smt-report "no kernel row in the SMT yield section"
fi
