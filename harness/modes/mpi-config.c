/* The mpi mode's options (--set mpi.mpirun=PATH, mpi.hosts=FILE, mpi.args="..."),
 * the checks open() makes before any work, and mpirun's argv for a
 * configuration: the kernel and its parameters for the ranks, and parbench's
 * placement as mpirun's mapping and binding. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "mpi-internal.h"
#include "pb.h"
#include "placement.h"

#define MAX_MPI_ARGS 64

const struct pb_mode_option pb_mpi_options[PB_MPI_NOPTIONS] = {
    [PB_MPI_OPT_MPIRUN] = {"mpirun", "Open MPI's mpirun (default: mpirun from PATH)"},
    [PB_MPI_OPT_HOSTS] = {"hosts", "an Open MPI hostfile: run the ranks on those hosts"},
    [PB_MPI_OPT_ARGS] = {"args", "more mpirun arguments, split on spaces"},
};

void pb_strv_addf(struct pb_strv *a, const char *fmt, ...)
{
    if (a->failed)
        return;
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        char **v = realloc(a->v, cap * sizeof *v);
        if (!v) {
            a->failed = true;
            return;
        }
        a->v = v;
        a->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&a->v[a->n], fmt, ap);
    va_end(ap);
    if (r < 0) {
        a->failed = true;
        return;
    }
    a->v[++a->n] = NULL;
}

void pb_strv_free(struct pb_strv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    *a = (struct pb_strv){0};
}

char *pb_strv_join(const struct pb_strv *a)
{
    size_t len = 1;
    for (size_t i = 0; i < a->n; i++)
        len += strlen(a->v[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < a->n; i++) {
        size_t l = strlen(a->v[i]);
        memcpy(p, a->v[i], l);
        p += l;
        *p++ = '\x1f';
    }
    *p = '\0';
    return s;
}

/* Split mpi.args on spaces into `a`.  Returns the number of words, or -1
 * when there are too many. */
static int split_args(const char *text, struct pb_strv *a)
{
    int n = 0;
    for (const char *p = text ? text : ""; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        if (++n > MAX_MPI_ARGS)
            return -1;
        pb_strv_addf(a, "%.*s", (int)(e - p), p);
        p = e;
    }
    return n;
}

/* The rank program: next to this executable, as the build puts it. */
static int rank_program(char *buf, size_t len, char *err, size_t errlen)
{
    char self[PATH_MAX], eb[128];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) {
        snprintf(err, errlen, "mpi: readlink /proc/self/exe: %s", pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    if (snprintf(buf, len, "%s/%s", self, PB_MPI_RANK_PROGRAM) >= (int)len) {
        snprintf(err, errlen, "mpi: path of %s too long", PB_MPI_RANK_PROGRAM);
        return -1;
    }
    if (access(buf, X_OK) != 0) {
        snprintf(err, errlen, "mpi: rank program %s: %s (build the %s target)", buf,
                 pb_strerror(errno, eb, sizeof eb), PB_MPI_RANK_PROGRAM);
        return -1;
    }
    return 0;
}

/* A hostfile: readable, and every non-comment line "HOST [key=value ...]". */
static int check_hostfile(const char *path, char *err, size_t errlen)
{
    char eb[128];
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "mpi.hosts %s: cannot read: %s", path,
                 pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    char line[1024];
    unsigned lineno = 0, hosts = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL;
        for (char *tok = strtok_r(line, " \t\r\n", &save), *first = tok; tok;
             tok = strtok_r(NULL, " \t\r\n", &save)) {
            if (tok == first) {
                hosts++;
            } else if (!strchr(tok, '=') || tok[0] == '=') {
                snprintf(err, errlen, "mpi.hosts %s:%u: '%s' is not KEY=VALUE (e.g. slots=4)",
                         path, lineno, tok);
                rc = -1;
                break;
            }
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "mpi.hosts %s: cannot read: %s", path,
                 pb_strerror(errno, eb, sizeof eb));
        rc = -1;
    }
    fclose(f);
    if (rc == 0 && hosts == 0) {
        snprintf(err, errlen, "mpi.hosts %s: names no hosts", path);
        rc = -1;
    }
    return rc;
}

