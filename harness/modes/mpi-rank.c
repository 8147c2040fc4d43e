/* parbench-mpi-rank: one rank of an mpi-mode session, started by mpirun on
 * behalf of the harness (mpi.c; the protocol is in mpi-wire.h).  One RUN under
 * each schedule is in mpi-rank-run.c.
 *
 *   parbench-mpi-rank --kernel NAME --size SIZE [--param NAME=VALUE]...
 *                     --connect ADDR:PORT[,ADDR:PORT...]
 *                     [--cpusets "LIST;LIST;..."] [--fault KIND:RANK:TASK]
 *   with the session's token in the environment, PB_MPI_TOKEN=HEX (mpirun -x
 *   forwards it: a command line is readable by every user, an environment not)
 *
 * Every rank prepares the same workload from the kernel's parameters, calls
 * the harness back, says where it runs and whether it could prepare, and then
 * waits for commands in a blocking read on that connection (no CPU while idle:
 * a blocking MPI call would spin).  For each RUN all ranks pass a barrier and
 * rank 0 times the run from there until every output is in its buffer, then
 * sends the time, every rank's statistics and the output to the harness.
 *
 *   static   each rank runs its pb_dispense() block (or round-robin chunks);
 *            the outputs are gathered with MPI_Gatherv, straight into place
 *            for blocks, into a staging buffer unpacked by rank 0 for chunks.
 *   dynamic, guided
 *            rank 0 owns the dispenser and hands out chunks over point-to-
 *            point messages while computing chunks of its own: between two
 *            of its tasks it polls (MPI_Testsome) for finished chunks, whose
 *            outputs arrive straight into place, and answers each with the
 *            next chunk.  So a worker may wait up to one of rank 0's tasks
 *            for an answer; under dynamic a worker holds up to three chunks
 *            while plenty of work is left, which hides that wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "kernel.h"
#include "mode.h"
#include "mpi-rank.h"
#include "mpi-wire.h"
#include "pb.h"
#include "schedule.h"
#include "supervise.h"

/* Open MPI keeps (and never frees) what MPI_Init and MPI_Finalize allocate, much
 * of it from components it has unloaded by exit, so no suppression can name
 * them.  Under LeakSanitizer those two calls run with leak checking off, and
 * what Open MPI's progress thread (a libevent loop, which we never use)
 * allocates is suppressed: Open MPI's leaks are not reported, ours all are. */
#if defined(__SANITIZE_ADDRESS__)
#define PB_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB_HAVE_LSAN 1
#endif
#endif
#ifdef PB_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#define LSAN_OFF() __lsan_disable()
#define LSAN_ON() __lsan_enable()
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libevent_core\n";
}
/* The suppression needs whole stacks: Open MPI is built without frame pointers. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0:print_suppressions=0";
}
#else
#define LSAN_OFF() ((void)0)
#define LSAN_ON() ((void)0)
#endif

#define PROG "parbench-mpi-rank"
#define CONNECT_WAIT_MS 3000     /* per address a rank tries */

void pb_rank_die(const struct rank *R, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* mpirun passes this on to the harness, which quotes lines starting with PROG. */
    fprintf(stderr, PROG ": rank %d on %s: %s\n", R->rank, R->host, text);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1);
}

/* Bind to the cpuset the harness planned for this rank: entry `rank` of a
 * ';'-separated list of OS-index lists ("0-1;2;3"). */
static int bind_self(const struct rank *R, char *err, size_t errlen)
{
    const char *p = R->cpusets;
    for (int i = 0; i < R->rank && p; i++) {
        p = strchr(p, ';');
        if (p)
            p++;
    }
    if (!p || !*p || *p == ';') {
        snprintf(err, errlen, "--cpusets names no cpuset for rank %d", R->rank);
        return -1;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    while (*p && *p != ';') {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (end == p || lo < 0 || lo >= CPU_SETSIZE)
            goto bad;
        if (*end == '-') {
            p = end + 1;
            hi = strtol(p, &end, 10);
            if (end == p || hi < lo || hi >= CPU_SETSIZE)
                goto bad;
        }
        for (long c = lo; c <= hi; c++)
            CPU_SET((int)c, &set);
        p = *end == ',' ? end + 1 : end;
    }
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        snprintf(err, errlen, "sched_setaffinity for rank %d: %s", R->rank, strerror(errno));
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "--cpusets: bad cpu list for rank %d", R->rank);
    return -1;
}

