/* The gap to ideal, split into named parts (breakdown.h has the model;
 * results/README.md states it with its limits), and its place in every record. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "breakdown.h"
#include "results-csv.h"
#include "schema.h"

static const char *const part_names[PB_BD_NPARTS] = {
    [PB_BD_IMBALANCE] = "imbalance",   [PB_BD_DISPATCH] = "dispatch",
    [PB_BD_DATA] = "data_movement",    [PB_BD_STARTUP] = "startup",
    [PB_BD_FAULTS] = "page_faults",    [PB_BD_CTX] = "ctx_switches",
    [PB_BD_CLOCK] = "clock_droop",     [PB_BD_SLOWDOWN] = "kernel_slowdown",
    [PB_BD_RESIDUAL] = "residual",
};

const char *pb_bd_part_name(enum pb_bd_part part)
{
    return part < PB_BD_NPARTS ? part_names[part] : "?";
}

static bool ok(double v)
{
    return isfinite(v);
}

/* A count beyond the baseline's (never below 0: fewer faults than the
 * baseline saves nothing the model can name). */
static double excess(double here, double base)
{
    if (!ok(here))
        return NAN;
    double d = here - (ok(base) ? base : 0);
    return d > 0 ? d : 0;
}

int pb_breakdown(const struct pb_bd_in *in, struct pb_bd_out *out)
{
    for (int i = 0; i < PB_BD_NPARTS; i++) {
        out->part_s[i] = out->pct[i] = NAN;
        out->known[i] = false;
    }
    out->ideal_s = out->gap_s = out->kernel_bps = NAN;
    out->contention = false;
    if (!ok(in->t1_s) || !ok(in->tp_s) || in->t1_s <= 0 || in->tp_s <= 0 || in->p == 0)
        return -1;
    double p = in->p;
    out->ideal_s = in->t1_s / p;
    out->gap_s = in->tp_s - out->ideal_s;

    double v[PB_BD_NPARTS];
    for (int i = 0; i < PB_BD_NPARTS; i++)
        v[i] = NAN;
    if (ok(in->busy_max_s) && ok(in->busy_mean_s))
        v[PB_BD_IMBALANCE] = in->busy_max_s > in->busy_mean_s ? in->busy_max_s - in->busy_mean_s : 0;
    if (ok(in->chunks) && ok(in->per_chunk_s))
        v[PB_BD_DISPATCH] = in->chunks * in->per_chunk_s / p;
    if (in->bytes_copied == 0)
        v[PB_BD_DATA] = 0;
    else if (ok(in->bytes_copied) && ok(in->pipe_bw) && in->pipe_bw > 0)
        v[PB_BD_DATA] = in->bytes_copied * (ok(in->copy_share) ? in->copy_share : 1) /
                        (in->pipe_bw * p);
    if (ok(in->startup_in_s))
        v[PB_BD_STARTUP] = in->startup_in_s;
    double f = excess(in->faults, in->base_faults);
    if (ok(f) && (f == 0 || ok(in->fault_s)))
        v[PB_BD_FAULTS] = f == 0 ? 0 : f * in->fault_s / p;
    double c = excess(in->invcsw, in->base_invcsw);
    if (ok(c) && (c == 0 || ok(in->csw_s)))
        v[PB_BD_CTX] = c == 0 ? 0 : c * in->csw_s / p;
    if (in->p == 1)
        v[PB_BD_CLOCK] = 0;
    else if (ok(in->clock1_hz) && ok(in->clockp_hz) && in->clockp_hz > 0)
        v[PB_BD_CLOCK] = in->clockp_hz < in->clock1_hz
                             ? out->ideal_s * (in->clock1_hz / in->clockp_hz - 1)
                             : 0;
    /* The workers' own kernel time beyond the ideal share, less what the
     * counted parts charge to that time: busy time is measured, so this names
     * where the rest went (inside the kernel) without guessing why. */
    if (ok(in->busy_mean_s)) {
        double inside = in->busy_mean_s - out->ideal_s;
        for (int i = PB_BD_FAULTS; i <= PB_BD_CLOCK; i++)
            inside -= ok(v[i]) ? v[i] : 0;
        v[PB_BD_SLOWDOWN] = inside > 0 ? inside : 0;
    }

    double sum = 0;
    for (int i = 0; i < PB_BD_RESIDUAL; i++) {
        out->known[i] = ok(v[i]);
        out->part_s[i] = out->known[i] ? v[i] : 0;
        sum += out->part_s[i];
    }
    out->part_s[PB_BD_RESIDUAL] = out->gap_s - sum;
    out->known[PB_BD_RESIDUAL] = true;
    for (int i = 0; i < PB_BD_NPARTS; i++)
        out->pct[i] = out->gap_s > 0 ? 100 * out->part_s[i] / out->gap_s : NAN;

    if (ok(in->kernel_bytes) && in->kernel_bytes > 0)
        out->kernel_bps = in->kernel_bytes / in->tp_s;
    /* Only positive time is time lost to something: name it then. */
    out->contention = out->part_s[PB_BD_SLOWDOWN] + out->part_s[PB_BD_RESIDUAL] > 0 &&
                      ok(out->kernel_bps) && ok(in->mem_bw) &&
                      in->mem_bw > 0 && out->kernel_bps >= PB_BD_CONTENTION_FRACTION * in->mem_bw;
    return 0;
}

