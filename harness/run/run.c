/* Planning and preparing one `parbench run`: placement plans, kernel
 * parameters (with --set and weak scaling), prepared inputs, configurations. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "pb.h"
#include "run.h"

/* The position of `m` in the selected modes, or -1. */
static int mode_index(const struct pb_run *r, const struct pb_mode *m)
{
    for (size_t i = 0; i < r->o.nmodes; i++)
        if (r->o.modes[i] == m)
            return (int)i;
    return -1;
}

/* `--set MODE.OPTION=VALUE` into the selected mode's arguments.  A mode that is not
 * selected is an error rather than a setting silently unused.  `value` points into
 * the command line, which outlives the run. */
static int set_mode_option(struct pb_run *r, const struct pb_mode *m, const char *set,
                           const char *option, const char *value, char *err, size_t errlen)
{
    int mi = mode_index(r, m);
    if (mi < 0) {
        snprintf(err, errlen, "--set '%s': mode %s is not selected (add it to -m)", set, m->name);
        return -1;
    }
    int oi = pb_mode_option_index(m, option);
    if (oi < 0 || oi >= PB_MODE_OPTIONS_MAX) {
        char names[256] = "";
        size_t used = 0;
        for (size_t j = 0; j < m->noptions && used < sizeof names; j++) {
            int w = snprintf(names + used, sizeof names - used, "%s%s.%s", j ? ", " : "",
                             m->name, m->options[j].name);
            used += w > 0 ? (size_t)w : 0;
        }
        snprintf(err, errlen, "--set '%s': mode %s has no option '%s' (%s%s)", set, m->name,
                 option, m->noptions ? "its options: " : "it has none", names);
        return -1;
    }
    r->mode_args[mi].value[oi] = value;
    return 0;
}

/* Every --set: UNIT.NAME=VALUE names a kernel's parameter (applied to the
 * selected kernels' parameters) or a mode's option; a name that is both a
 * kernel and a mode means the kernel. */
static int apply_sets(struct pb_run *r, char *err, size_t errlen)
{
    const struct pb_run_opts *o = &r->o;
    for (size_t i = 0; i < o->nsets; i++) {
        const char *set = o->sets[i];
        char buf[512];
        if (snprintf(buf, sizeof buf, "%s", set) >= (int)sizeof buf) {
            snprintf(err, errlen, "--set: value too long");
            return -1;
        }
        char *eq = strchr(buf, '=');
        char *dot = strchr(buf, '.');
        if (!eq || !dot || dot > eq) {
            snprintf(err, errlen, "--set '%s': expected KERNEL.PARAM=VALUE or MODE.OPTION=VALUE",
                     set);
            return -1;
        }
        *eq = *dot = '\0';
        const char *name = dot + 1, *value = set + (eq + 1 - buf);
        const struct pb_kernel *k = pb_kernel_find(buf);
        if (!k) {
            const struct pb_mode *m = pb_mode_find(buf);
            if (!m) {
                snprintf(err, errlen, "--set '%s': unknown kernel or mode '%.64s' (see 'parbench "
                         "list')", set, buf);
                return -1;
            }
            if (set_mode_option(r, m, set, name, value, err, errlen) != 0)
                return -1;
            continue;
        }
        if (pb_param_index(k, name) < 0) {
            snprintf(err, errlen, "--set '%s': kernel %s has no parameter '%s'", set, k->name,
                     name);
            return -1;
        }
        for (size_t j = 0; j < r->nbases; j++)
            if (r->bases[j].k == k &&
                pb_params_set(&r->bases[j].params, k, name, value, err, errlen) != 0)
                return -1;
    }
    return 0;
}

/* Open every selected mode with its options, then hand each configuration its
 * mode's state.  A refusal is a usage error: the options name something missing. */
static int open_modes(struct pb_run *r, char *err, size_t errlen)
{
    for (size_t m = 0; m < r->o.nmodes; m++) {
        const struct pb_mode *mode = r->o.modes[m];
        r->mode_state[m] = NULL;
        for (size_t oi = 0; oi < PB_MODE_OPTIONS_MAX; oi++)   /* (python) a variant's presets */
            if (!r->mode_args[m].value[oi])
                r->mode_args[m].value[oi] = mode->preset.value[oi];
        if (mode->open && mode->open(&r->mode_args[m], &r->mode_state[m], err, errlen) != 0)
            return -1;
        r->mode_open[m] = true;
    }
    for (size_t i = 0; i < r->ncfg; i++)
        r->cfg[i].c.plan.state = r->mode_state[mode_index(r, r->cfg[i].c.mode)];
    return 0;
}