/* Parse the command line and prepare the workload.  Returns 0, or -1 with `err`. */
static int setup(struct rank *R, int argc, char **argv, char *err, size_t errlen)
{
    const char *kernel = NULL, *size = NULL, *fault = NULL;
    const char *params[PB_PARAMS_MAX * 2];
    size_t nparams = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            snprintf(err, errlen, "option %s needs a value", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--kernel") == 0)
            kernel = v;
        else if (strcmp(a, "--size") == 0)
            size = v;
        else if (strcmp(a, "--connect") == 0)
            R->connect = v;
        else if (strcmp(a, "--cpusets") == 0)
            R->cpusets = v;
        else if (strcmp(a, "--fault") == 0)
            fault = v;
        else if (strcmp(a, "--param") == 0 && nparams < sizeof params / sizeof params[0])
            params[nparams++] = v;
        else {
            snprintf(err, errlen, "unknown option '%s'", a);
            return -1;
        }
    }
    R->token = getenv(PB_MPI_TOKEN_ENV);
    if (!kernel || !size || !R->connect || !R->token || strlen(R->token) != PB_MPI_TOKEN_LEN) {
        snprintf(err, errlen, "needs --kernel, --size, --connect and %s in the environment (it is "
                 "started by parbench run -m mpi)", PB_MPI_TOKEN_ENV);
        return -1;
    }
    if (fault && pb_fault_parse(fault, &R->fault) != 0) {
        snprintf(err, errlen, "--fault '%s': expected KIND:RANK:TASK", fault);
        return -1;
    }
    if (R->cpusets && bind_self(R, err, errlen) != 0)
        return -1;
    R->k = pb_kernel_find(kernel);
    enum pb_size sz;
    if (!R->k) {
        snprintf(err, errlen, "unknown kernel '%s'", kernel);
        return -1;
    }
    if (pb_size_parse(size, &sz) != 0) {
        snprintf(err, errlen, "unknown size '%s'", size);
        return -1;
    }
    if (pb_params_init(&R->params, R->k, sz, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < nparams; i++) {
        char name[64];
        const char *eq = strchr(params[i], '=');
        if (!eq || (size_t)(eq - params[i]) >= sizeof name) {
            snprintf(err, errlen, "--param '%s': expected NAME=VALUE", params[i]);
            return -1;
        }
        snprintf(name, sizeof name, "%.*s", (int)(eq - params[i]), params[i]);
        if (pb_params_set(&R->params, R->k, name, eq + 1, err, errlen) != 0)
            return -1;
    }
    if (R->k->prepare(&R->w, &R->params, err, errlen) != 0)
        return -1;
    R->prepared = true;
    if (R->w.ntasks > INT_MAX || R->w.out_size > INT_MAX) {
        snprintf(err, errlen, "%zu tasks of %zu bytes are beyond MPI's int counts", R->w.ntasks,
                 R->w.out_size);
        return -1;
    }
    return 0;
}

/* Call the harness at the first address that answers. */
static int call_harness(struct rank *R, char *err, size_t errlen)
{
    char list[4096];
    snprintf(list, sizeof list, "%s", R->connect);
    char *save = NULL, last[256] = "no address";
    for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(item, ':');
        if (!colon)
            continue;
        *colon = '\0';
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
        if (getaddrinfo(item, colon + 1, &hints, &ai) != 0)
            continue;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int e = 0;
        if (fd < 0) {
            e = errno;
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            e = errno;
        } else {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            socklen_t len = sizeof e;
            if (poll(&p, 1, CONNECT_WAIT_MS) != 1)
                e = ETIMEDOUT;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
                e = errno;
        }
        freeaddrinfo(ai);
        if (e == 0) {
            int one = 1;
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            R->sock = fd;
            return 0;
        }
        snprintf(last, sizeof last, "%s:%s: %s", item, colon + 1, strerror(e));
        if (fd >= 0)
            close(fd);
    }
    snprintf(err, errlen, "cannot reach the harness (%s)", last);
    return -1;
}
int main(int argc, char **argv)
{
    /* Die with mpirun or orted: a rank must never outlive its job. */
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    LSAN_OFF();
    MPI_Init(&argc, &argv);
    LSAN_ON();
    struct rank R = {.sock = -1, .tt = MPI_BYTE};
    MPI_Comm_rank(MPI_COMM_WORLD, &R.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &R.size);
    gethostname(R.host, sizeof R.host - 1);

    char err[PB_MPI_ERR_MAX] = "";
    if (setup(&R, argc, argv, err, sizeof err) != 0 && err[0] == '\0')
        snprintf(err, sizeof err, "setup failed");
    if (err[0] == '\0' && R.w.out_size > 0) {
        MPI_Type_contiguous((int)R.w.out_size, MPI_BYTE, &R.tt);
        MPI_Type_commit(&R.tt);
    }
    size_t bytes = R.w.ntasks * R.w.out_size;
    if (err[0] == '\0' && R.rank == 0 && !(R.out = malloc(bytes ? bytes : 1)))
        snprintf(err, sizeof err, "out of memory for %zu bytes of output", bytes);

    /* Every rank calls the harness and says who it is and whether it is ready;
     * one that could not prepare says why, and the harness ends the session. */
    char cerr[256];
    if (!R.connect || !R.token || call_harness(&R, cerr, sizeof cerr) != 0)
        pb_rank_die(&R, "%s", R.connect && R.token ? cerr : err);
    struct pb_mpi_hello h = {.magic = PB_MPI_MAGIC, .rank = (uint32_t)R.rank,
                             .nranks = (uint32_t)R.size, .pid = (int32_t)getpid(),
                             .errlen = (uint32_t)strlen(err), .ntasks = R.w.ntasks,
                             .out_size = R.w.out_size};
    memcpy(h.token, R.token, PB_MPI_TOKEN_LEN);
    memcpy(h.host, R.host, sizeof h.host);
    if (pb_io_write_all(R.sock, &h, sizeof h) != 0 || pb_io_write_all(R.sock, err, h.errlen) != 0)
        pb_rank_die(&R, "sending the greeting to the harness: %s", strerror(errno));

    for (;;) {
        struct pb_mpi_cmd c;
        /* The harness gone (end of file) reads as QUIT; every rank sees it. */
        if (pb_io_read_all(R.sock, &c, sizeof c) != 1 || c.type != PB_MPI_RUN)
            break;
        if (err[0] != '\0')
            pb_rank_die(&R, "asked to run after it could not prepare: %s", err);
        pb_rank_run_once(&R, &c);
    }
    close(R.sock);
    if (R.prepared && R.k->release)
        R.k->release(&R.w);
    free(R.out);
    for (int i = 0; i < DEPTH; i++)
        free(R.buf[i]);
    if (R.tt != MPI_BYTE)
        MPI_Type_free(&R.tt);
    LSAN_OFF();
    MPI_Finalize();
    LSAN_ON();
    return err[0] != '\0';
}
