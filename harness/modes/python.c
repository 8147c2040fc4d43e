/* The Python modes' one implementation: a session is one long-lived
 * interpreter running python/parbench/driver.py, started by open() (or, for a
 * configuration after a failure, by the next run), in a process group of its
 * own so that it and every worker it forks can be killed at once.
 *
 * Two memfds travel to it as inherited descriptors 3 and 4: the output array
 * (parbench poisons it before each run, the driver's workers write it in place
 * or the driver copies pickled outputs into it, and parbench copies it into
 * the run's output after the run, outside the timed region) and a control
 * array of one 256-byte slot per worker (driver.py's SLOT: pid, chunk held,
 * busy time, tasks, chunks, CPUs), which names the busy workers when a run
 * times out.  A third memfd takes the interpreter's stderr, read only to say
 * why an interpreter failed.  Commands and answers are JSON lines (cJSON).
 * The memfds only grow: a worker kept from an earlier run holds a mapping of
 * the size it was forked with.
 *
 * About 700 lines on purpose: the session (start, commands, answers, the
 * "can" question of the runs_kernel hook), the memfds and the fault reporting
 * share one state and one protocol with driver.py, and split across files they
 * would need a header of internals as long as the split saved.  (The --python
 * variants, which need none of it, are py_variants.c.) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fault.h"
#include "mode-python.h"
#include "pb.h"
#include "placement.h"
#include "supervise.h"

#include "fsutil.h"
#include "pythondir.h"

/* Whether the build's own (baseline) code has fused multiply-add instructions. */
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
#define PB_PY_C_FMA 1
#else
#define PB_PY_C_FMA 0
#endif

#define SLOT_BYTES 256
#define LINE_MAX_BYTES (64 * 1024)
#define HELLO_TIMEOUT_S 30.0   /* an interpreter that cannot say hello in this long is broken */
#define QUIT_WAIT_S 2.0

const struct pb_mode_option pb_py_options[] = {
    {"interpreter", "the Python interpreter to run (default: python3 on PATH)"},
};
const size_t pb_py_noptions = sizeof pb_py_options / sizeof pb_py_options[0];

/* The directory of python/parbench/: the installed one, relative to the directory
 * parbench is in (<bindir>/../share/parbench/python); for a parbench still in its
 * build directory, the source tree's.  Found once; "" when neither has the driver. */
static const char *python_dir(void)
{
    static char dir[PATH_MAX + 64];
    static bool looked;
    if (looked)
        return dir;
    looked = true;
    char exe[PATH_MAX], cand[PATH_MAX + 64], probe[PATH_MAX + 96];
    pb_exe_dir(exe, sizeof exe);
    char *a = exe[0] ? realpath(exe, NULL) : NULL, *b = realpath(PB_BUILD_BINDIR, NULL);
    bool in_build = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    for (int i = 0; i < 2 && exe[0]; i++) {
        if (i == 0)
            snprintf(cand, sizeof cand, "%s/%s", exe, PB_PYTHON_FROM_BINDIR);
        else if (in_build)
            snprintf(cand, sizeof cand, "%s", PB_SOURCE_PYTHON);
        else
            break;
        snprintf(probe, sizeof probe, "%s/parbench/driver.py", cand);
        if (access(probe, R_OK) == 0) {
            char *real = realpath(cand, NULL);
            snprintf(dir, sizeof dir, "%s", real ? real : cand);
            free(real);
            break;
        }
    }
    return dir;
}

struct py_session {
    char mode[32], model[16];
    char interp[PATH_MAX];
    pid_t pid;                  /* the driver, > 0 while it runs; also its process group */
    int to_fd, from_fd;         /* its stdin (we write), its stdout (we read) */
    int out_fd, ctl_fd, err_fd; /* the memfds */
    size_t out_cap, ctl_cap;    /* their sizes */
    char line[LINE_MAX_BYTES];  /* the answer being read */
    size_t have;
    /* From the hello. */
    char version[32], impl[32], executable[PATH_MAX], numpy[32];
    bool free_threaded, gil;
    double interp_start_s;
};

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Kill the driver's whole process group and reap the driver.  Its workers are
 * reparented and reaped by init; they die with the group. */