/* (python) Leave out the configurations whose mode cannot run their kernel
 * (struct pb_mode.runs_kernel), saying why once per mode and kernel; the others
 * still run.  Returns 0, or -1 with `err` when nothing is left to run. */
static int drop_unsupported(struct pb_run *r, char *err, size_t errlen)
{
    size_t kept = 0;
    char why[PB_ERRLEN] = "";
    for (size_t i = 0; i < r->ncfg; i++) {
        struct pb_run_config *c = &r->cfg[i];
        const struct pb_mode *m = c->c.mode;
        bool said = false;
        for (size_t j = 0; j < i && !said; j++)
            said = r->cfg[j].c.mode == m && r->cfg[j].c.kernel == c->c.kernel;
        if (m->runs_kernel && !m->runs_kernel(c->c.kernel, c->c.params, c->c.plan.state, why,
                                              sizeof why)) {
            if (!said)
                pb_warn("%s cannot run %s, left out: %s", m->name, c->c.kernel->name, why);
            pb_outcome_free(&c->o);
            continue;
        }
        if (kept != i)
            r->cfg[kept] = *c;
        kept++;
    }
    r->ncfg = kept;
    if (kept == 0) {
        snprintf(err, errlen, "nothing to run: %s", why);
        return -1;
    }
    return 0;
}

void pb_run_close_modes(struct pb_run *r)
{
    for (size_t m = 0; m < r->o.nmodes; m++) {
        if (!r->mode_open[m])
            continue;
        r->mode_open[m] = false;
        if (r->o.modes[m]->close)
            r->o.modes[m]->close(r->mode_state[m]);
        r->mode_state[m] = NULL;
    }
}

void pb_run_free(struct pb_run *r)
{
    pb_run_close_modes(r);
    for (size_t i = 0; i < r->ncfg; i++)
        pb_outcome_free(&r->cfg[i].o);
    free(r->cfg);
    for (size_t i = 0; i < r->nprep; i++) {
        pb_output_free(r->prep[i].out, r->prep[i].out_bytes);
        if (r->prep[i].w.state && r->prep[i].k->release)
            r->prep[i].k->release(&r->prep[i].w);
    }
    free(r->prep);
    for (size_t i = 0; i < r->nplans; i++)
        pb_placement_free(r->plans[i].pl);
    pb_sweep_free(&r->sweep);
    if (r->res_open)
        pb_results_close(&r->res);
    pb_topo_free(r->topo);
}

/* The placement plan for `workers`, made once. */
static struct pb_placement *plan_for(struct pb_run *r, unsigned workers, const char *kinds,
                                     char *err, size_t errlen)
{
    for (size_t i = 0; i < r->nplans; i++)
        if (r->plans[i].workers == workers && r->plans[i].kinds == kinds)
            return r->plans[i].pl;
    struct pb_plan_slot *s = &r->plans[r->nplans];
    struct pb_place_opts o = r->o.place;
    o.kinds = kinds;
    if (pb_placement_make(&s->pl, r->topo, workers, &o, err, errlen) != 0)
        return NULL;
    s->workers = workers;
    s->kinds = kinds;
    r->nplans++;
    return s->pl;
}

/* Weak scaling: multiply the kernel's scale parameter by `factor`.  A
 * scale_param "hi-lo" scales the span: hi' = lo + (hi - lo) * factor. */
static int scale_params(const struct pb_kernel *k, struct pb_params *p, unsigned factor,
                        char *err, size_t errlen)
{
    if (!k->scale_param) {
        snprintf(err, errlen, "--scaling weak: kernel %s names no parameter to scale", k->name);
        return -1;
    }
    char name[64];
    snprintf(name, sizeof name, "%s", k->scale_param);
    char *dash = strchr(name, '-');
    if (dash)
        *dash++ = '\0';
    int i = pb_param_index(k, name), b = dash ? pb_param_index(k, dash) : -1;
    if (i < 0 || (dash && b < 0) || k->params[i].type == PB_PARAM_STRING) {
        snprintf(err, errlen, "kernel %s: scale parameter '%s' is not a numeric parameter",
                 k->name, k->scale_param);
        return -1;
    }
    char text[64];
    if (k->params[i].type == PB_PARAM_U64) {
        uint64_t base = b >= 0 ? p->v[b].u : 0, v = p->v[i].u;
        uint64_t span = v > base ? v - base : 0;
        if (span > (UINT64_MAX - base) / factor) {
            snprintf(err, errlen, "--scaling weak: %s.%s=%s times %u overflows", k->name, name,
                     p->text[i], factor);
            return -1;
        }
        snprintf(text, sizeof text, "%llu", (unsigned long long)(base + span * factor));
    } else {
        double base = b >= 0 ? p->v[b].d : 0;
        snprintf(text, sizeof text, "%.17g", base + (p->v[i].d - base) * factor);
    }
    char why[PB_ERRLEN - 64];   /* room for the prefix below */
    if (pb_params_set(p, k, name, text, why, sizeof why) != 0) {
        snprintf(err, errlen, "--scaling weak at %u workers: %s", factor, why);
        return -1;
    }
    return 0;
}

