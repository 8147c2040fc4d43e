#!/usr/bin/env bash
# The mpi mode across hosts, on one machine: two network namespaces, each with
# its own address on a private bridge and its own UTS hostname, stand in for
# two hosts.  mpirun launches its daemons there through a remote-launch agent
# that enters the namespace where a cluster would use ssh, the ranks talk to
# each other over TCP only (btl tcp,self, on the bridge's subnet), and rank 0
# calls the harness back across the bridge.  The ranks must report two
# different hosts, every run must validate, the outputs must equal serial, and
# results.json must name each rank's host.  Skipped (exit 77) without root,
# mpirun, ip or unshare.
# Every namespace, veth and the bridge are removed on exit.
source "$PB_SRC/tests/lib.sh"
cd "$TMP"
if "$PARBENCH" list | grep -qE '^  mpi +unavailable:'; then
    skip "mpi mode unavailable: $("$PARBENCH" list | sed -n 's/^  mpi *unavailable: //p')"
fi
for tool in mpirun ip unshare; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done
if [ "$(id -u)" -ne 0 ]; then
    skip "making network namespaces needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)"
fi

# Names and a subnet of our own, so concurrent runs of this test do not collide
# (interface names are at most 15 characters).
id=$(( ($$ + RANDOM) % 100000 ))
pfx=pb$id
br=${pfx}br
net=""
for _ in $(seq 20); do
    n=10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0
    if [ -z "$(ip -4 route show "$n/24" 2>/dev/null)" ] && ! ip -4 addr | grep -q "inet ${n%.0}\."; then
        net=${n%.0}
        break
    fi
done
[ -n "$net" ] || skip "no free 10.x subnet found for the bridge"
hosts=("${pfx}h1" "${pfx}h2")