static void py_kill(struct py_session *ps, int *status)
{
    if (ps->pid > 0) {
        kill(-ps->pid, SIGKILL);
        kill(ps->pid, SIGKILL);
        int st = 0;
        while (waitpid(ps->pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (status)
            *status = st;
        ps->pid = 0;
    }
    close_fd(&ps->to_fd);
    close_fd(&ps->from_fd);
    ps->have = 0;
}

/* The last line the interpreter wrote on stderr, for a failure message. */
static void stderr_tail(const struct py_session *ps, char *buf, size_t len)
{
    buf[0] = '\0';
    struct stat st;
    if (ps->err_fd < 0 || fstat(ps->err_fd, &st) != 0 || st.st_size <= 0)
        return;
    char tail[512];
    size_t n = st.st_size < (off_t)sizeof tail - 1 ? (size_t)st.st_size : sizeof tail - 1;
    ssize_t r = pread(ps->err_fd, tail, n, st.st_size - (off_t)n);
    if (r <= 0)
        return;
    tail[r] = '\0';
    while (r > 0 && (tail[r - 1] == '\n' || tail[r - 1] == ' '))
        tail[--r] = '\0';
    char *last = strrchr(tail, '\n');
    snprintf(buf, len, ": %s", last ? last + 1 : tail);
}

static void describe(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(buf, len, "ended with wait status 0x%x", (unsigned)status);
}

/* Read one answer line before `deadline` (pb_now() seconds; <= 0: none).
 * Returns 1 with the line in ps->line, 0 at end of file, -2 on timeout, -1 on error,
 * -3 when `stoppable` and the harness got SIGINT/SIGTERM.  The hello and the
 * answers outside a run are read to the end: a signal then is for the sweep to
 * act on, not a broken interpreter. */
static int read_line(struct py_session *ps, double deadline, bool stoppable)
{
    for (;;) {
        char *nl = memchr(ps->line, '\n', ps->have);
        if (nl) {
            *nl = '\0';
            return 1;
        }
        if (ps->have == sizeof ps->line - 1)
            return -1;
        if (stoppable && pb_stop_signal)
            return -3;
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - pb_now();
            if (left <= 0)
                return -2;
            ms = left > 1e6 ? 1000000000 : (int)(left * 1e3) + 1;
        }
        struct pollfd p = {.fd = ps->from_fd, .events = POLLIN};
        int r = poll(&p, 1, ms);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r <= 0)
            continue;
        ssize_t n = read(ps->from_fd, ps->line + ps->have, sizeof ps->line - 1 - ps->have);
        if (n == 0)
            return 0;
        if (n < 0 && errno != EINTR && errno != EAGAIN)
            return -1;
        if (n > 0)
            ps->have += (size_t)n;
    }
}

/* Drop the line just read from the buffer. */
static void consume_line(struct py_session *ps)
{
    size_t used = strlen(ps->line) + 1;
    memmove(ps->line, ps->line + used, ps->have - used);
    ps->have -= used;
}