/* The input of kernel `b` at `scale`, listed once with its parameters (scaled under
 * weak scaling) but not prepared yet: prepare_all does that once the limits allow it.
 * Returns it, or NULL with `err`. */
static struct pb_prepared *input_at(struct pb_run *r, const struct pb_base *b, unsigned scale,
                                    char *err, size_t errlen)
{
    for (size_t i = 0; i < r->nprep; i++)
        if (r->prep[i].k == b->k && r->prep[i].scale == scale)
            return &r->prep[i];
    struct pb_prepared *p = &r->prep[r->nprep];
    *p = (struct pb_prepared){.k = b->k, .params = b->params, .base = &b->params, .scale = scale};
    if (r->o.weak && scale_params(b->k, &p->params, scale, err, errlen) != 0)
        return NULL;
    r->nprep++;
    return p;
}

/* Prepare every listed input and map its output.  Returns 0, or a PB_EXIT_* status
 * with `err`. */
static int prepare_all(struct pb_run *r, char *err, size_t errlen)
{
    for (size_t i = 0; i < r->nprep; i++) {
        struct pb_prepared *p = &r->prep[i];
        if (p->scale > 1)
            pb_info("preparing %s (%s, x%u for weak scaling)", p->k->name,
                    pb_size_name(r->o.size), p->scale);
        else
            pb_info("preparing %s (%s)", p->k->name, pb_size_name(r->o.size));
        if (p->k->prepare(&p->w, &p->params, err, errlen) != 0) {
            p->w = (struct pb_workload){0};
            return PB_EXIT_USAGE;
        }
        if (p->w.out_size != 0 && p->w.ntasks > SIZE_MAX / p->w.out_size) {
            snprintf(err, errlen, "%s: %zu tasks of %zu bytes overflow the output's size",
                     p->k->name, p->w.ntasks, p->w.out_size);
            return PB_EXIT_USAGE;
        }
        p->out_bytes = p->w.ntasks * p->w.out_size;
        int rc = pb_run_check_output(r, p, err, errlen);
        if (rc != 0)
            return rc;
        p->out = pb_output_alloc(p->out_bytes);
        if (!p->out) {
            snprintf(err, errlen, "%s: cannot map %zu bytes for the output", p->k->name,
                     p->out_bytes);
            return PB_EXIT_MISSING;
        }
    }
    return 0;
}

/* Every configuration in the plain order: kernel, mode, workers, schedule;
 * a single-worker mode once per kernel (one worker, no schedule). */
/* Returns 0, PB_EXIT_USAGE for a plan or input the options cannot make, or
 * PB_EXIT_FAIL when memory ran out (not the user's input: exit 1, like I/O). */