/* ---- the records --------------------------------------------------------- */

static bool same(const cJSON *a, const cJSON *b, const char *key)
{
    return strcmp(pb_json_str(a, key), pb_json_str(b, key)) == 0;
}

static bool valid(const cJSON *rec)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(valid))) &&
           pb_json_num(rec, PB_KEY(median_s)) > 0;
}

/* The speedup baseline, as scaling.c picks it: the valid single-worker-mode
 * record of the same runtime and problem, at one worker.  Weak scaling has
 * no T1 / p ideal (the work grew with p), so none there. */
static const cJSON *baseline(const cJSON *records, const cJSON *rec)
{
    if (strcmp(pb_json_str(rec, PB_KEY(scaling)), "weak") == 0)
        return NULL;
    const cJSON *o;
    cJSON_ArrayForEach(o, records)
        if (valid(o) && same(o, rec, PB_KEY(kernel)) && same(o, rec, PB_KEY(params_text)) &&
            same(o, rec, PB_KEY(runtime)) && pb_json_num(o, PB_KEY(workers)) == 1 &&
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, PB_KEY(single_worker))))
            return o;
    return NULL;
}

/* The noop record of rec's mode, schedule, chunk and workers: its per-chunk
 * cost is the mode's dispatch measured, not modelled. */
static const cJSON *noop_of(const cJSON *records, const cJSON *rec)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, records)
        if (valid(o) && strcmp(pb_json_str(o, PB_KEY(kernel)), "noop") == 0 &&
            same(o, rec, PB_KEY(mode)) && same(o, rec, PB_KEY(schedule)) &&
            pb_json_num(o, PB_KEY(workers)) == pb_json_num(rec, PB_KEY(workers)) &&
            pb_json_num(o, PB_KEY(chunk)) == pb_json_num(rec, PB_KEY(chunk)))
            return o;
    return NULL;
}

/* From placement.workers[] (the last timed run): chunks in all, the busiest
 * and the mean busy time.  False when the record has no workers. */
static bool worker_sums(const cJSON *rec, double *chunks, double *bmax, double *bmean)
{
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(placement));
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(pl, "workers");
    double n = 0, sum = 0, mx = 0, ch = 0;
    const cJSON *w;
    cJSON_ArrayForEach(w, ws) {
        double b = pb_json_num(w, "busy_s"), c = pb_json_num(w, "chunks");
        if (!ok(b) || !ok(c))
            return false;
        n++;
        sum += b;
        mx = b > mx ? b : mx;
        ch += c;
    }
    if (n == 0)
        return false;
    *chunks = ch;
    *bmax = mx;
    *bmean = sum / n;
    return true;
}

static double figure(const cJSON *figs, const char *id)
{
    return pb_json_num(figs, id);
}

/* A per-thread-count figure ("stream.triad.t") at the largest measured
 * count <= p (the probe measures 1, 2, 4, ... and all cores). */
static double figure_at(const cJSON *figs, const char *prefix, unsigned p, unsigned *at)
{
    char id[64];
    for (unsigned k = p; k >= 1; k--) {
        snprintf(id, sizeof id, "%s%u", prefix, k);
        double v = figure(figs, id);
        if (ok(v)) {
            *at = k;
            return v;
        }
    }
    *at = 0;
    return NAN;
}