static int memfd(const char *name, int *fd, char *err, size_t errlen, const char *mode)
{
    *fd = memfd_create(name, MFD_CLOEXEC);
    if (*fd < 0) {
        char eb[128];
        snprintf(err, errlen, "%s: memfd_create: %s", mode, pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    return 0;
}

/* In the child: the driver's descriptors in place, then exec. */
static void child_exec(const struct py_session *ps, int in_r, int out_w, pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(126);
    setpgid(0, 0);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGPIPE, &dfl, NULL);
    /* Above every target first, so no dup2 overwrites a source. */
    int src[5] = {in_r, out_w, ps->err_fd, ps->out_fd, ps->ctl_fd}, hi[5];
    for (int i = 0; i < 5; i++)
        if ((hi[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 10)) < 0)
            _exit(127);
    for (int i = 0; i < 5; i++)
        if (dup2(hi[i], i) < 0)   /* 0 stdin, 1 stdout, 2 stderr, 3 output, 4 control */
            _exit(127);
    setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
    char driver[PATH_MAX + 96];
    snprintf(driver, sizeof driver, "%s/parbench/driver.py", python_dir());
    char *argv[] = {(char *)ps->interp, driver, "3", "4", NULL};
    execvp(ps->interp, argv);
    char eb[128];
    dprintf(2, "\ncannot run '%s': %s\n", ps->interp, pb_strerror(errno, eb, sizeof eb));
    _exit(127);
}

static const char *json_str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Start the driver and read its hello.  Returns 0, or -1 with err. */
static int py_start(struct py_session *ps, char *err, size_t errlen)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    char eb[128];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "%s: pipe: %s", ps->mode, pb_strerror(errno, eb, sizeof eb));
        close_fd(&in[0]);
        close_fd(&in[1]);
        return -1;
    }
    if (ftruncate(ps->err_fd, 0) != 0) {
        /* only the failure message would miss the stale text */
    }
    double t0 = pb_now();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "%s: fork: %s", ps->mode, pb_strerror(errno, eb, sizeof eb));
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        return -1;
    }
    if (pid == 0)
        child_exec(ps, in[0], out[1], parent);
    setpgid(pid, pid);   /* also here, so the group exists before the child gets to it */
    close(in[0]);
    close(out[1]);
    ps->pid = pid;
    ps->to_fd = in[1];
    ps->from_fd = out[0];
    fcntl(ps->from_fd, F_SETFL, O_NONBLOCK);
    int r = read_line(ps, pb_now() + HELLO_TIMEOUT_S, false);
    cJSON *h = r == 1 ? cJSON_Parse(ps->line) : NULL;
    if (!h || !cJSON_GetObjectItemCaseSensitive(h, "hello")) {
        cJSON_Delete(h);
        int st = 0;
        char tail[600], how[128] = "did not start";
        if (r == -2)
            snprintf(how, sizeof how, "said nothing in %.0f s", HELLO_TIMEOUT_S);
        py_kill(ps, &st);
        if (r == 0)
            describe(st, how, sizeof how);
        stderr_tail(ps, tail, sizeof tail);
        snprintf(err, errlen, "%s: the Python interpreter '%s' %s%s", ps->mode, ps->interp, how,
                 tail);
        return -1;
    }
    consume_line(ps);
    ps->interp_start_s = pb_now() - t0;
    snprintf(ps->version, sizeof ps->version, "%s", json_str(h, "version"));
    snprintf(ps->impl, sizeof ps->impl, "%s", json_str(h, "implementation"));
    snprintf(ps->executable, sizeof ps->executable, "%s", json_str(h, "executable"));
    snprintf(ps->numpy, sizeof ps->numpy, "%s", json_str(h, "numpy"));
    ps->free_threaded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "free_threaded"));
    ps->gil = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "gil"));
    cJSON_Delete(h);
    return 0;
}

int pb_py_open(const char *mode, const char *model, const struct pb_mode_args *args,
               void **state, char *err, size_t errlen)
{
    struct py_session *ps = calloc(1, sizeof *ps);
    if (!ps) {
        snprintf(err, errlen, "%s: out of memory", mode);
        return -1;
    }
    *ps = (struct py_session){.to_fd = -1, .from_fd = -1, .out_fd = -1, .ctl_fd = -1,
                              .err_fd = -1};
    snprintf(ps->mode, sizeof ps->mode, "%s", mode);
    snprintf(ps->model, sizeof ps->model, "%s", model);
    const char *interp = args && args->value[0] && *args->value[0] ? args->value[0] : "python3";
    if (snprintf(ps->interp, sizeof ps->interp, "%s", interp) >= (int)sizeof ps->interp) {
        snprintf(err, errlen, "%s: interpreter path too long", mode);
        free(ps);
        return -1;
    }
    if (!python_dir()[0]) {
        char exe[PATH_MAX];
        pb_exe_dir(exe, sizeof exe);
        snprintf(err, errlen, "%s: the Python driver is not in %.2000s/%s/parbench/ (where "
                 "cmake --install puts it)", mode, exe, PB_PYTHON_FROM_BINDIR);
        free(ps);
        return -1;
    }
    if (memfd("parbench-py-out", &ps->out_fd, err, errlen, mode) != 0 ||
        memfd("parbench-py-ctl", &ps->ctl_fd, err, errlen, mode) != 0 ||
        memfd("parbench-py-stderr", &ps->err_fd, err, errlen, mode) != 0 ||
        py_start(ps, err, errlen) != 0) {
        pb_py_close(ps);
        return -1;
    }
    *state = ps;
    return 0;
}

