/* shm: forked worker processes that share the output array (a MAP_SHARED
 * mapping) and take chunks from a process-shared atomic counter, writing
 * their outputs in place.  The threads mode, with processes. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pb.h"
#include "memplace.h"
#include "placement.h"
#include "schedule.h"
#include "supervise.h"

/* One worker's statistics, on a cache line of its own so workers writing
 * their slots never share a line. */
struct shm_slot {
    _Alignas(64) struct pb_worker_stat ws;
};

/* The control block, in an anonymous MAP_SHARED mapping of its own: nothing
 * named, so nothing can be left behind in /dev/shm. */
struct shm_ctl {
    struct pb_dispenser disp;       /* lock-free: works across processes */
    _Alignas(64) _Atomic int go;    /* 0 until the parent starts the clock */
    struct shm_slot slot[];         /* one per worker */
};

/* The start line is a flag and a futex rather than a barrier: the parent
 * learns that workers are ready through their pipes (which also tell it when
 * one dies), so it never waits on anything a dead worker could hold up. */
static void futex_wait(_Atomic int *addr, int val)
{
    syscall(SYS_futex, (int *)addr, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic int *addr)
{
    syscall(SYS_futex, (int *)addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

struct shm_job {
    const struct pb_kernel *k;
    const struct pb_workload *w;
    const struct pb_plan *plan;
    unsigned char *out;
    struct shm_ctl *ctl;
};

/* A forked child does not inherit the page-table entries of a MAP_SHARED
 * mapping (fork skips copying them: they can be faulted in again), so without
 * this every child took a minor fault per page of the output inside the timed
 * region, thousands per run on blur.  The child maps the whole output (any
 * worker may get any chunk) before it says READY, so the cost lands in
 * startup_s.  MADV_POPULATE_WRITE (Linux 5.14) fills the guest's page tables
 * in one call without changing a byte; then a read of every page from user
 * space, because under a hypervisor that shadows guest page tables (this
 * project's VMs) the first user access to each page of a new address space
 * still traps to the host, a cost the guest sees as neither a fault nor system
 * time: measured here, a child's first write pass over 36 MB of populated
 * output took 56-79 ms and the next 1.3-1.8 ms, and after this read the first
 * pass took 1.3-2.1 ms.  Reads, not writes: the parent's poison (measure.c,
 * before the fork) must stay for the kernel's check to catch an untouched task,
 * and n children writing the same bytes would race. */
static void shm_prefault(unsigned char *out, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    (void)madvise(out, bytes, MADV_POPULATE_WRITE);   /* best effort: the reads fault too */
#endif
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        page = 4096;
    const volatile unsigned char *v = out;
    unsigned char sink = 0;
    for (size_t off = 0; off < bytes; off += (size_t)page)
        sink ^= v[off];
    (void)sink;
}

static int shm_child(void *arg, unsigned worker, int cmd_fd, int res_fd)
{
    const struct shm_job *job = arg;
    const struct pb_workload *w = job->w;
    struct shm_ctl *ctl = job->ctl;
    struct pb_worker_stat ws;
    shm_prefault(job->out, w->ntasks * w->out_size);
    if (pb_child_start(job->plan->placement, worker, res_fd, true, &ws) != 0)
        return 1;
    while (atomic_load_explicit(&ctl->go, memory_order_acquire) == 0)
        futex_wait(&ctl->go, 0);

    struct pb_range r;
    size_t cursor = 0;
    while (pb_dispense(&ctl->disp, worker, &cursor, &r))
        pb_child_run_range(job->k, w, r, worker, job->out + r.begin * w->out_size, &ws);
    pb_worker_mark_end(&ws);
    ctl->slot[worker].ws = ws;
    atomic_thread_fence(memory_order_release);
    struct pb_msg m = {.type = PB_MSG_DONE, .worker = worker};
    if (pb_io_write_all(res_fd, &m, sizeof m) != 0)
        return 1;
    /* Leave only when the parent closes the command pipe (pb_super_reap, after
     * the clock stopped): a worker that exits as soon as it is done tears its
     * address space down while the others still run, and here that slowed
     * them: 2 workers on blur took 28.8 ms ±6.4% against threads' 28.3 ±0.9%,
     * and with the exits after the clock 28.6 ±1.0% against 28.6 ±4.6%. */
    unsigned char b;
    while (read(cmd_fd, &b, 1) < 0 && errno == EINTR)
        ;
    return 0;
}

/* Wait for one message of `type` from every worker; `seen` tracks who sent it. */
static int shm_gather(struct pb_super *sv, enum pb_msg_type type, bool *seen)
{
    unsigned n = sv->nslots;
    memset(seen, 0, n * sizeof *seen);
    for (unsigned got = 0; got < n; got++) {
        unsigned i;
        struct pb_msg m;
        if (pb_super_wait(sv, &i) != 0 || pb_super_recv(sv, i, &m) != 0)
            return -1;
        if (m.type != type || m.bytes != 0 || seen[i])
            return pb_super_fail(sv, "worker %u sent an unexpected message (type %u)", i,
                                 (unsigned)m.type);
        seen[i] = true;
        sv->child[i].busy = false;
        sv->child[i].finished = type == PB_MSG_DONE;
    }
    return 0;
}

static int shm_execute(const struct pb_kernel *k, const struct pb_workload *w,
                       const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                       size_t errlen)
{
    unsigned n = plan->workers;
    /* Before the fork: see memplace.c for why not in the children. */
    if (pb_mem_place_shares("shm", plan, w, out, err, errlen) != 0)
        return -1;
    size_t ctl_bytes = sizeof(struct shm_ctl) + n * sizeof(struct shm_slot);
    struct shm_ctl *ctl = mmap(NULL, ctl_bytes, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ctl == MAP_FAILED) {
        char eb[128];
        snprintf(err, errlen, "shm: mmap of %zu bytes for the control block: %s", ctl_bytes,
                 pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    pb_dispenser_init(&ctl->disp, w->ntasks, plan);
    atomic_init(&ctl->go, 0);
    struct shm_job job = {.k = k, .w = w, .plan = plan, .out = out, .ctl = ctl};
    struct pb_super sv;
    bool *seen = calloc(n, sizeof *seen);
    if (!seen) {
        snprintf(err, errlen, "shm: out of memory for %u workers", n);
        munmap(ctl, ctl_bytes);
        return -1;
    }
    if (pb_super_init(&sv, "shm", n, plan->timeout_s, err, errlen) != 0) {
        free(seen);
        munmap(ctl, ctl_bytes);
        return -1;
    }
    int rc = -1;
    double t_start = pb_now();
    for (unsigned i = 0; i < n; i++)
        if (pb_super_fork(&sv, i, i, true, shm_child, &job) != 0)
            goto out;
    if (shm_gather(&sv, PB_MSG_READY, seen) != 0)
        goto out;
    double t0 = pb_now();
    s->startup_s = t0 - t_start;   /* fork, binding and each child's pre-fault */
    for (unsigned i = 0; i < n; i++)
        sv.child[i].busy = true;
    atomic_store_explicit(&ctl->go, 1, memory_order_release);
    futex_wake_all(&ctl->go);
    if (shm_gather(&sv, PB_MSG_DONE, seen) != 0)
        goto out;
    s->wall_s = pb_now() - t0;
    atomic_thread_fence(memory_order_acquire);

    size_t tasks = 0;
    for (unsigned i = 0; i < n; i++) {
        if (pb_super_reap(&sv, i) != 0)
            goto out;
        struct pb_worker_stat ws = ctl->slot[i].ws;
        if (!pb_worker_stat_sane(&ws, w->ntasks)) {
            pb_super_fail(&sv, "worker %u left nonsense statistics (%zu tasks, %zu chunks)", i,
                          ws.tasks, ws.chunks);
            goto out;
        }
        s->workers[i] = ws;
        tasks += ws.tasks;
    }
    if (tasks != w->ntasks) {
        pb_super_fail(&sv, "the workers ran %zu tasks of %zu", tasks, w->ntasks);
        goto out;
    }
    s->cpu_s = sv.cpu_s;
    pb_mem_note_shares(plan, w, out, s);
    rc = 0;
out:
    pb_super_free(&sv);
    free(seen);
    munmap(ctl, ctl_bytes);
    return rc;
}

const struct pb_mode pb_mode_shm = {
    .name = "shm",
    .worker = PB_WORKER_PROCESS,
    .shared_counter = true,
    .output = PB_OUTPUT_IN_PLACE,
    .runtime = PB_RUNTIME_C,
    .style = {"#2ca02c", 13, 1},
    .summary = "forked processes take chunks from a process-shared atomic counter; outputs "
               "written in place in MAP_SHARED memory",
    .execute = shm_execute,
};