static int build_configs(struct pb_run *r, char *err, size_t errlen)
{
    size_t most = 0;
    for (size_t m = 0; m < r->o.nmodes; m++)
        most += r->o.modes[m]->single_worker ? 1 : r->nworkers * r->o.nschedules;
    most *= r->nbases;
    r->cfg = calloc(most ? most : 1, sizeof *r->cfg);
    r->prep = calloc(r->nbases * (r->nworkers + 1), sizeof *r->prep);
    if (!r->cfg || !r->prep) {
        snprintf(err, errlen, "out of memory for %zu configurations", most);
        return PB_EXIT_FAIL;
    }
    size_t cap = r->o.rule.fixed_reps ? r->o.rule.fixed_reps : r->o.rule.max_reps;
    for (size_t i = 0; i < r->nbases; i++)
        for (size_t m = 0; m < r->o.nmodes; m++) {
            const struct pb_mode *mode = r->o.modes[m];
            bool single = mode->single_worker;
            for (size_t wi = 0; wi < (single ? 1 : r->nworkers); wi++)
                for (size_t s = 0; s < (single ? 1 : r->o.nschedules); s++) {
                    unsigned workers = single ? 1 : r->workers[wi];
                    const char *kinds = r->worker_kinds[single ? 0 : wi];
                    struct pb_prepared *p =
                        input_at(r, &r->bases[i], r->o.weak ? workers : 1, err, errlen);
                    struct pb_placement *pl = p ? plan_for(r, workers, kinds, err, errlen) : NULL;
                    if (!pl)
                        return PB_EXIT_USAGE;
                    struct pb_run_config *c = &r->cfg[r->ncfg++];
                    c->p = p;
                    c->c = (struct pb_config){
                        .kernel = p->k, .params = &p->params,
                        .base_params = r->o.weak ? p->base : &p->params,
                        .weak_scaling = r->o.weak, .scale = p->scale, .w = &p->w, .mode = mode,
                        .plan = {.workers = workers,
                                 .schedule = single ? PB_SCHED_STATIC : r->o.schedules[s],
                                 .chunk = r->o.chunk, .timeout_s = r->o.timeout_s,
                                 .placement = pl, .params = &p->params},
                        .place = &r->o.place, .warmup = (unsigned)r->o.warmup,
                        .quota = &r->quota};
                    snprintf(c->label, sizeof c->label, "%s %s workers=%u %s%s%s", p->k->name,
                             mode->name, workers, pb_schedule_name(c->c.plan.schedule),
                             pb_kinds_is_each(r->o.place.kinds) ? " kinds=" : "",
                             pb_kinds_is_each(r->o.place.kinds) ? kinds : "");
                    if (pb_outcome_init(&c->o, workers, cap) != 0) {
                        snprintf(err, errlen, "out of memory for %zu runs", cap);
                        return PB_EXIT_FAIL;
                    }
                }
        }
    return 0;
}

int pb_run_prepare(struct pb_run *r, char *err, size_t errlen)
{
    if (pb_topo_load(&r->topo, NULL, NULL, err, errlen) != 0)
        return PB_EXIT_FAIL;
    const char *wt = r->o.workers_text;
    pb_cpuquota_read(&r->quota);
    /* --kinds each: the ladder once per kind, fastest first (numa helper, issue 16) */
    const char *choice[16];
    size_t nchoice = pb_kinds_expand(r->topo, r->o.place.kinds, choice, 16);
    for (size_t k = 0; k < nchoice; k++) {
        const char *kinds = pb_kinds_is_each(r->o.place.kinds) ? choice[k] : r->o.place.kinds;
        unsigned *ws = r->workers + r->nworkers;
        size_t n = 0, room = MAX_WORKERS - r->nworkers;
        struct pb_place_opts o = r->o.place;
        o.kinds = kinds;
        if (strcmp(wt, "auto") == 0 || strcmp(wt, "all") == 0) {
            n = pb_topo_ladder_for(r->topo, &o, strcmp(wt, "all") == 0, ws, room);
            /* A cgroup quota of 1.5 CPUs makes 2 workers the most worth timing. */
            unsigned cap = pb_cpuquota_ceiling(&r->quota);
            unsigned top = n ? ws[n - 1] : 0;
            if (!r->o.place.oversubscribe && top > cap) {
                n = pb_ladder_cap(ws, n, cap);
                pb_info("-w %s stops at %u worker(s): the cgroup quota and cpuset leave %.3g "
                        "CPU(s) (--oversubscribe goes on to %u)", wt, cap,
                        r->quota.effective_cpus, top);
            }
        } else if (pb_parse_counts("--workers", wt, MAX_WORKERS, ws, room, &n, err, errlen) != 0) {
            return PB_EXIT_USAGE;
        }
        for (size_t i = 0; i < n; i++)
            r->worker_kinds[r->nworkers + i] = kinds;
        r->nworkers += n;
    }
    /* Every placement before any work, so a bad plan never costs a long sweep. */
    for (size_t i = 0; i < r->nworkers; i++)
        if (!plan_for(r, r->workers[i], r->worker_kinds[i], err, errlen))
            return PB_EXIT_USAGE;
    for (size_t i = 0; i < r->o.nkernels; i++, r->nbases++) {
        r->bases[i].k = r->o.kernels[i];
        if (pb_params_init(&r->bases[i].params, r->bases[i].k, r->o.size, err, errlen) != 0)
            return PB_EXIT_USAGE;
    }
    if (apply_sets(r, err, errlen) != 0)
        return PB_EXIT_USAGE;
    int rc = build_configs(r, err, errlen);
    if (rc != 0)
        return rc;
    if (open_modes(r, err, errlen) != 0)
        return PB_EXIT_USAGE;
    if (drop_unsupported(r, err, errlen) != 0)
        return PB_EXIT_MISSING;
    rc = pb_run_check_limits(r, err, errlen);
    return rc != 0 ? rc : prepare_all(r, err, errlen);
}