void pb_py_close(void *state)
{
    struct py_session *ps = state;
    if (!ps)
        return;
    if (ps->pid > 0) {
        /* Ask first, so the driver shuts its pools down; then make sure. */
        static const char quit[] = "{\"cmd\": \"quit\"}\n";
        (void)!write(ps->to_fd, quit, sizeof quit - 1);
        close_fd(&ps->to_fd);
        double end = pb_now() + QUIT_WAIT_S;
        for (;;) {
            pid_t r = waitpid(ps->pid, NULL, WNOHANG);
            if (r == ps->pid || (r < 0 && errno != EINTR)) {
                /* Gone; its group may still hold a worker that outlived it. */
                kill(-ps->pid, SIGKILL);
                ps->pid = 0;
                break;
            }
            if (pb_now() >= end)
                break;   /* py_kill below */
            nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
        }
    }
    py_kill(ps, NULL);
    close_fd(&ps->out_fd);
    close_fd(&ps->ctl_fd);
    close_fd(&ps->err_fd);
    free(ps);
}

void pb_py_facts(void *state, const struct pb_plan *plan, struct pb_facts *out)
{
    (void)plan;
    const struct py_session *ps = state;
    if (!ps)
        return;
    pb_facts_add(out, "python", "%s", ps->executable);
    pb_facts_add(out, "python_version", "%s %s", ps->impl, ps->version);
    pb_facts_add(out, "python_free_threaded", "%s", ps->free_threaded ? "yes" : "no");
    pb_facts_add(out, "python_gil", "%s", ps->gil ? "enabled" : "disabled");
    pb_facts_add(out, "python_model", "%s", ps->model);
    pb_facts_add(out, "numpy", "%s", *ps->numpy ? ps->numpy : "absent");
    pb_facts_add(out, "interpreter_start_s", "%.4f", ps->interp_start_s);
}

struct pb_held pb_py_held(void *state)
{
    const struct py_session *ps = state;
    if (!ps)
        return (struct pb_held){0, 0};
    int fds = (ps->to_fd >= 0) + (ps->from_fd >= 0) + (ps->out_fd >= 0) + (ps->ctl_fd >= 0) +
              (ps->err_fd >= 0);
    return (struct pb_held){fds, ps->pid > 0};
}

static int grow(int fd, size_t *cap, size_t want)
{
    if (want <= *cap)
        return 0;
    if (ftruncate(fd, (off_t)want) != 0)
        return -1;
    *cap = want;
    return 0;
}

/* The kernel's parameters as text, name -> value. */
static cJSON *params_json(const struct pb_kernel *k, const struct pb_params *p)
{
    cJSON *params = cJSON_CreateObject();
    for (size_t i = 0; p && i < k->nparams; i++)
        cJSON_AddStringToObject(params, k->params[i].name, p->text[i]);
    return params;
}

/* The availability hook of every Python mode (mode.h runs_kernel): a kernel needs
 * its module under python/parbench/kernels/; with a session, the driver answers
 * whether that module runs here at these parameters (blur: NumPy, no files). */