static void add_num(cJSON *o, const char *key, double v)
{
    if (ok(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static double sum2(double a, double b)
{
    return ok(a) && ok(b) ? a + b : NAN;
}

/* Build one record's breakdown; NULL when it has none. */
static cJSON *one(const cJSON *records, const cJSON *rec, const cJSON *figs, double bytes_copied,
                  double kernel_bytes, double cpus)
{
    const cJSON *base = valid(rec) ? baseline(records, rec) : NULL;
    if (!base)
        return NULL;
    struct pb_bd_in in = {.t1_s = pb_json_num(base, PB_KEY(median_s)),
                          .tp_s = pb_json_num(rec, PB_KEY(median_s)),
                          .bytes_copied = bytes_copied, .kernel_bytes = kernel_bytes,
                          .busy_max_s = NAN, .busy_mean_s = NAN, .chunks = NAN,
                          .per_chunk_s = NAN, .startup_in_s = 0};
    double w = pb_json_num(rec, PB_KEY(workers));
    in.p = ok(w) && w >= 1 ? (unsigned)w : 0;
    worker_sums(rec, &in.chunks, &in.busy_max_s, &in.busy_mean_s);

    /* Dispatch: noop's measured cost per chunk (its median x p / its chunks)
     * when the sweep ran noop with this mode; else the probe's figure for how
     * the mode hands out chunks: a process start, a shared counter's cache
     * line, a futex wake-up (other thread modes), a pipe round trip. */
    const char *kind = pb_json_str(rec, PB_KEY(worker_kind));
    bool fresh = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(worker_per_chunk)));
    bool counter = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(shared_counter)));
    const char *from = "none";
    const cJSON *noop = noop_of(records, rec);
    double nch, nmax, nmean;
    if (strcmp(kind, "caller") == 0) {
        in.per_chunk_s = 0;
        from = "caller (no dispatch)";
    } else if (noop && rec != noop && worker_sums(noop, &nch, &nmax, &nmean) && nch > 0) {
        in.per_chunk_s = pb_json_num(noop, PB_KEY(median_s)) * in.p / nch;
        from = "noop";
    } else if (fresh && ok(figure(figs, "fork.exit_wait"))) {
        in.per_chunk_s = figure(figs, "fork.exit_wait");
        from = "probe fork.exit_wait";
    } else if (counter && ok(figure(figs, "c2c.handoff"))) {
        in.per_chunk_s = figure(figs, "c2c.handoff");
        from = "probe c2c.handoff";
    } else if (strcmp(kind, "thread") == 0) {
        in.per_chunk_s = figure(figs, "futex.wake");
        from = "probe futex.wake";
    } else if (kind[0]) {
        in.per_chunk_s = figure(figs, "pipe.round_trip");
        from = "probe pipe.round_trip";
    }
    /* The modes that copy outputs enlarge their result pipes (1 MiB,
     * modes/supervise.c), as the probe's large-pipe figure does; a worker
     * started for its chunk sends from a new address space, which the probe
     * measures apart (probe/pipe-fresh.c). */
    const char *bw_from = fresh ? "pipe.bandwidth_fresh_child" : "pipe.bandwidth_large_pipe";
    in.pipe_bw = figure(figs, bw_from);
    if (!ok(in.pipe_bw) && fresh) {
        bw_from = "pipe.bandwidth_large_pipe";
        in.pipe_bw = figure(figs, bw_from);
    }
    /* A worker started per chunk waits for its whole transfer (the parent
     * reaps it before the slot's next fork); a lasting worker hands its bytes
     * to the pipe and goes on (its copy in), while the parent copies them out
     * beside its next chunk.  The probe writes pipe-sized blocks, so its
     * figure times both copies in turn: half of it is the worker's, as long
     * as a CPU is left for the parent; when the workers take them all, the
     * parent's copying is time taken from them. */
    in.copy_share = fresh || !(ok(cpus) && in.p < cpus) ? 1 : 0.5;
    if (!ok(in.pipe_bw)) {
        bw_from = "pipe.bandwidth";
        in.pipe_bw = figure(figs, bw_from);
    }
    in.faults = sum2(pb_json_num(rec, PB_KEY(minor_faults)), pb_json_num(rec, PB_KEY(major_faults)));
    in.base_faults =
        sum2(pb_json_num(base, PB_KEY(minor_faults)), pb_json_num(base, PB_KEY(major_faults)));
    in.fault_s = figure(figs, "fault.minor");
    in.invcsw = pb_json_num(rec, PB_KEY(invol_ctx_switches));
    in.base_invcsw = pb_json_num(base, PB_KEY(invol_ctx_switches));
    in.csw_s = figure(figs, "futex.wake");
    unsigned at_clock = 0, at_mem = 0, one_at;
    in.clock1_hz = figure_at(figs, "clock.busy.t", 1, &one_at);
    in.clockp_hz = figure_at(figs, "clock.busy.t", in.p, &at_clock);
    in.mem_bw = figure_at(figs, "stream.triad.t", in.p, &at_mem);

    struct pb_bd_out out;
    if (pb_breakdown(&in, &out) != 0)
        return NULL;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "baseline_mode", pb_json_str(base, PB_KEY(mode)));
    add_num(b, "t1_s", in.t1_s);
    add_num(b, "ideal_s", out.ideal_s);
    add_num(b, "measured_s", in.tp_s);
    add_num(b, "gap_s", out.gap_s);
    cJSON *ps = cJSON_AddObjectToObject(b, "parts_s");
    cJSON *pp = cJSON_AddObjectToObject(b, "parts_pct");
    cJSON *missing = cJSON_AddArrayToObject(b, "missing");
    int largest = -1;
    for (int i = 0; i < PB_BD_NPARTS; i++) {
        add_num(ps, part_names[i], out.part_s[i]);
        add_num(pp, part_names[i], out.pct[i]);
        if (!out.known[i])
            cJSON_AddItemToArray(missing, cJSON_CreateString(part_names[i]));
        if (largest < 0 || out.part_s[i] > out.part_s[largest])
            largest = i;
    }
    cJSON_AddStringToObject(b, "largest", out.gap_s > 0 ? part_names[largest] : "");
    cJSON_AddStringToObject(b, "residual_is", out.contention ? "contention" : "unexplained");
    cJSON_AddStringToObject(b, "dispatch_from", from);
    cJSON *i = cJSON_AddObjectToObject(b, "inputs");
    add_num(i, "bytes_copied", bytes_copied);
    add_num(i, "kernel_bytes", kernel_bytes);
    add_num(i, "kernel_bytes_per_s", out.kernel_bps);
    add_num(i, "chunks", in.chunks);
    add_num(i, "per_chunk_s", in.per_chunk_s);
    add_num(i, "busy_max_s", in.busy_max_s);
    add_num(i, "busy_mean_s", in.busy_mean_s);
    add_num(i, "pipe_bandwidth", in.pipe_bw);
    add_num(i, "copy_share", in.copy_share);
    cJSON_AddStringToObject(i, "pipe_bandwidth_figure", ok(in.pipe_bw) ? bw_from : "");
    add_num(i, "extra_faults", excess(in.faults, in.base_faults));
    add_num(i, "fault_s", in.fault_s);
    add_num(i, "extra_invol_ctx_switches", excess(in.invcsw, in.base_invcsw));
    add_num(i, "ctx_switch_s", in.csw_s);
    add_num(i, "clock_1_hz", in.clock1_hz);
    add_num(i, "clock_p_hz", in.clockp_hz);
    add_num(i, "clock_threads", at_clock ? at_clock : NAN);
    add_num(i, "memory_bandwidth", in.mem_bw);
    add_num(i, "memory_bandwidth_threads", at_mem ? at_mem : NAN);
    return b;
}

