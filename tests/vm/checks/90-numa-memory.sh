# Hook for the NUMA memory placement checks (issue 16, item 3): each worker's
# share of input and output on its own node when bound.  The guest has two nodes
# (CPUs 0-7 on node 0, 8-15 on node 1); a check here can read
# /proc/PID/numa_maps or a per-worker record field once parbench records it.
. /pbvm/lib.sh
skip numa-memory "no per-worker memory placement is recorded yet"