bool pb_py_runs_kernel(const struct pb_kernel *k, const struct pb_params *p, void *state,
                       char *why, size_t whylen)
{
    struct py_session *ps = state;
    char module[PATH_MAX + 160];
    why[0] = '\0';
    snprintf(module, sizeof module, "%s/parbench/kernels/%s.py", python_dir(), k->name);
    if (access(module, R_OK) != 0) {
        snprintf(why, whylen, "%s has no Python version (no %s)", k->name, module);
        return false;
    }
    if (!ps || ps->pid <= 0)
        return true;
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "cmd", "can");
    cJSON_AddStringToObject(c, "kernel", k->name);
    cJSON_AddItemToObject(c, "params", params_json(k, p));
    char *text = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    if (!text)
        return true;   /* the run then says what is wrong */
    size_t len = strlen(text);
    text[len] = '\n';
    int w = pb_io_write_all(ps->to_fd, text, len + 1);
    free(text);
    if (w != 0 || read_line(ps, pb_now() + HELLO_TIMEOUT_S, false) != 1)
        return true;   /* a driver that cannot answer fails the run, naming the cause */
    cJSON *a = cJSON_Parse(ps->line);
    consume_line(ps);
    bool ok = !a || !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(a, "ok"));
    if (!ok)
        snprintf(why, whylen, "%s", json_str(a, "why"));
    cJSON_Delete(a);
    return ok;
}

/* The run's command line: the model, the kernel and its parameters as text,
 * the plan, and the fault when one strikes this run. */
static char *command(const struct py_session *ps, const struct pb_kernel *k,
                     const struct pb_workload *w, const struct pb_plan *plan)
{
    static const char *const kinds[] = {[PB_FAULT_CRASH] = "crash", [PB_FAULT_EXIT] = "exit",
                                        [PB_FAULT_HANG] = "hang", [PB_FAULT_RAISE] = "raise"};
    cJSON *c = cJSON_CreateObject(), *cpus = cJSON_CreateArray();
    cJSON_AddStringToObject(c, "cmd", "run");
    cJSON_AddStringToObject(c, "model", ps->model);
    cJSON_AddStringToObject(c, "kernel", k->name);
    cJSON_AddItemToObject(c, "params", params_json(k, plan->params));
    /* What the C kernel's code does that its Python version follows byte for byte:
     * the code path it picked and whether this build's own code fuses multiply-adds
     * (blur's generic path does exactly then; see kernels/blur.py). */
    const char *path = k->code_path && plan->params ? k->code_path(plan->params) : NULL;
    cJSON_AddStringToObject(c, "code_path", path ? path : "");
    cJSON_AddBoolToObject(c, "c_fma", PB_PY_C_FMA);
    cJSON_AddNumberToObject(c, "ntasks", (double)w->ntasks);
    cJSON_AddNumberToObject(c, "out_size", (double)w->out_size);
    cJSON_AddNumberToObject(c, "out_bytes", (double)(w->ntasks * w->out_size));
    cJSON_AddNumberToObject(c, "workers", plan->workers);
    for (unsigned i = 0; i < plan->workers; i++) {
        char set[256] = "";
        if (plan->placement && pb_placement_binds(plan->placement))
            pb_placement_cpuset_text(plan->placement, i, set, sizeof set);
        cJSON_AddItemToArray(cpus, cJSON_CreateString(set));
    }
    cJSON_AddItemToObject(c, "cpusets", cpus);
    cJSON_AddStringToObject(c, "schedule", pb_schedule_name(plan->schedule));
    cJSON_AddNumberToObject(c, "chunk", (double)plan->chunk);
    const struct pb_fault *f = pb_fault_get();
    if (pb_fault_armed(f)) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", kinds[f->kind]);
        cJSON_AddNumberToObject(o, "worker", f->worker);
        cJSON_AddNumberToObject(o, "task", (double)f->task);
        cJSON_AddItemToObject(c, "fault", o);
    } else {
        cJSON_AddNullToObject(c, "fault");
    }
    char *text = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    return text;
}

/* Worker i's slot: pid, claim, busy_s, tasks, chunks, cpu_start, cpu_end, migrated, cpu_s. */
struct py_slot {
    int64_t pid, claim;
    double busy_s;
    int64_t tasks, chunks, cpu_start, cpu_end, migrated;
    double cpu_s;
};

