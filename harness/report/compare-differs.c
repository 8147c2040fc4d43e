/* The "what differs" table of a comparison.  Fields added to the system block
 * after schema 2 first shipped (cpu, clocks, openmp, mpi, run_id) are read
 * straight from the parsed JSON, type-checked here, as report-machine.c does:
 * a file from an older parbench lacks them and shows "not recorded". */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "compare-differs.h"
#include "pb.h"

#define DASH "\xe2\x80\x93"
#define NOT_RECORDED "not recorded"

static const char *const aspect_names[PB_CMP_NASPECTS] = {
    "machine", "build", "revision", "parameters", "method", "conditions"};

const char *pb_cmp_aspect_name(enum pb_cmp_aspect a)
{
    return a < PB_CMP_NASPECTS ? aspect_names[a] : "?";
}

int pb_cmp_varies_parse(const char *list, unsigned *mask, char *err, size_t errlen)
{
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        size_t a = 0;
        while (a < PB_CMP_NASPECTS &&
               (strlen(aspect_names[a]) != n || strncmp(aspect_names[a], p, n) != 0))
            a++;
        if (a == PB_CMP_NASPECTS) {
            snprintf(err, errlen,
                     "compare: --varies: '%.*s' is not one of machine, build, revision, "
                     "parameters, method, conditions",
                     (int)(n < 60 ? n : 60), p);
            return -1;
        }
        *mask |= 1u << a;
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

void pb_cmp_aspects_text(unsigned mask, char *buf, size_t len)
{
    size_t total = 0, k = 0, used = 0;
    for (unsigned a = 0; a < PB_CMP_NASPECTS; a++)
        total += (mask >> a) & 1u;
    buf[0] = '\0';
    for (unsigned a = 0; a < PB_CMP_NASPECTS; a++) {
        if (!((mask >> a) & 1u))
            continue;
        const char *sep = k == 0 ? "" : k + 1 == total ? " and " : ", ";
        int w = snprintf(buf + used, used < len ? len - used : 0, "%s%s", sep, aspect_names[a]);
        used += w > 0 ? (size_t)w : 0;
        k++;
    }
}

/* ---- reading a value ----------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *k)
{
    return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(get(o, k));
    return s ? s : "";
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : NAN;
}

static const cJSON *sys_json(const struct pb_cmp_input *in)
{
    return get(in->rf.root, "system");
}

/* Append to a value being built, never past its end. */
__attribute__((format(printf, 2, 3))) static void cat(char *buf, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= PB_CMP_VALUE_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, PB_CMP_VALUE_MAX - used, fmt, ap);
    va_end(ap);
}

/* A number as "%.0f", "?" when unknown (inside a value that has others). */
static const char *int_or_q(double v, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "?");
    return buf;
}

/* "1.5", "" when NAN. */
static void num_text(char *buf, double v, const char *fmt)
{
    if (isfinite(v))
        snprintf(buf, PB_CMP_VALUE_MAX, fmt, v);
}

/* Fields with one value per input, read by `fill` into shown and key (key
 * defaults to shown: only conditions compare a coarser key than they show). */
enum field_id {
    F_HOST, F_CPU_MODEL, F_CPU_ID, F_ISA, F_CORES, F_PACKAGES, F_MEMORY, F_OS, F_KERNEL,
    F_HYPERVISOR, F_GOVERNOR, F_BOOST, F_SMT, F_CLOCKS,
    F_COMPILER, F_BUILD_TYPE, F_CFLAGS, F_OPENMP, F_MPI,
    F_VERSION, F_GIT,
    F_SIZES,
    F_PRECISION, F_REPS, F_WARMUP, F_TIME_CAP, F_ORDER, F_SCALING, F_PLACEMENT,
    F_LOAD, F_BUSY, F_QUOTA, F_PF_WARNINGS,
    F_COUNT
};

