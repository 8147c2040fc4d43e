#!/usr/bin/env bash
# SMT (issue 16) on machines hwloc is told about (HWLOC_SYNTHETIC, HWLOC_XMLFILE),
# so it runs anywhere: the pre-flight names the siblings, warns about plans that
# put two workers on a core while cores stay idle, and --smt-yield records which
# PUs each plan of the pair uses (nothing can be bound to a machine that is not
# this one, so the yield says why it was not measured); the report explains it.
# tests/cli/smt.sh measures it on a real machine with SMT.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
FIX="$PB_SRC/tests/fixtures/topology"
# 2 packages x 4 cores x 2 PUs, numbered as Linux numbers x86 servers: core c has PUs c, c+8
BIG='pack:2 core:4 pu:2(indexes=2*8:1*2)'
RUN=(run -k primes -m serial -s tiny -r 1 --warmup 0)

"$PARBENCH" run --help | grep -q -- '--smt-yield' && pass "run --help lists --smt-yield" ||
    fail "run --help lacks --smt-yield"

# --- the yield's plans on the synthetic 2 x 4 x 2 machine ---------------------------------
rc=0
HWLOC_SYNTHETIC=$BIG "$PARBENCH" run -k primes -m serial -s tiny -r 1 --warmup 0 -w 1,2,4,5 \
    --bind none --smt-yield -o big >big.out 2>big.err || rc=$?
check "synthetic: the run exits 0 (rc $rc: $(head -c 300 big.err))" [ "$rc" = 0 ]
check "synthetic: the pre-flight names the siblings, abbreviated" \
    grep -qF "pre-flight: SMT: 2 threads per core; siblings 0,8 1,9 2,10 3,11 ... 7,15 (8 cores)" big.err
check "synthetic: the pre-flight warns that the yield was not measured, and why" \
    grep -qF "pre-flight: SMT yield not measured: cannot bind to a plan" big.err
check "synthetic: nothing claims to time it" bash -c "! grep -q 'timing the SMT yield' big.err"
j=big/results.json
check "synthetic: preflight.smt_siblings lists every core's siblings" \
    [ "$(jq -r .preflight.smt_siblings $j)" = "0,8 1,9 2,10 3,11 4,12 5,13 6,14 7,15" ]
check "synthetic: preflight.smt_threads_per_core = 2" [ "$(jq .preflight.smt_threads_per_core $j)" = 2 ]
check "synthetic: smt_yield.measured is false with the reason" \
    [ "$(jq -r '.preflight.smt_yield | "\(.measured) \(.skipped)"' $j | cut -c1-35)" = "false cannot bind to a plan for thi" ]
check "synthetic: the even worker counts of the run are planned (2 and 4, not 1 or 5)" \
    [ "$(jq -c '[.preflight.smt_yield.pairs[].workers]' $j)" = "[2,4]" ]
check "synthetic: 2 workers: one PU of cores 0 and 1, vs both PUs of core 0" \
    [ "$(jq -c '.preflight.smt_yield.pairs[0] | [.spread.cpusets, .packed.cpusets, .spread.cores, .packed.cores]' $j)" = '[["0","1"],["0","8"],2,1]' ]
check "synthetic: 4 workers packed on cores 0 and 1" \
    [ "$(jq -c '.preflight.smt_yield.pairs[1].packed.cpusets' $j)" = '["0","8","1","9"]' ]
check "synthetic: nothing timed" [ "$(jq '[.preflight.smt_yield.pairs[] | .loops[], .kernels[]] | length' $j)" = 0 ]
"$PARBENCH" report -q --no-plots big 2>rep.err || fail "report: $(cat rep.err)"
md=big/report.md
check "report: an SMT yield section" grep -q '^## SMT yield' $md
check "report: it names the siblings" grep -qF 'OS CPU numbers): 0,8 1,9 2,10' $md
check "report: it says why nothing was measured" grep -qF '> Not measured: cannot bind' $md
check "report: the plans it would have timed" grep -qF '| 4 | – | 0 1 2 3 (4 cores) | 0 8 1 9 (2 cores) |' $md
check "report.html: the section too" grep -q 'id="smt"' big/report.html
check "report: the finding says it was asked for and why it was not measured" \
    grep -qF -- '- The SMT yield was asked for (--smt-yield) but not measured: cannot bind' $md

# The report of a measured block (figures written in by hand: only the text is checked)
jq '.preflight.smt_yield |= (.measured = true | .skipped = null | .pairs = [.pairs[0] |
      .loops = [{loop: "dependent_adds", unit: "adds/s", spread_per_core: 4e9, packed_per_core: 7.6e9,
                 spread_total: 8e9, packed_total: 7.6e9, yield: 1.9, yield_low: 1.8, yield_high: 2.0},
                {loop: "independent_adds", unit: "adds/s", spread_per_core: 1.6e10, packed_per_core: 1.7e10,
                 spread_total: 3.2e10, packed_total: 1.7e10, yield: 1.0625, yield_low: null, yield_high: null}] |
      .kernels = [{kernel: "primes", mode: "threads", schedule: "dynamic", unit: "numbers/s", samples: 7,
                   spread_per_core: 1e8, packed_per_core: 1.3e8, spread_total: 2e8, packed_total: 1.3e8,
                   yield: 1.3, yield_low: 1.2, yield_high: 1.4},
                  {kernel: "blur", error: "validation failed: pixel 3"}]])' big/results.json >measured.json