static void slot_read(const unsigned char *ctl, unsigned i, struct py_slot *s)
{
    memcpy(s, ctl + (size_t)i * SLOT_BYTES, sizeof *s);
}

/* "1 (pid N), 3 (pid M)" (without the pids when `pids` is false): the workers
 * holding a chunk, only those in the driver itself when `driver_only`.
 * Returns how many. */
static unsigned busy_names(const unsigned char *ctl, unsigned n, pid_t driver, bool driver_only,
                           bool pids, char *buf, size_t len)
{
    unsigned named = 0;
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; ctl && i < n; i++) {
        struct py_slot s;
        slot_read(ctl, i, &s);
        if (s.claim == 0 || s.pid <= 0 || (driver_only && s.pid != driver))
            continue;
        int r = pids ? snprintf(buf + used, len - used, "%s%u (pid %lld)", named ? ", " : "", i,
                                (long long)s.pid)
                     : snprintf(buf + used, len - used, "%s%u", named ? ", " : "", i);
        if (r > 0 && (size_t)r < len - used)
            used += (size_t)r;
        named++;
    }
    return named;
}

/* Fail a run whose driver is gone or stuck: name who was busy, kill the group. */
static int fail_driver(struct py_session *ps, const unsigned char *ctl, unsigned n, int why,
                       double timeout_s, char *err, size_t errlen)
{
    char names[256];
    pid_t driver = ps->pid;
    if (why == -2) {   /* the deadline */
        unsigned busy = busy_names(ctl, n, driver, false, true, names, sizeof names);
        py_kill(ps, NULL);
        if (busy)
            snprintf(err, errlen, "%s: timed out after %.1f s; worker%s %s still running", ps->mode,
                     timeout_s, busy > 1 ? "s" : "", names);
        else
            snprintf(err, errlen, "%s: timed out after %.1f s", ps->mode, timeout_s);
        return -1;
    }
    if (why == -3) {
        py_kill(ps, NULL);
        snprintf(err, errlen, "%s: interrupted", ps->mode);
        return -1;
    }
    int st = 0;
    unsigned busy = busy_names(ctl, n, driver, true, false, names, sizeof names);
    py_kill(ps, &st);
    char how[128], tail[600];
    describe(st, how, sizeof how);
    stderr_tail(ps, tail, sizeof tail);
    /* Threads share the interpreter: which one took it down cannot be told, so
     * the workers that were inside a chunk are named as suspects. */
    if (busy == 1)
        snprintf(err, errlen, "%s: worker %s (pid %d) %s", ps->mode, names, (int)driver, how);
    else if (busy > 1)
        snprintf(err, errlen, "%s: the interpreter (pid %d) %s while workers %s were running",
                 ps->mode, (int)driver, how, names);
    else
        snprintf(err, errlen, "%s: the interpreter (pid %d) %s%s", ps->mode, (int)driver, how,
                 tail);
    return -1;
}

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The answer to a run: timings into `s`, or the driver's error. */
static int take_answer(struct py_session *ps, const struct pb_workload *w, unsigned n,
                       const unsigned char *ctl, struct pb_sample *s, char *err, size_t errlen)
{
    cJSON *a = cJSON_Parse(ps->line);
    consume_line(ps);
    if (!a) {
        py_kill(ps, NULL);
        snprintf(err, errlen, "%s: the driver answered something that is not JSON", ps->mode);
        return -1;
    }
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "ok"))) {
        snprintf(err, errlen, "%s: %s", ps->mode, json_str(a, "error"));
        cJSON_Delete(a);
        return -1;
    }
    s->wall_s = num(a, "wall_s");
    s->startup_s = num(a, "startup_s");
    s->cpu_s = num(a, "cpu_s");
    cJSON_Delete(a);
    if (!(s->wall_s >= 0 && s->wall_s < 1e9) || !(s->startup_s >= 0 && s->startup_s < 1e9)) {
        snprintf(err, errlen, "%s: the driver reported nonsense timings", ps->mode);
        return -1;
    }
    size_t tasks = 0;
    for (unsigned i = 0; i < n; i++) {
        struct py_slot sl;
        slot_read(ctl, i, &sl);
        struct pb_worker_stat ws = {.busy_s = sl.busy_s, .tasks = (size_t)sl.tasks,
                                    .chunks = (size_t)sl.chunks, .cpu_start = (int)sl.cpu_start,
                                    .cpu_end = (int)sl.cpu_end, .migrated = (int)sl.migrated};
        if (sl.tasks < 0 || sl.chunks < 0 || !pb_worker_stat_sane(&ws, w->ntasks)) {
            snprintf(err, errlen, "%s: worker %u left nonsense statistics", ps->mode, i);
            return -1;
        }
        s->workers[i] = ws;
        tasks += ws.tasks;
    }
    if (tasks != w->ntasks) {
        snprintf(err, errlen, "%s: the workers ran %zu tasks of %zu", ps->mode, tasks, w->ntasks);
        return -1;
    }
    return 0;
}