static const struct {
    enum pb_cmp_aspect aspect;
    const char *name;
} fields[F_COUNT] = {
    [F_HOST] = {PB_CMP_MACHINE, "host"},
    [F_CPU_MODEL] = {PB_CMP_MACHINE, "CPU model"},
    [F_CPU_ID] = {PB_CMP_MACHINE, "CPU family/model/stepping, microcode"},
    [F_ISA] = {PB_CMP_MACHINE, "ISA extensions"},
    [F_CORES] = {PB_CMP_MACHINE, "cores / PUs"},
    [F_PACKAGES] = {PB_CMP_MACHINE, "packages / NUMA nodes"},
    [F_MEMORY] = {PB_CMP_MACHINE, "memory"},
    [F_OS] = {PB_CMP_MACHINE, "OS"},
    [F_KERNEL] = {PB_CMP_MACHINE, "kernel"},
    [F_HYPERVISOR] = {PB_CMP_MACHINE, "hypervisor"},
    [F_GOVERNOR] = {PB_CMP_MACHINE, "frequency governor"},
    [F_BOOST] = {PB_CMP_MACHINE, "turbo/boost"},
    [F_SMT] = {PB_CMP_MACHINE, "SMT active"},
    [F_CLOCKS] = {PB_CMP_MACHINE, "base / max clock"},
    [F_COMPILER] = {PB_CMP_BUILD, "compiler"},
    [F_BUILD_TYPE] = {PB_CMP_BUILD, "build type"},
    [F_CFLAGS] = {PB_CMP_BUILD, "compiler flags"},
    [F_OPENMP] = {PB_CMP_BUILD, "OpenMP runtime"},
    [F_MPI] = {PB_CMP_BUILD, "MPI library"},
    [F_VERSION] = {PB_CMP_REVISION, "parbench version"},
    [F_GIT] = {PB_CMP_REVISION, "git revision"},
    [F_SIZES] = {PB_CMP_PARAMETERS, "size presets"},
    [F_PRECISION] = {PB_CMP_METHOD, "precision target"},
    [F_REPS] = {PB_CMP_METHOD, "repetitions"},
    [F_WARMUP] = {PB_CMP_METHOD, "warm-up runs"},
    [F_TIME_CAP] = {PB_CMP_METHOD, "time cap per configuration"},
    [F_ORDER] = {PB_CMP_METHOD, "run order"},
    [F_SCALING] = {PB_CMP_METHOD, "scaling"},
    [F_PLACEMENT] = {PB_CMP_METHOD, "placement (bind/policy)"},
    [F_LOAD] = {PB_CMP_CONDITIONS, "load average (1 min)"},
    [F_BUSY] = {PB_CMP_CONDITIONS, "CPUs busy before the run"},
    [F_QUOTA] = {PB_CMP_CONDITIONS, "CPU quota"},
    [F_PF_WARNINGS] = {PB_CMP_CONDITIONS, "pre-flight warnings"},
};

/* Distinct values of a record string over every record, "a, b" in first-seen order. */
static void distinct(const struct pb_rfile *rf, char *out, const char *(*pick)(const struct pb_rf_record *,
                                                                             char *, size_t))
{
    char seen[PB_CMP_VALUE_MAX] = "";
    for (size_t i = 0; i < rf->nrec; i++) {
        char v[128];
        const char *s = pick(&rf->rec[i], v, sizeof v);
        if (!s[0])
            continue;
        /* Whole-item match in the list built so far. */
        bool found = false;
        for (const char *p = seen; *p && !found;) {
            size_t n = strcspn(p, "\x1f");
            found = n == strlen(s) && strncmp(p, s, n) == 0;
            p += n + (p[n] != '\0');
        }
        if (found)
            continue;
        cat(seen, "%s%s", seen[0] ? "\x1f" : "", s);
        cat(out, "%s%s", out[0] ? ", " : "", s);
    }
}

static const char *pick_size(const struct pb_rf_record *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", r->kernel, r->size[0] ? " " : "", r->size);
    return r->size[0] ? buf : "";
}

static const char *pick_placement(const struct pb_rf_record *r, char *buf, size_t len)
{
    if (!r->bind[0] && !r->policy[0])
        return "";
    snprintf(buf, len, "%s/%s", r->bind[0] ? r->bind : DASH, r->policy[0] ? r->policy : DASH);
    return buf;
}

