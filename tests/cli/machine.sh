#!/usr/bin/env bash
# The machine in full: results.json's system block carries the CPU identity, ISA,
# clocks, caches with their sharing, NUMA memory, SMT, mitigations, OpenMP/MPI
# and a run id on this machine; blur's records name their code path; the
# report's machine table shows them.  Values vary by machine: only presence
# and types are asserted (null where this machine does not expose a value).
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
"$PARBENCH" run -k blur,primes -m serial -w 1 -r 1 --warmup 0 --bind none \
    --set blur.width=64 --set blur.height=48 --set blur.images=1 --set primes.hi=20000 \
    -o res >"$TMP/stdout" 2>"$TMP/stderr"
j=res/results.json
sys() { jq -c "$1" $j; }

check "run_id is 12 hex digits" test "$(jq -r '.system.run_id | test("^[0-9a-f]{12}$")' $j)" = true
for f in cpu clocks caches numa_memory_bytes smt_active smt_control mitigations openmp mpi; do
    check "system.$f present" test "$(sys ".system | has(\"$f\")")" = true
done
for f in arch vendor model_name family model stepping microcode isa isa_source; do
    check "system.cpu.$f present" test "$(sys ".system.cpu | has(\"$f\")")" = true
done
check "cpu.arch is uname's machine" test "$(jq -r .system.cpu.arch $j)" = "$(uname -m)"
check "cpu.isa is null or a list of strings" \
    test "$(sys '.system.cpu.isa | . == null or (type == "array" and all(type == "string"))')" = true
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    check "cpu.isa has avx2 (in /proc/cpuinfo)" test "$(sys '.system.cpu.isa | index(["avx2"]) != null')" = true
fi
for f in base_mhz max_mhz min_mhz base_max_source driver scaling_cur_mhz cpuinfo_mhz; do
    check "system.clocks.$f present" test "$(sys ".system.clocks | has(\"$f\")")" = true
done
check "clocks are numbers or null" \
    test "$(sys '[.system.clocks | .base_mhz, .max_mhz, .min_mhz | . == null or type == "number"] | all')" = true
check "caches: level, size, line, sharing" \
    test "$(sys '[.system.caches[] | has("level") and has("type") and has("size_bytes") and has("line_bytes") and has("ways") and has("instances") and has("pus_per_instance") and has("total_bytes")] | all')" = true
check "caches agree with l1d_bytes" \
    test "$(sys '.system.l1d_bytes == 0 or ([.system.caches[] | select(.level == 1 and .type != "instruction") | .size_bytes][0] == .system.l1d_bytes)')" = true
check "one NUMA memory figure per node" \
    test "$(sys '(.system.numa_memory_bytes | length) == .system.numa_nodes')" = true
check "mitigations: null or name -> text" \
    test "$(sys '.system.mitigations == null or (.system.mitigations | type == "object" and (map_values(type == "string") | all))')" = true
if [ -d /sys/devices/system/cpu/vulnerabilities ]; then
    check "mitigations: one per vulnerabilities file" \
        test "$(sys '.system.mitigations | length')" = "$(ls /sys/devices/system/cpu/vulnerabilities | wc -l)"
fi
check "openmp: null or spec date" \
    test "$(sys '.system.openmp == null or (.system.openmp.spec_date | type == "number")')" = true
check "mpi: null or library and standard" \
    test "$(sys '.system.mpi == null or (.system.mpi | has("library") and has("standard"))')" = true
check "blur records name their code path" \
    test "$(sys '[.results[] | select(.kernel == "blur") | .code_path | type == "string" and test("^(avx512|avx2|generic) ")] | (length > 0 and all)')" = true
check "primes records have an empty code path (no hook)" \
    test "$(sys '[.results[] | select(.kernel == "primes") | .code_path == ""] | all')" = true

"$PARBENCH" report res >"$TMP/report.out" 2>&1
md=res/report.md
for row in "| Host | " "| CPU identity | " "| ISA extensions | " "| Clocks | " "| Caches (hwloc) | " \
           "| Memory | " "| Memory per NUMA node | " "| Code paths | blur: "; do
    check "report machine row '$row'" grep -qF -- "$row" $md
done
check "report: the OS-reported clock" grep -qE '^\| Clocks \|.*OS-reported' $md
if [ "$(jq .preflight.calibrated_mhz $j)" != null ]; then
    check "report: the measured clock beside it" grep -qE '^\| Clocks \|.*measured [0-9]+ MHz' $md
fi
check "report: the run id beside the host" grep -qF "(run $(jq -r .system.run_id $j))" $md
finish