cleanup() {
    for h in "${hosts[@]}"; do ip netns del "$h" 2>/dev/null || true; done
    for i in 1 2; do ip link del "${pfx}v$i" 2>/dev/null || true; done
    ip link del "$br" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

if ! ip netns add "${hosts[0]}" 2>ns.err; then
    skip "cannot make a network namespace: $(cat ns.err)"
fi
set -x
ip netns add "${hosts[1]}"
ip link add "$br" type bridge
ip addr add "$net.1/24" dev "$br"
ip link set "$br" up
for i in 1 2; do
    h=${hosts[$((i - 1))]}
    ip link add "${pfx}v$i" type veth peer name "${pfx}p$i"
    ip link set "${pfx}p$i" netns "$h"
    ip link set "${pfx}v$i" master "$br" up
    ip netns exec "$h" ip link set lo up
    ip netns exec "$h" ip addr add "$net.$((10 + i))/24" dev "${pfx}p$i"
    ip netns exec "$h" ip link set "${pfx}p$i" up
done
set +x
# The bridge may take a moment to forward; wait until each host reaches the other.
for _ in $(seq 50); do
    ip netns exec "${hosts[0]}" ping -c1 -W1 "$net.12" >/dev/null 2>&1 && break
    sleep 0.2
done

# mpirun's remote-launch agent, in place of ssh: "HOST WORDS..." runs the words
# as a shell command inside namespace HOST, under the hostname HOST.
cat >agent.sh <<'EOF'
#!/bin/sh
host=$1
shift
echo "$host" >>"$(dirname "$0")/agent.log"
exec ip netns exec "$host" unshare --uts sh -c 'hostname "$0" && exec sh -c "$1"' "$host" "$*"
EOF
chmod +x agent.sh
printf '%s slots=1\n' "${hosts[@]}" >hostfile
mpi_args="--mca plm_rsh_agent $TMP/agent.sh --mca plm_rsh_no_tree_spawn 1 --mca btl tcp,self"
mpi_args+=" --mca btl_tcp_if_include $net.0/24 --mca oob_tcp_if_include $net.0/24"

before=$(( $(cat "/sys/class/net/${pfx}v2/statistics/rx_bytes") + $(cat "/sys/class/net/${pfx}v2/statistics/tx_bytes") ))
tiny=(--set primes.hi=200000 --set primes.block=2000 --set blur.width=320 --set blur.height=240
      --set blur.images=2 --set blur.band=16 --set factors.count=40 --set factors.start=100000)
rc=0
"$PARBENCH" run -k primes,factors,blur -m serial,mpi -w 2 --schedule static,dynamic -r 2 \
    --warmup 1 --bind none --timeout 60 "${tiny[@]}" --set mpi.hosts=hostfile --set mpi.args="$mpi_args" \
    -o out >run.out 2>run.err || rc=$?
cat run.err
check "parbench run across 2 namespaces exits 0 (got $rc)" test "$rc" -eq 0
bad=$(jq -r '.results[] | select(.valid != true) | "\(.kernel) \(.mode) \(.schedule): \(.error)"' out/results.json)
check "every record valid ${bad:+($bad)}" test -z "$bad"
n=$(jq '[.results[] | select(.mode == "mpi")] | length' out/results.json)
check "6 mpi records (3 kernels x 2 schedules): $n" test "$n" -eq 6
for k in primes factors blur; do
    sums=$(jq -r --arg k "$k" '[.results[] | select(.kernel == $k) | .checksum] | unique | join(" ")' out/results.json)
    check "$k: output across hosts identical to serial ($sums)" test "$(echo "$sums" | wc -w)" -eq 1
done

# Where the ranks ran: the mode says so once per host set, and each record
# names every rank's host (rank i on host i+1) and the host list.
want="mpi: 2 ranks on 2 hosts: ${hosts[0]} (rank 0), ${hosts[1]} (rank 1)"
check "the ranks report two different hosts: '$want'" grep -qF "$want" run.err
got=$(jq -r '.results[] | select(.mode == "mpi") | [.placement.workers[].host] | join(" ")' out/results.json | sort -u | paste -sd';')
check "every mpi record names each rank's host ($got)" test "$got" = "${hosts[0]} ${hosts[1]}"
got=$(jq -r '[.results[] | select(.mode == "mpi") | .mode_facts.hosts] | unique | join(";")' out/results.json)
check "every mpi record's facts list both hosts ($got)" test "$got" = "${hosts[0]} ${hosts[1]}"
# The report shows where the ranks ran.
"$PARBENCH" report out >/dev/null 2>report.err || fail "parbench report out: $(cat report.err)"
check "report.md has the hosts section" grep -q '^## Where the workers ran' out/report.md
for h in "${hosts[@]}"; do
    check "report.md names host $h for an mpi row" grep -qE "^\| [a-z]+ \| mpi \|.*$h" out/report.md
done
launched=$(sort -u agent.log | paste -sd' ')
check "mpirun launched through the agent into both namespaces ($launched)" \
    test "$launched" = "${hosts[0]} ${hosts[1]}"
# Rank 1's outputs went from its namespace over its veth to rank 0's.
after=$(( $(cat "/sys/class/net/${pfx}v2/statistics/rx_bytes") + $(cat "/sys/class/net/${pfx}v2/statistics/tx_bytes") ))
check "TCP traffic crossed host 2's veth ($((after - before)) bytes)" test $((after - before)) -gt 100000
# A rank on the second host that crashes, and one that hangs: the configuration
# fails with a message naming it, and mpirun ends the job on both hosts.
for f in "crash:exited on signal 11" "hang:timed out after 3.0 s"; do
    kind=${f%%:*} want=${f#*:}
    rc=0
    PARBENCH_FAULT=$kind:1:1 "$PARBENCH" run -q -k primes -m mpi -w 2 --schedule static -r 1 \
        --warmup 0 --bind none --timeout 3 "${tiny[@]}" --set mpi.hosts=hostfile --set mpi.args="$mpi_args" \
        -o "f-$kind" >f.out 2>f.err || rc=$?
    check "$kind on ${hosts[1]}: exit 1 (got $rc)" test "$rc" -eq 1
    check "$kind on ${hosts[1]}: '$want' ($(grep -m1 error: f.err))" grep -qF -- "$want" f.err
    for h in "${hosts[@]}"; do
        for _ in $(seq 50); do [ -z "$(ip netns pids "$h")" ] && break; sleep 0.1; done
        inns=$(ip netns pids "$h" 2>/dev/null | paste -sd' ')
        check "$kind: namespace $h is empty afterwards${inns:+ (pids $inns)}" test -z "$inns"
    done
done
left=$(pgrep -af "orted|parbench-mpi-rank" | grep -F "$TMP" || true)
check "no orted or rank left in the namespaces${left:+ ($left)}" test -z "$left"
for h in "${hosts[@]}"; do
    inns=$(ip netns pids "$h" 2>/dev/null | paste -sd' ')
    check "namespace $h is empty${inns:+ (pids $inns)}" test -z "$inns"
done
finish