int pb_mpi_conf_open(struct pb_mpi_conf *c, const struct pb_mode_args *args, char *err,
                     size_t errlen)
{
    *c = (struct pb_mpi_conf){0};
    const char *mpirun = args ? args->value[PB_MPI_OPT_MPIRUN] : NULL;
    const char *hosts = args ? args->value[PB_MPI_OPT_HOSTS] : NULL;
    const char *extra = args ? args->value[PB_MPI_OPT_ARGS] : NULL;
    char eb[128];
    if (pb_proc_find(mpirun ? mpirun : "mpirun", c->mpirun, sizeof c->mpirun) != 0) {
        if (mpirun)
            snprintf(err, errlen, "mpi.mpirun %s: cannot run it: %s", mpirun,
                     pb_strerror(errno, eb, sizeof eb));
        else
            snprintf(err, errlen, "mpi mode: mpirun is not in PATH (install openmpi-bin or name "
                     "it with --set mpi.mpirun=PATH)");
        return -1;
    }
    if (hosts && check_hostfile(hosts, err, errlen) != 0)
        return -1;
    struct pb_strv a = {0};
    int n = split_args(extra, &a);
    pb_strv_free(&a);
    if (n < 0) {
        snprintf(err, errlen, "mpi.args: more than %d arguments", MAX_MPI_ARGS);
        return -1;
    }
    if (rank_program(c->rank_path, sizeof c->rank_path, err, errlen) != 0)
        return -1;
    c->hosts = hosts ? strdup(hosts) : NULL;
    c->args = extra ? strdup(extra) : NULL;
    if ((hosts && !c->hosts) || (extra && !c->args)) {
        pb_mpi_conf_close(c);
        snprintf(err, errlen, "mpi: out of memory");
        return -1;
    }
    return 0;
}

void pb_mpi_conf_close(struct pb_mpi_conf *c)
{
    free(c->hosts);
    free(c->args);
    c->hosts = c->args = NULL;
}

/* mpirun's placement arguments for the plan into `a`, and the ranks' own
 * binding into `rank_args` (--cpus is applied by each rank itself, in
 * parbench's order); `mapping` gets the mpirun arguments as text. */
static void placement_args(const struct pb_plan *plan, struct pb_strv *a, struct pb_strv *rank_args,
                           char *mapping, size_t len)
{
    const struct pb_placement *pl = plan->placement;
    enum pb_bind b = pl ? pb_placement_bind_kind(pl) : PB_BIND_NONE;
    bool scatter = pl && pb_placement_policy(pl) == PB_POLICY_SCATTER;
    bool over = pb_placement_oversubscribed(pl);
    size_t first = a->n;
    /* mpirun's --map-by knows topology order, not CPU kinds: on a machine with
     * kinds the ranks bind themselves to the plan's cpusets, fastest kind first. */
    if (pl && pb_placement_binds(pl) && (pb_placement_cpus(pl) || pb_placement_by_kind(pl))) {
        pb_strv_addf(a, "--bind-to");
        pb_strv_addf(a, "none");
        if (over)
            pb_strv_addf(a, "--oversubscribe");
        /* Each rank's planned cpuset, ';'-separated: rank r binds to entry r. */
        size_t cap = 64 * (size_t)plan->workers + 1, o = 0;
        char *sets = calloc(1, cap);
        for (unsigned w = 0; sets && w < plan->workers; w++) {
            char one[256];
            pb_placement_cpuset_text(pl, w, one, sizeof one);
            int n = snprintf(sets + o, cap - o, "%s%s", w ? ";" : "", one);
            if (n > 0 && (size_t)n < cap - o)
                o += (size_t)n;
        }
        pb_strv_addf(rank_args, "--cpusets");
        pb_strv_addf(rank_args, "%s", sets ? sets : "");
        if (!sets)
            rank_args->failed = true;
        free(sets);
        if (pb_placement_cpus(pl))
            snprintf(mapping, len, "--bind-to none%s; ranks bind themselves to --cpus %s",
                     over ? " --oversubscribe" : "", pb_placement_cpus(pl));
        else
            snprintf(mapping, len, "--bind-to none%s; ranks bind themselves to the plan's "
                     "cpusets (--kinds %s)", over ? " --oversubscribe" : "",
                     pb_placement_kinds(pl));
        return;
    }
    switch (b) {
    case PB_BIND_NONE:
        /* parbench's "the OS decides" allows any number of workers. */
        pb_strv_addf(a, "--bind-to");
        pb_strv_addf(a, "none");
        pb_strv_addf(a, "--oversubscribe");
        break;
    case PB_BIND_CORE:
    case PB_BIND_PU: {
        bool pu = b == PB_BIND_PU;
        if (pu)
            pb_strv_addf(a, "--use-hwthread-cpus");
        pb_strv_addf(a, "--map-by");
        pb_strv_addf(a, "%s", scatter ? "socket" : pu ? "hwthread" : "core");
        pb_strv_addf(a, "--bind-to");
        pb_strv_addf(a, "%s%s", pu ? "hwthread" : "core", over ? ":overload-allowed" : "");
        if (over)
            pb_strv_addf(a, "--oversubscribe");
        break;
    }
    }
    size_t o = 0;
    mapping[0] = '\0';
    for (size_t i = first; i < a->n && !a->failed; i++) {
        int n = snprintf(mapping + o, len - o, "%s%s", o ? " " : "", a->v[i]);
        if (n > 0 && (size_t)n < len - o)
            o += (size_t)n;
    }
}

