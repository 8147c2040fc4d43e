/* What this process may still use of the machine: memory, and new processes or
 * threads, each as the least of every limit that applies, with the name of the
 * one that binds, so `parbench run` can refuse a sweep that cannot fit before
 * any work starts instead of being OOM-killed or failing to fork mid-sweep.
 *
 * Memory: MemAvailable (/proc/meminfo); RLIMIT_AS less this process's address
 * space (VmSize) and RLIMIT_DATA less its data (VmData), when finite; and the
 * memory cgroup of this process and its ancestors (v2 memory.max less
 * memory.current, v1 memory.limit_in_bytes less memory.usage_in_bytes).
 *
 * Processes and threads (Linux counts both alike): RLIMIT_NPROC less the
 * threads of this real user (not enforced for root, so not counted there);
 * the pids cgroup (pids.max less pids.current, v2 or v1, with ancestors); and
 * kernel.threads-max less the threads of the whole system (/proc/loadavg).
 * A source that cannot be read is left out: no limit is invented. */
#ifndef PB_RESOURCE_LIMITS_H
#define PB_RESOURCE_LIMITS_H

#include <stdint.h>

/* One resource's headroom and the limit that sets it. */
struct pb_limit {
    uint64_t avail;        /* bytes, or processes/threads, still available; UINT64_MAX: unlimited */
    char source[160];      /* the binding limit, for messages: "MemAvailable",
                              "RLIMIT_NPROC 20, 1 in use by uid 65534" */
};

/* Memory this process may still allocate. */
void pb_limit_memory(struct pb_limit *l);

/* Processes or threads this process may still start. */
void pb_limit_tasks(struct pb_limit *l);

#endif