/* What a record without a breakdown carries: why, and the writer's byte counts
 * (kept for the next call, when the baseline may have come). */
static cJSON *why_not(const char *why, double bytes_copied, double kernel_bytes)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "why", why);
    cJSON *i = cJSON_AddObjectToObject(b, "inputs");
    add_num(i, "bytes_copied", bytes_copied);
    add_num(i, "kernel_bytes", kernel_bytes);
    return b;
}

void pb_breakdown_update(cJSON *records, const cJSON *probe, double cpus)
{
    const cJSON *figs = cJSON_GetObjectItemCaseSensitive(probe, "figures");
    const char *key = pb_record_fields[PB_F_breakdown].key;
    cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        const cJSON *old = cJSON_GetObjectItemCaseSensitive(rec, key);
        const cJSON *oi = cJSON_GetObjectItemCaseSensitive(old, "inputs");
        double bc = pb_json_num(oi, "bytes_copied"), kb = pb_json_num(oi, "kernel_bytes");
        cJSON *b = one(records, rec, figs, bc, kb, cpus);
        if (!b)
            b = why_not(!valid(rec) ? "the record is not valid"
                        : strcmp(pb_json_str(rec, PB_KEY(scaling)), "weak") == 0
                            ? "weak scaling: the work grew with the workers, so T1/p is no ideal"
                            : "no valid single-worker baseline record for this problem",
                        bc, kb);
        if (old)
            cJSON_ReplaceItemInObjectCaseSensitive(rec, key, b);
        else
            cJSON_AddItemToObject(rec, key, b);
    }
}