/* A pre-flight warning with its numbers taken out ("load average # over the
 * last minute: ..."), so two runs' warnings of one kind compare equal. */
static void warning_kind(const char *w, char *out)
{
    size_t used = strlen(out);
    bool in_num = false;
    for (; *w && *w != ':' && used + 2 < PB_CMP_VALUE_MAX; w++) {
        /* The kind is in the words before the colon; the rest explains it. */
        bool digit = (*w >= '0' && *w <= '9') || (in_num && *w == '.');
        if (digit && !in_num)
            out[used++] = '#';
        else if (!digit)
            out[used++] = *w;
        in_num = digit;
    }
    out[used] = '\0';
}

static void fill(enum field_id id, const struct pb_cmp_input *in, char *shown, char *key)
{
    const struct pb_rf_system *y = &in->rf.sys;
    const struct pb_rf_method *m = &in->rf.method;
    const struct pb_rf_preflight *pf = &in->rf.preflight;
    const cJSON *sj = sys_json(in), *cpu = get(sj, "cpu");
    char a[32], b[32];
    switch (id) {
    case F_HOST: cat(shown, "%s", y->host); break;
    case F_CPU_MODEL: cat(shown, "%s", y->cpu_model); break;
    case F_CPU_ID: {
        if (!cJSON_IsObject(cpu))
            break;
        const char *vendor = jstr(cpu, "vendor");
        double fam = jnum(cpu, "family"), mod = jnum(cpu, "model"), step = jnum(cpu, "stepping");
        if (vendor[0])
            cat(shown, "%s", vendor);
        if (isfinite(fam))
            cat(shown, "%sfamily %.0f", shown[0] ? ", " : "", fam);
        if (isfinite(mod))
            cat(shown, "%smodel %.0f", shown[0] ? ", " : "", mod);
        if (isfinite(step))
            cat(shown, "%sstepping %.0f", shown[0] ? ", " : "", step);
        if (jstr(cpu, "microcode")[0])
            cat(shown, "%smicrocode %s", shown[0] ? ", " : "", jstr(cpu, "microcode"));
        break;
    }
    case F_ISA: {
        const cJSON *isa = get(cpu, "isa"), *e;
        if (!cJSON_IsArray(isa))
            break;
        cJSON_ArrayForEach(e, isa) {
            if (cJSON_IsString(e))
                cat(shown, "%s%s", shown[0] ? " " : "", e->valuestring);
        }
        if (!shown[0])
            cat(shown, "none");
        break;
    }
    case F_CORES: cat(shown, "%.0f / %.0f", y->cores, y->pus); break;
    case F_PACKAGES:
        if (isfinite(y->packages) || isfinite(y->numa_nodes))
            cat(shown, "%s / %s", int_or_q(y->packages, a, sizeof a),
                int_or_q(y->numa_nodes, b, sizeof b));
        break;
    case F_MEMORY:
        /* Compared in whole GiB: the kernel's reserve moves the last 100 MB between boots. */
        num_text(shown, y->memory_bytes / (1024.0 * 1024 * 1024), "%.1f GiB");
        num_text(key, round(y->memory_bytes / (1024.0 * 1024 * 1024)), "%.0f GiB");
        return;
    case F_OS: cat(shown, "%s", y->os); break;
    case F_KERNEL: cat(shown, "%s", y->kernel); break;
    case F_HYPERVISOR:
        if (pf->present)
            cat(shown, "%s", pf->hypervisor[0] ? pf->hypervisor : "none");
        break;
    case F_GOVERNOR:
        if (pf->present)
            cat(shown, "%s", pf->governor[0] ? pf->governor : "none (no cpufreq)");
        break;
    case F_BOOST:
        if (pf->present)
            cat(shown, "%s", pf->boost == 1 ? "on" : pf->boost == 0 ? "off" : "unknown");
        break;
    case F_SMT:
        if (pf->present)
            cat(shown, "%s", pf->smt == 1 ? "yes" : pf->smt == 0 ? "no" : "unknown");
        break;
    case F_CLOCKS: {
        const cJSON *c = get(sj, "clocks");
        double base = jnum(c, "base_mhz"), max = jnum(c, "max_mhz");
        if (isfinite(base) || isfinite(max))
            cat(shown, "%s / %s MHz", int_or_q(base, a, sizeof a), int_or_q(max, b, sizeof b));
        break;
    }
    case F_COMPILER: cat(shown, "%s", y->compiler); break;
    case F_BUILD_TYPE: cat(shown, "%s", y->build_type); break;
    case F_CFLAGS: cat(shown, "%s", y->cflags); break;
    case F_OPENMP: {
        const cJSON *o = get(sj, "openmp");
        if (cJSON_IsNull(o))
            cat(shown, "not built");
        else if (cJSON_IsObject(o))
            cat(shown, "%s%s%s", jstr(o, "runtime")[0] ? jstr(o, "runtime") : "unknown",
                jstr(o, "runtime_version")[0] ? " " : "", jstr(o, "runtime_version"));
        break;
    }
    case F_MPI: {
        const cJSON *o = get(sj, "mpi");
        if (cJSON_IsNull(o))
            cat(shown, "not built");
        else if (cJSON_IsObject(o))
            cat(shown, "%s", jstr(o, "library")[0] ? jstr(o, "library") : "unknown");
        break;
    }
    case F_VERSION: cat(shown, "%s", y->parbench_version); break;
    case F_GIT: cat(shown, "%s", y->git_revision); break;
    case F_SIZES: distinct(&in->rf, shown, pick_size); break;
    case F_PRECISION: num_text(shown, m->precision_pct, "%g%% of the median"); break;
    case F_REPS:
        if (isfinite(m->fixed_reps))
            cat(shown, "fixed %.0f", m->fixed_reps);
        else if (isfinite(m->min_reps) || isfinite(m->max_reps))
            cat(shown, "%s to %s", int_or_q(m->min_reps, a, sizeof a),
                int_or_q(m->max_reps, b, sizeof b));
        break;
    case F_WARMUP: num_text(shown, m->warmup, "%.0f"); break;
    case F_TIME_CAP: num_text(shown, m->time_cap_s, "%g s"); break;
    case F_ORDER: cat(shown, "%s", m->order); break;
    case F_SCALING: cat(shown, "%s", m->scaling); break;
    case F_PLACEMENT: distinct(&in->rf, shown, pick_placement); break;
    case F_LOAD:
        if (pf->present && isfinite(pf->loadavg[0])) {
            /* Compared as the pre-flight judges it: at 1 or more, other work competes. */
            cat(shown, "%.2f", pf->loadavg[0]);
            cat(key, "%s", pf->loadavg[0] >= 1 ? "loaded" : "quiet");
            return;
        }
        break;
    case F_BUSY: if (pf->present) num_text(shown, pf->busy_cpus, "%.0f"); break;
    case F_QUOTA:
        /* A quota of every PU or more limits nothing: the same as none. */
        if (!pf->present)
            break;
        if (isfinite(pf->cpu_quota) && pf->cpu_quota < y->pus) {
            num_text(shown, pf->cpu_quota, "%.3g CPUs");
        } else {
            isfinite(pf->cpu_quota) ? num_text(shown, pf->cpu_quota, "%.3g CPUs (all)")
                                    : cat(shown, "none");
            cat(key, "none");
            return;
        }
        break;
    case F_PF_WARNINGS: {
        if (!pf->present)
            break;
        const cJSON *e;
        size_t n = 0;
        cJSON_ArrayForEach(e, pf->warnings) {
            if (cJSON_IsString(e)) {
                cat(key, "%s", n ? "; " : "");
                warning_kind(e->valuestring, key);
                n++;
            }
        }
        /* Shown with their kinds: two runs with 3 warnings each may have different ones. */
        cat(shown, "%zu%s%s", n, n ? ": " : "", key);
        if (!n)
            cat(key, "none");
        return;
    }
    case F_COUNT: break;
    }
    snprintf(key, PB_CMP_VALUE_MAX, "%s", shown);
}