void pb_mpi_mapping(const struct pb_plan *plan, char *mapping, size_t len)
{
    struct pb_strv a = {0}, rank_args = {0};
    placement_args(plan, &a, &rank_args, mapping, len);
    pb_strv_free(&a);
    pb_strv_free(&rank_args);
}

/* The fault PARBENCH_FAULT asks for, as the rank program's --fault text. */
static void fault_arg(struct pb_strv *a)
{
    const struct pb_fault *f = pb_fault_get();
    static const char *const kinds[] = {[PB_FAULT_CRASH] = "crash", [PB_FAULT_EXIT] = "exit",
                                        [PB_FAULT_HANG] = "hang", [PB_FAULT_RAISE] = "raise"};
    if (f->kind == PB_FAULT_NONE || !f->any_run)   /* ranks outlive runs: no RUN for them */
        return;
    pb_strv_addf(a, "--fault");
    pb_strv_addf(a, "%s:%u:%zu", kinds[f->kind], f->worker, f->task);
}

int pb_mpi_argv(const struct pb_mpi_conf *c, const struct pb_kernel *k, const struct pb_plan *plan,
                struct pb_strv *a, char *mapping, size_t maplen, char *err, size_t errlen)
{
    struct pb_strv rank_args = {0};
    pb_strv_addf(a, "%s", c->mpirun);
    pb_strv_addf(a, "-np");
    pb_strv_addf(a, "%u", plan->workers);
    if (geteuid() == 0)
        pb_strv_addf(a, "--allow-run-as-root");   /* Open MPI refuses root without it */
    if (c->hosts) {
        pb_strv_addf(a, "--hostfile");
        pb_strv_addf(a, "%s", c->hosts);
    }
    pb_strv_addf(a, "-x");   /* the token, from mpirun's environment to every rank's */
    pb_strv_addf(a, "%s", PB_MPI_TOKEN_ENV);
    placement_args(plan, a, &rank_args, mapping, maplen);
    split_args(c->args, a);   /* counted when the options were checked */
    pb_strv_addf(a, "%s", c->rank_path);
    pb_strv_addf(a, "--kernel");
    pb_strv_addf(a, "%s", k->name);
    pb_strv_addf(a, "--size");
    pb_strv_addf(a, "%s", pb_size_name(plan->params->size));
    for (size_t i = 0; i < k->nparams; i++) {
        pb_strv_addf(a, "--param");
        pb_strv_addf(a, "%s=%s", k->params[i].name, plan->params->text[i]);
    }
    for (size_t i = 0; i < rank_args.n; i++)
        pb_strv_addf(a, "%s", rank_args.v[i]);
    fault_arg(a);
    bool failed = rank_args.failed;
    pb_strv_free(&rank_args);
    if (a->failed || failed) {
        snprintf(err, errlen, "mpi: out of memory building the mpirun command");
        return -1;
    }
    return 0;
}