mkdir -p measured && mv measured.json measured/results.json
"$PARBENCH" report -q --no-plots measured 2>rep2.err || fail "report of the measured block: $(cat rep2.err)"
md=measured/report.md
check "report, measured: the loop rows with the yield and its bounds" \
    grep -qF '| 2 | dependent\_adds | 0 1 (2 cores) | 0 8 (1 core) | 4.00 G adds/s | 7.60 G adds/s | 1.90x (1.80–2.00) |' $md
check "report, measured: no bounds without CIs" grep -qF '| 1.06x |' $md
check "report, measured: the kernel row in its unit" \
    grep -qF '| 2 | kernel primes (threads, dynamic) | 0 1 (2 cores) | 0 8 (1 core) | 100 M numbers/s | 130 M numbers/s | 1.30x (1.20–1.40) |' $md
check "report, measured: a failed kernel said so" grep -qF 'Kernel blur at 2 workers: validation failed: pixel 3.' $md
check "report, measured: the method line" grep -qF 'Loops: medians of 7 samples of 0.05 s per plan' $md
check "report, measured: no 'not measured'" bash -c "! grep -q 'Not measured' $md"
check "report, measured: the finding quotes the kernel's yield, then the loops'" \
    grep -qF -- '- SMT yield at 2 workers (throughput per core with two threads on a core over one): primes 1.30x (95% bounds 1.20–1.40), the second thread adds 30% to a core; dependent\_adds 1.90x' $md

# scatter puts the pair over both packages
HWLOC_SYNTHETIC=$BIG "$PARBENCH" "${RUN[@]}" -w 4 --bind none --policy scatter --smt-yield \
    -o scatter >/dev/null 2>&1 || fail "scatter run failed"
check "synthetic, scatter: 4 workers on cores 0 2 4 6 vs both PUs of cores 0 and 4" \
    [ "$(jq -c '.preflight.smt_yield.pairs[0] | [.spread.cpusets, .packed.cpusets]' scatter/results.json)" = '[["0","2","4","6"],["0","8","4","12"]]' ]

# without --smt-yield: the siblings, smt_yield null, and the report asks for it
HWLOC_SYNTHETIC=$BIG "$PARBENCH" "${RUN[@]}" -w 2 --bind none -o plain >/dev/null 2>&1 ||
    fail "plain run failed"
check "no --smt-yield: preflight.smt_yield is null" [ "$(jq .preflight.smt_yield plain/results.json)" = null ]
"$PARBENCH" report -q --no-plots plain 2>/dev/null || fail "report of the plain run failed"
check "no --smt-yield on an SMT machine: the report says how to measure it" \
    grep -qF 'run with --smt-yield' plain/report.md

# --- plans that double up on cores: the hybrid fixture (8 P-cores with SMT + 16 E-cores) ---
# (the sweep cannot bind there either, so its configurations fail: exit 1 is expected)
rc=0
HWLOC_XMLFILE=$FIX/hybrid-8p16e.xml "$PARBENCH" "${RUN[@]}" -m threads -w 2,4 --bind pu --smt-yield \
    -o hyb >hyb.out 2>hyb.err || rc=$?
check "hybrid: the pre-flight says only the P-cores have siblings" \
    grep -qF "pre-flight: SMT: 2 threads per core on 8 of 24 cores; siblings 0-1 2-3 4-5 6-7 ... 14-15 (8 cores)" hyb.err
check "hybrid: 2 workers on one core's PUs while 23 cores idle: warned" \
    grep -qF "pre-flight: 2 workers (--bind pu, --policy compact) put two or more workers on each of 1 core(s) while 23 core(s) stay idle" hyb.err
check "hybrid: 4 workers on two cores: warned" \
    grep -qF "pre-flight: 4 workers (--bind pu, --policy compact) put two or more workers on each of 2 core(s) while 22 core(s) stay idle" hyb.err
check "hybrid: the pairs stay on the P-cores" \
    [ "$(jq -c '[.preflight.smt_yield.pairs[] | .spread.cpusets + .packed.cpusets]' hyb/results.json)" = '[["0","2","0","1"],["0","2","4","6","0","1","2","3"]]' ]
HWLOC_XMLFILE=$FIX/hybrid-8p16e.xml "$PARBENCH" "${RUN[@]}" -m threads -w 2,4 --bind pu --policy scatter \
    -o hyb2 >/dev/null 2>hyb2.err || true
check "hybrid, scatter: no core doubled, no warning" bash -c "! grep -q 'put two or more workers' hyb2.err"
HWLOC_XMLFILE=$FIX/hybrid-8p16e.xml "$PARBENCH" "${RUN[@]}" -m threads -w 2 --cpus 0,1 \
    -o hyb3 >/dev/null 2>hyb3.err || true
check "hybrid, --cpus 0,1 (siblings): warned" \
    grep -qF "2 workers (--cpus 0,1) put two or more workers on each of 1 core(s) while 23 core(s)" hyb3.err

# --- no SMT (the big.LITTLE fixture): said so, and --smt-yield says why it measured nothing ---
HWLOC_XMLFILE=$FIX/arm-1p3b4l.xml "$PARBENCH" "${RUN[@]}" -w 2 --bind none --smt-yield \
    -o arm >/dev/null 2>arm.err || fail "arm run failed: $(cat arm.err)"
check "no SMT: the pre-flight says so" grep -qF "pre-flight: SMT: none (one thread per core)" arm.err
check "no SMT: smt_siblings none, 1 thread per core" \
    [ "$(jq -c '.preflight | [.smt_siblings, .smt_threads_per_core]' arm/results.json)" = '["none",1]' ]
check "no SMT: --smt-yield says why" \
    grep -qF "pre-flight: SMT yield not measured: this system has no SMT (one PU per core)" arm.err
finish
