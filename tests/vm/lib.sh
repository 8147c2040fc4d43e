# Helpers for the checks that run inside the scripts/vmtest guest (busybox sh;
# sourced).  Each check prints "PBVM CHECK ok|fail|skip NAME[: why]".
ok()   { echo "PBVM CHECK ok $1${2:+: $2}"; }
fail() { echo "PBVM CHECK fail $1${2:+: $2}"; }
skip() { echo "PBVM CHECK skip $1${2:+: $2}"; }

# expect NAME WANT GOT: ok when equal.
expect() {
    if [ "$2" = "$3" ]; then ok "$1" "$3"; else fail "$1" "expected '$2', got '$3'"; fi
}

# section NAME FILE: FILE's text between PBVM BEGIN/END markers (saved by the host).
section() {
    echo "PBVM BEGIN $1"
    cat "$2"
    echo "PBVM END $1"
}