/* ---- the table ------------------------------------------------------------------ */

static struct pb_cmp_field *add_field(struct pb_cmp_differs *d, enum pb_cmp_aspect a, const char *name)
{
    struct pb_cmp_field *f = realloc(d->f, (d->nf + 1) * sizeof *f);
    if (!f)
        return NULL;
    d->f = f;
    f = &d->f[d->nf];
    memset(f, 0, sizeof *f);
    f->aspect = a;
    snprintf(f->name, sizeof f->name, "%s", name);
    f->shown = calloc(d->ninputs, PB_CMP_VALUE_MAX);
    f->key = calloc(d->ninputs, PB_CMP_VALUE_MAX);
    if (!f->shown || !f->key) {
        free(f->shown);
        free(f->key);
        return NULL;
    }
    d->nf++;
    return f;
}

/* Whether the inputs' keys differ; drops the field when none recorded it. */
static void settle(struct pb_cmp_differs *d)
{
    struct pb_cmp_field *f = &d->f[d->nf - 1];
    size_t recorded = 0;
    for (size_t i = 0; i < d->ninputs; i++) {
        recorded += f->key[i * PB_CMP_VALUE_MAX] != '\0';
        f->differs |= strcmp(f->key + i * PB_CMP_VALUE_MAX, f->key) != 0;
    }
    if (!recorded) {
        free(f->shown);
        free(f->key);
        d->nf--;
        return;
    }
    for (size_t i = 0; i < d->ninputs; i++)
        if (!f->shown[i * PB_CMP_VALUE_MAX])
            snprintf(f->shown + i * PB_CMP_VALUE_MAX, PB_CMP_VALUE_MAX, "%s", NOT_RECORDED);
    if (f->differs)
        d->mask |= 1u << f->aspect;
}

