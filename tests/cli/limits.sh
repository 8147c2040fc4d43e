#!/usr/bin/env bash
# Resource limits: a run that needs more memory than this process may use, or more
# processes than its limits allow, is refused with exit 4 and one error line, before
# any kernel is prepared: the error is the only line on stderr, so no "preparing"
# line came before it, and no results directory is written.  (A real allocation of
# the sizes below would have the run killed instead.)
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
q=(-s small -r 1 --warmup 0)

# expect_refusal 'word1|word2|...' COMMAND... : COMMAND (parbench, maybe under prlimit or
# setpriv) exits 4 with exactly one stderr line holding every word (not quiet, so a
# "preparing" line would be a second one), and writes no results directory ($TMP/refused).
expect_refusal() {
    local words=$1; shift
    local rc=0 lines
    "$@" -o "$TMP/refused" >"$TMP/out" 2>"$TMP/err" || rc=$?
    lines=$(wc -l <"$TMP/err")
    local what="$*" missing=""
    IFS='|' read -ra want <<<"$words"
    for w in "${want[@]}"; do grep -qF -- "$w" "$TMP/err" || missing+=" '$w'"; done
    if [ "$rc" -ne 4 ]; then
        fail "$what: exited $rc, expected 4 ($(head -c 400 "$TMP/err"))"
    elif [ -n "$missing" ]; then
        fail "$what: stderr lacks$missing: $(cat "$TMP/err")"
    elif [ "$lines" -ne 1 ]; then
        fail "$what: expected one error line, got $lines: $(cat "$TMP/err")"
    elif [ -e "$TMP/refused" ]; then
        fail "$what: a results directory was written"
    else
        pass "exit 4: $(cat "$TMP/err")"
    fi
    rm -rf "$TMP/refused"
}

# Synthetic blur: 10000 images of 30000x30000 are about 75 TiB before the output and
# the reference; no machine has that.
expect_refusal "error: blur needs about|10000 images of 30000x30000|input|output|reference|is available (|lower blur.images" \
    "$PARBENCH" run -k blur -m serial "${q[@]}" \
    --set blur.images=10000 --set blur.width=30000 --set blur.height=30000

# Blur files whose headers claim 30000x30000 (tests/data/huge/README): only the headers
# are read, so 400 of them (about 3 TiB) are refused without decoding a pixel.
mkdir "$TMP/huge"
for i in $(seq 1 200); do
    ln -s "$PB_TEST_DATA/huge/30000x30000.png" "$TMP/huge/p$i.png"
    ln -s "$PB_TEST_DATA/huge/30000x30000.jpg" "$TMP/huge/j$i.jpg"
done
expect_refusal "error: blur needs about|400 images of up to 30000x30000|is available (|blur.files" \
    "$PARBENCH" run -k blur -m serial "${q[@]}" --set blur.files="$TMP/huge"

# One such file fits the memory check here; loading it then fails on the missing data
# (exit 2): the probe refused nothing a load accepts.
expect_error 2 "30000x30000.png: corrupt or truncated PNG data" run -k blur -m serial -q "${q[@]}" \
    --set blur.files="$PB_TEST_DATA/huge/30000x30000.png"
check "the refused load wrote no results" test ! -e "$TMP/results"

# primes with one number per task over [0, 1e15): 1e15 tasks, 7 PiB of counts, and
# no overflow on the way.
expect_refusal "error: primes needs about|1000000000000000 tasks of 1 number|PiB|primes.block" \
    "$PARBENCH" run -k primes -m serial "${q[@]}" --set primes.block=1 --set primes.hi=1000000000000000

# Real limits through prlimit.  Sanitizers reserve terabytes of address space and data
# at start-up, so RLIMIT_AS and RLIMIT_DATA tests run only in the plain build.
if [ -n "${PB_SANITIZE:-}" ]; then
    skip_part "the RLIMIT_AS/RLIMIT_DATA cases in the $PB_SANITIZE sanitizer build"
elif ! command -v prlimit >/dev/null; then
    skip_part "the RLIMIT_AS/RLIMIT_DATA cases: prlimit (util-linux) is missing"
else
    # noop at its most tasks (1e8, 763 MiB of output) under a 600 MB address space.
    expect_refusal "error: noop needs about 763 MiB|100000000 tasks|(RLIMIT_AS 572 MiB,|in use)|lower noop.tasks" \
        prlimit --as=600000000 "$PARBENCH" run -k noop -m serial "${q[@]}" --set noop.tasks=100000000
    expect_refusal "error: noop needs about 763 MiB|(RLIMIT_DATA 572 MiB," \
        prlimit --data=600000000 "$PARBENCH" run -k noop -m serial "${q[@]}" --set noop.tasks=100000000
    # The same limit lets a small run through.
    check "a run that fits RLIMIT_AS still runs" \
        prlimit --as=600000000 "$PARBENCH" run -k noop -m serial -q "${q[@]}" -o "$TMP/fits"
    # Weak scaling prepares a copy per worker count and keeps them all: 153, 305 and 610
    # MiB each fit, together they do not.
    expect_refusal "error: noop needs about 1.0 GiB for 3 prepared inputs|the largest, noop x4 for --scaling weak|80000000 tasks|RLIMIT_AS|fewer worker counts" \
        prlimit --as=1000000000 "$PARBENCH" run -k noop -m threads -w 1,2,4 --oversubscribe \
        --scaling weak "${q[@]}" --set noop.tasks=20000000
fi

# More workers than RLIMIT_NPROC leaves, as user nobody (the kernel does not hold root
# to it).  nobody needs a binary it can run and a directory it can write.
if [ "$(id -u)" -ne 0 ]; then
    skip_part "the RLIMIT_NPROC cases: they need root to become user nobody"
elif ! command -v setpriv >/dev/null || ! command -v prlimit >/dev/null; then
    skip_part "the RLIMIT_NPROC cases: setpriv or prlimit (util-linux) is missing"
else
    chmod 755 "$TMP"
    mkdir -m 777 "$TMP/nobody"
    cp "$PARBENCH" "$TMP/nobody/parbench"
    chmod 755 "$TMP/nobody/parbench"
    as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups prlimit --nproc=20)
    cd "$TMP/nobody"
    for mode in forkpool threads; do
        expect_refusal "error: -w 30 needs 30 more processes or threads ($mode mode)|(RLIMIT_NPROC 20,|in use by uid 65534)|lower -w" \
            "${as_nobody[@]}" "$TMP/nobody/parbench" run -k noop -m "$mode" -w 30 --oversubscribe "${q[@]}"
    done
    check "4 workers fit the same limit and run" \
        "${as_nobody[@]}" "$TMP/nobody/parbench" run -k noop -m threads,forkpool -w 4 --oversubscribe \
        -q "${q[@]}" -o "$TMP/nobody/fits"
    cd "$TMP"
fi
finish
