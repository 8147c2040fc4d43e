#!/usr/bin/env bash
# The optional modes match the build: with OpenMP (PB_OPENMP=1) and Open MPI
# (PB_MPI=1) found, openmp and mpi are listed as available; configured off or
# missing (the clang-minimal suite: -DPARBENCH_OPENMP=OFF -DPARBENCH_MPI=OFF),
# they are still listed, as unavailable with their reason, and asking for one
# is one error line with exit 4 before any work.
source "$PB_SRC/tests/lib.sh"
: "${PB_OPENMP:?PB_OPENMP must be 1 or 0}" "${PB_MPI:?PB_MPI must be 1 or 0}"
cd "$TMP"
"$PARBENCH" list >list.txt
q=(-q -k primes -w 1 -r 1 --warmup 0 --set primes.hi=1000 -o res)

# expect_mode MODE HAVE 'reason when unavailable'
expect_mode() {
    local mode=$1 have=$2 reason=$3
    check "$mode is listed" grep -qE "^  $mode " list.txt
    if [ "$have" = 1 ]; then
        check "$mode is available in this build" bash -c "! grep -qE '^  $mode +unavailable:' list.txt"
    else
        check "$mode is listed as unavailable: $reason" grep -qE "^  $mode +unavailable: .*$reason" list.txt
        expect_error 4 "mode $mode is unavailable" run -m "$mode" "${q[@]}"
        check "nothing written for an unavailable $mode" test ! -e res
    fi
}
expect_mode openmp "$PB_OPENMP" "built without OpenMP"
expect_mode mpi "$PB_MPI" "(built without MPI|not Open MPI)"
finish