/* One field per kernel: the parameters it ran with in each input. */
static int kernel_params(struct pb_cmp_differs *d, const struct pb_cmp_input *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < in[i].ss.n; k++) {
            const char *kernel = in[i].ss.s[k].kernel;
            char name[64];
            snprintf(name, sizeof name, "%.50s parameters", kernel);
            bool done = false;
            for (size_t f = 0; f < d->nf && !done; f++)
                done = d->f[f].aspect == PB_CMP_PARAMETERS && strcmp(d->f[f].name, name) == 0;
            if (done)
                continue;
            struct pb_cmp_field *f = add_field(d, PB_CMP_PARAMETERS, name);
            if (!f)
                return -1;
            for (size_t j = 0; j < n; j++) {
                char *v = f->shown + j * PB_CMP_VALUE_MAX;
                for (size_t s = 0; s < in[j].ss.n; s++)
                    if (strcmp(in[j].ss.s[s].kernel, kernel) == 0)
                        cat(v, "%s%s", v[0] ? "; " : "", in[j].ss.s[s].params_text);
                if (!v[0])
                    cat(v, "not run");
                snprintf(f->key + j * PB_CMP_VALUE_MAX, PB_CMP_VALUE_MAX, "%s", v);
            }
            settle(d);
        }
    return 0;
}

int pb_cmp_differs_build(const struct pb_cmp_input *in, size_t n, struct pb_cmp_differs *out)
{
    memset(out, 0, sizeof *out);
    out->ninputs = n;
    for (int id = 0; id < F_COUNT; id++) {
        if (id == F_SIZES && kernel_params(out, in, n) != 0)
            return -1;
        struct pb_cmp_field *f = add_field(out, fields[id].aspect, fields[id].name);
        if (!f)
            return -1;
        for (size_t i = 0; i < n; i++)
            fill((enum field_id)id, &in[i], f->shown + i * PB_CMP_VALUE_MAX,
                 f->key + i * PB_CMP_VALUE_MAX);
        settle(out);
    }
    return 0;
}

void pb_cmp_differs_free(struct pb_cmp_differs *d)
{
    for (size_t i = 0; i < d->nf; i++) {
        free(d->f[i].shown);
        free(d->f[i].key);
    }
    free(d->f);
    memset(d, 0, sizeof *d);
}

const char *pb_cmp_value(const struct pb_cmp_differs *d, size_t f, size_t i)
{
    return d->f[f].shown + i * PB_CMP_VALUE_MAX;
}
