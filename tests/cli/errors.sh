#!/usr/bin/env bash
# Bad input: one clear error line on stderr, a documented non-zero exit, nothing written.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
q=(-q -s small -r 1 --warmup 0)

expect_error 2 "unknown command 'frobnicate'" frobnicate
expect_error 2 "unknown kernel 'nosuch'" run -k nosuch
expect_error 2 "unknown mode 'warp'" run -m warp
expect_error 2 "--output: the directory name is 5000 bytes" run -o "$(printf "d%.0s" $(seq 5000))"
expect_error 2 "unknown option '--frob'" run --frob
expect_error 2 "option '-w' needs a value" run -w
expect_error 2 "--workers: 0 is out of range" run -w 0
expect_error 2 "is out of range [1, 1024]" run -w 5000
expect_error 2 "--workers: 'x' is not a whole number" run -w x
expect_error 2 "--size: unknown size 'huge'" run -s huge
expect_error 2 "--schedule: unknown schedule 'random'" run --schedule random
expect_error 2 "--set 'primes.nope=1': kernel primes has no parameter 'nope'" run --set primes.nope=1
expect_error 2 "--set 'warp.x=1': unknown kernel or mode 'warp'" run --set warp.x=1
expect_error 2 "--set 'primes': expected KERNEL.PARAM=VALUE or MODE.OPTION=VALUE" run --set primes
expect_error 2 "--set 'threads.nope=1': mode threads has no option 'nope' (it has none)" \
    run -k primes -m threads --set threads.nope=1
expect_error 2 "--set 'serial.x=1': mode serial is not selected (add it to -m)" \
    run -k primes -m threads --set serial.x=1
expect_error 2 "--size: unknown size 'huge' (tiny, small, medium, large)" run -s huge
expect_error 2 "primes.hi=lots is not a valid whole number" run -k primes --set primes.hi=lots
expect_error 2 "--reps: 0 is out of range" run --reps 0
expect_error 2 "--timeout: 'soon' is not a number" run --timeout soon
expect_error 2 "--bind: unknown binding 'socket'" run --bind socket
expect_error 2 "--policy: unknown policy 'random'" run --policy random
expect_error 2 "unexpected argument 'extra'" run extra
expect_error 2 "no-such-dir" run -k blur "${q[@]}" -m serial --set blur.files="$TMP/no-such-dir"
printf 'not an image' >"$TMP/bad.png"
expect_error 2 "bad.png" run -k blur "${q[@]}" -m serial --set blur.files="$TMP/bad.png"

# An unwritable output directory: refused before any work, nothing created.
mkdir "$TMP/ro"
touch "$TMP/ro/file"
expect_error 2 "ro/file" run -k primes "${q[@]}" -m serial -o "$TMP/ro/file/sub"
check "nothing written under a refused output directory" test ! -e "$TMP/ro/file/sub"

# A mode compiled out (openmp in the TSan build) is a missing resource: exit 4 before any work.
unavail=$("$PARBENCH" list | awk '/^modes:/{m=1;next} m && $2 == "unavailable:" {print $1; exit}')
if [ -n "$unavail" ]; then
    expect_error 4 "mode $unavail is unavailable" run -m "$unavail" "${q[@]}" -k primes
else
    echo "ok: every mode is available in this build, so the exit-4 case cannot be shown here"
fi

# Help and version are not errors.
check "--help exits 0" "$PARBENCH" --help
check "run --help exits 0" "$PARBENCH" run --help
check "--version names parbench" bash -c "'$PARBENCH' --version | grep -q '^parbench '"
finish
