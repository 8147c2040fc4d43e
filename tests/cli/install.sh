#!/usr/bin/env bash
# `cmake --install` of this build into a scratch prefix gives a parbench that
# stands alone: the rank program beside it (when built), the plot scripts in
# share/parbench/plots and the docs in share/doc/parbench; the installed
# parbench finds its plot scripts there, not in the source tree, and charts a
# copied results directory.  A copy of the build-tree binary outside the build
# directory must not fall back to the source tree either.
source "$PB_SRC/tests/lib.sh"
: "${PB_BUILD:?PB_BUILD must name the build directory}"
cd "$TMP"
inst=$TMP/inst
"${PB_CMAKE:-cmake}" --install "$PB_BUILD" --prefix "$inst" >install.log 2>&1 ||
    { cat install.log >&2; fail "cmake --install $PB_BUILD --prefix $inst"; finish; }
pass "cmake --install into $inst"

check "bin/parbench installed" test -x "$inst/bin/parbench"
if [ "${PB_MPI:-0}" = 1 ]; then
    check "bin/parbench-mpi-rank installed beside it" test -x "$inst/bin/parbench-mpi-rank"
else
    check "no rank program in a build without it" test ! -e "$inst/bin/parbench-mpi-rank"
fi
for gp in "$PB_SRC"/plots/*.gp; do
    check "plot script $(basename "$gp") installed" cmp -s "$gp" "$inst/share/parbench/plots/$(basename "$gp")"
done
for doc in README.md mpi.md results-format.md plots.md; do
    check "doc $doc installed" test -s "$inst/share/doc/parbench/$doc"
done

# The Python modes' package, installed where the installed parbench looks for it.
for py in "$PB_SRC"/python/parbench/*.py "$PB_SRC"/python/parbench/kernels/*.py; do
    rel=${py#"$PB_SRC"/python/}
    check "python/$rel installed" cmp -s "$py" "$inst/share/parbench/python/$rel"
done

# The installed binary is outside the build tree, so only the installed scripts can serve it.
cp -r "$PB_SRC/tests/fixtures/run-a" .
rc=0
"$inst/bin/parbench" report -q run-a >out 2>err || rc=$?
check "installed parbench report exits 0 ($(head -c 300 err))" test "$rc" -eq 0
check "installed parbench report wrote report.md" test -s run-a/report.md
if command -v gnuplot >/dev/null; then
    check "no warning on stderr ($(head -c 300 err))" test ! -s err
    for c in speedup efficiency time throughput imbalance; do
        check "chart primes-$c.svg made" grep -q '<svg' run-a/plots/primes-$c.svg
        check "chart primes-$c.png made" test -s run-a/plots/primes-$c.png
    done
    check "report.md has no 'No charts'" bash -c "! grep -q 'No charts' run-a/report.md"
else
    skip_part "gnuplot is not installed: the installed binary's charts"
fi

# The installed mpi mode finds the installed rank program beside parbench.
# (A build without the mpi mode has nothing to check here: components.sh covers it.)
if [ "${PB_MPI:-0}" = 1 ] && command -v mpirun >/dev/null; then
    rc=0
    "$inst/bin/parbench" run -q -k noop -m mpi -w 1 -r 1 --warmup 0 --bind none \
        --set noop.tasks=100 -o mpi-out >out 2>err || rc=$?
    check "installed parbench runs the mpi mode (exit $rc: $(head -c 300 err))" test "$rc" -eq 0
    check "the installed mpi run is valid" \
        test "$(jq '[.results[] | .valid] | all' mpi-out/results.json 2>/dev/null)" = true
elif [ "${PB_MPI:-0}" = 1 ]; then
    skip_part "the installed mpi mode: no mpirun in PATH (install openmpi-bin)"
fi

# Moved elsewhere (installed tree renamed): still finds its scripts, relative to itself.
mv "$inst" "$TMP/moved"
cp -r "$PB_SRC/tests/fixtures/run-a" moved-run
rc=0
"$TMP/moved/bin/parbench" report -q moved-run >out 2>err || rc=$?
check "a moved installed tree: report exits 0" test "$rc" -eq 0
check "a moved installed tree finds its plot scripts ($(head -c 300 err))" \
    bash -c "! grep -q 'plot scripts' err"
if command -v gnuplot >/dev/null; then
    check "a moved installed tree draws the charts" grep -q '<svg' moved-run/plots/blur-speedup.svg
fi

# A moved installed tree runs the Python modes from its own share/parbench/python.
if command -v python3 >/dev/null; then
    rc=0
    "$TMP/moved/bin/parbench" run -q -k primes -m serial,py-serial -s tiny -w 1 -r 1 --warmup 0 \
        --bind none -o py-out >out 2>err || rc=$?
    check "a moved installed tree runs py-serial (exit $rc: $(grep error: err | head -c 300))" \
        test "$rc" -eq 0
    check "its py-serial run is valid" \
        test "$(jq '[.results[] | .valid] | all' py-out/results.json 2>/dev/null)" = true
else
    skip_part "no python3: the installed Python modes"
fi

# The build-tree binary copied out of the build directory: no source-tree fallback.
mkdir -p lone/bin
cp "$PARBENCH" lone/bin/
cp -r "$PB_SRC/tests/fixtures/run-a" lone-run
rc=0
lone/bin/parbench report lone-run >out 2>err || rc=$?
check "a lone copy still writes its report (exit $rc)" test "$rc" -eq 0
check "a lone copy says where it looked for the plot scripts ($(head -c 300 err))" \
    grep -q "the plot scripts (speedup.gp, ...) are not in $TMP/lone/bin/../share/parbench/plots; use --plots DIR" err
check "a lone copy does not use the source tree: no chart drawn" test ! -e lone-run/plots/primes-speedup.svg
rc=0
lone/bin/parbench run -q -k primes -m py-serial -s tiny -w 1 -r 1 --warmup 0 --bind none \
    -o lone-py >out 2>err || rc=$?
check "a lone copy does not run the source tree's Python driver (exit $rc)" test "$rc" -eq 2
check "a lone copy says where it looked for the Python driver ($(head -c 300 err))" \
    grep -q "py-serial: the Python driver is not in $TMP/lone/bin/../share/parbench/python/parbench/" err
finish