int pb_py_execute(const char *mode, const char *model, const struct pb_kernel *k,
                  const struct pb_workload *w, const struct pb_plan *plan, void *out,
                  struct pb_sample *s, char *err, size_t errlen)
{
    (void)mode;
    (void)model;
    struct py_session *ps = plan->state;
    char eb[128];
    pb_fault_get();
    pb_fault_next_run();
    if (ps->pid <= 0 && py_start(ps, err, errlen) != 0)   /* after a failed configuration */
        return -1;
    unsigned n = plan->workers;
    size_t out_bytes = w->ntasks * w->out_size, ctl_bytes = (size_t)n * SLOT_BYTES;
    if (grow(ps->out_fd, &ps->out_cap, out_bytes) != 0 ||
        grow(ps->ctl_fd, &ps->ctl_cap, ctl_bytes) != 0) {
        snprintf(err, errlen, "%s: sizing the shared arrays: %s", ps->mode,
                 pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    unsigned char *o = out_bytes ? mmap(NULL, out_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                                        ps->out_fd, 0) : NULL;
    unsigned char *ctl = mmap(NULL, ctl_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, ps->ctl_fd, 0);
    if (o == MAP_FAILED || ctl == MAP_FAILED) {
        snprintf(err, errlen, "%s: mapping the shared arrays: %s", ps->mode,
                 pb_strerror(errno, eb, sizeof eb));
        if (o && o != MAP_FAILED)
            munmap(o, out_bytes);
        if (ctl != MAP_FAILED)
            munmap(ctl, ctl_bytes);
        return -1;
    }
    /* Poisoned, so a task the driver skipped cannot pass for an earlier run's output. */
    if (o)
        memset(o, 0xa5, out_bytes);
    memset(ctl, 0, ctl_bytes);
    int rc = -1;
    char *cmd = command(ps, k, w, plan);
    size_t len = cmd ? strlen(cmd) : 0;
    if (!cmd) {
        snprintf(err, errlen, "%s: out of memory for the command", ps->mode);
        goto out;
    }
    cmd[len] = '\n';   /* cJSON's terminator becomes the line's end */
    if (pb_io_write_all(ps->to_fd, cmd, len + 1) != 0) {
        rc = fail_driver(ps, ctl, n, 0, plan->timeout_s, err, errlen);
        goto out;
    }
    double deadline = plan->timeout_s > 0 ? pb_now() + plan->timeout_s : 0;
    int r = read_line(ps, deadline, true);
    if (r != 1) {
        rc = fail_driver(ps, ctl, n, r, plan->timeout_s, err, errlen);
        goto out;
    }
    rc = take_answer(ps, w, n, ctl, s, err, errlen);
    if (rc == 0 && o)
        memcpy(out, o, out_bytes);
out:
    free(cmd);
    if (o)
        munmap(o, out_bytes);
    munmap(ctl, ctl_bytes);
    return rc;
}
