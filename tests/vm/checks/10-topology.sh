# The guest's machine as hwloc and parbench see it: QEMU's -smp 16,sockets=2,
# cores=4,threads=2 with two NUMA nodes must appear as 2 packages, 2 NUMA nodes,
# 8 cores and 16 PUs, SMT 2, the kernel's sibling lists must agree, and
# hwloc-bind must really bind (the kernel's Cpus_allowed_list after it).
. /pbvm/lib.sh
t=$PBVM_OUT/topo.txt
if ! "$PARBENCH" topo >"$t" 2>&1; then
    fail topo "parbench topo failed: $(head -c 300 "$t")"
    exit 0
fi
section topo "$t"
field() { sed -n "s/^$1: *//p" "$t"; }
expect topo-packages 2 "$(field packages)"
expect topo-numa-nodes 2 "$(field 'numa nodes')"
expect topo-cores 8 "$(field cores)"
expect topo-pus 16 "$(field pus)"
expect topo-smt 2 "$(field smt)"
expect topo-ladder-auto "1 2 4 8 16" "$(field 'workers for -w auto')"
expect topo-ladder-all "1..8" "$(field 'workers for -w all')"

# The kernel's view: CPU 0's sibling is CPU 1, CPUs 8-15 are package 1 and node 1.
expect kernel-siblings-cpu0 0-1 "$(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list)"
expect kernel-package-cpu15 1 "$(cat /sys/devices/system/cpu/cpu15/topology/physical_package_id)"
expect kernel-node1-cpus 8-15 "$(cat /sys/devices/system/node/node1/cpulist)"

if command -v lstopo-no-graphics >/dev/null; then
    lstopo-no-graphics --of console >"$PBVM_OUT/lstopo.txt" 2>&1 &&
        section lstopo "$PBVM_OUT/lstopo.txt"
fi
# hwloc-bind to logical core 3 and PU 5: the kernel's allowed list must be that
# core's two siblings and that one PU.
if command -v hwloc-bind >/dev/null; then
    got=$(hwloc-bind core:3 -- sh -c 'grep Cpus_allowed_list /proc/self/status' | awk '{print $2}')
    first=${got%%[-,]*}
    want=$(cat "/sys/devices/system/cpu/cpu$first/topology/thread_siblings_list" 2>/dev/null)
    if [ -n "$got" ] && [ "$got" = "$want" ] && [ "$got" != "$first" ]; then
        ok hwloc-bind-core "core:3 -> CPUs $got"
    else
        fail hwloc-bind-core "core:3 -> '$got', siblings of its first CPU '$want'"
    fi
    expect hwloc-bind-pu 5 "$(hwloc-bind pu:5 -- sh -c 'grep Cpus_allowed_list /proc/self/status' | awk '{print $2}')"
else
    skip hwloc-bind "hwloc-bind not in the guest"
fi
