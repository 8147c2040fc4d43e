/* The gap-to-ideal model (run/breakdown.c) on exact inputs: every figure is a
 * binary fraction, so each part and percentage is checked for equality, not
 * nearness.  Then the same numbers through the records (pb_breakdown_update):
 * the baseline, the noop record that gives dispatch its cost, the probe's
 * figures, and what a record without a baseline gets. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "breakdown.h"
#include "check.h"

/* ideal 4 s, gap 2 s; the parts: imbalance 0.25, dispatch 16 x 2^-7 / 2,
 * data 2^20 / (2^22 x 2), faults 1024 extra x 2^-12 / 2, switches 64 x 2^-8 / 2,
 * clock 4 x (5/4 - 1); the residual is what is left: 0.3125. */
static struct pb_bd_in example(void)
{
    return (struct pb_bd_in){
        .t1_s = 8, .tp_s = 6, .p = 2, .busy_max_s = 4.25, .busy_mean_s = 4,
        .chunks = 16, .per_chunk_s = 1.0 / 128, .bytes_copied = 1 << 20, .pipe_bw = 1 << 22,
        .copy_share = 1,
        .startup_in_s = 0, .faults = 2048, .base_faults = 1024, .fault_s = 1.0 / 4096,
        .invcsw = 64, .base_invcsw = 0, .csw_s = 1.0 / 256, .clock1_hz = 5, .clockp_hz = 4,
        .kernel_bytes = 3.0 * (1 << 30), .mem_bw = 1 << 30,
    };
}

static void test_model(void)
{
    struct pb_bd_in in = example();
    struct pb_bd_out o;
    CHECK(pb_breakdown(&in, &o) == 0);
    CHECK(o.ideal_s == 4 && o.gap_s == 2);
    /* busy_mean is the ideal: no kernel slowdown */
    const double want[PB_BD_NPARTS] = {0.25, 0.0625, 0.125, 0, 0.125, 0.125, 1.0, 0, 0.3125};
    const double pct[PB_BD_NPARTS] = {12.5, 3.125, 6.25, 0, 6.25, 6.25, 50, 0, 15.625};
    double sum = 0;
    for (int i = 0; i < PB_BD_NPARTS; i++) {
        CHECK(o.part_s[i] == want[i]);
        CHECK(o.pct[i] == pct[i]);
        CHECK(o.known[i]);
        sum += o.part_s[i];
    }
    CHECK(sum == o.gap_s);
    /* 3 GiB in 6 s is 2^29 B/s: exactly half the memory bandwidth, contention. */
    CHECK(o.kernel_bps == (double)(1 << 29));
    CHECK(o.contention);
    in.mem_bw = (double)(1 << 30) + 1024;
    CHECK(pb_breakdown(&in, &o) == 0 && !o.contention);
    /* A negative residual (the parts overlapped) is no lost time to name. */
    in = example();
    in.tp_s = 5.5;
    CHECK(pb_breakdown(&in, &o) == 0 && o.part_s[PB_BD_RESIDUAL] == -0.1875 && !o.contention);

    /* Workers busy 0.5 s longer than the ideal share: the faults' 0.125 and
     * switches' 0.125 happen inside it (the clock is 1:1 here), and the kernel
     * slowdown is the other 0.25, taken from the residual. */
    in = example();
    in.busy_mean_s = 4.5;
    in.busy_max_s = 4.75;
    in.clockp_hz = 5;
    CHECK(pb_breakdown(&in, &o) == 0 && o.known[PB_BD_SLOWDOWN]);
    CHECK(o.part_s[PB_BD_SLOWDOWN] == 0.25 && o.part_s[PB_BD_IMBALANCE] == 0.25);
    CHECK(o.part_s[PB_BD_RESIDUAL] == 2 - 0.25 - 0.0625 - 0.125 - 0.125 - 0.125 - 0.25);
    /* Counted parts larger than the extra busy time: no negative slowdown. */
    in.busy_mean_s = 4.125;
    CHECK(pb_breakdown(&in, &o) == 0 && o.part_s[PB_BD_SLOWDOWN] == 0);
    in.busy_mean_s = NAN;
    CHECK(pb_breakdown(&in, &o) == 0 && !o.known[PB_BD_SLOWDOWN]);

    /* Unknown inputs: the part is 0, not known, and stays in the residual. */
    in = example();
    in.pipe_bw = NAN;
    in.fault_s = NAN;
    CHECK(pb_breakdown(&in, &o) == 0);
    CHECK(!o.known[PB_BD_DATA] && o.part_s[PB_BD_DATA] == 0);
    CHECK(!o.known[PB_BD_FAULTS] && o.part_s[PB_BD_FAULTS] == 0);
    CHECK(o.part_s[PB_BD_RESIDUAL] == 0.3125 + 0.125 + 0.125);
    /* ...but no bytes copied, or no extra faults, need no cost. */
    in.bytes_copied = 0;
    in.faults = 1000;   /* fewer than the baseline's: nothing to charge */
    CHECK(pb_breakdown(&in, &o) == 0);
    CHECK(o.known[PB_BD_DATA] && o.part_s[PB_BD_DATA] == 0);
    CHECK(o.known[PB_BD_FAULTS] && o.part_s[PB_BD_FAULTS] == 0);

    /* One worker: no droop whatever the clock figures; a faster clock at p
     * is no negative droop. */
    in = example();
    in.p = 1;
    in.clockp_hz = NAN;
    CHECK(pb_breakdown(&in, &o) == 0 && o.known[PB_BD_CLOCK] && o.part_s[PB_BD_CLOCK] == 0);
    in = example();
    in.clockp_hz = 6;
    CHECK(pb_breakdown(&in, &o) == 0 && o.part_s[PB_BD_CLOCK] == 0);

    /* Faster than ideal: the gap is negative and has no percentages. */
    in = example();
    in.tp_s = 3;
    CHECK(pb_breakdown(&in, &o) == 0 && o.gap_s == -1 && isnan(o.pct[PB_BD_RESIDUAL]));

    /* Nothing to compare with. */
    in = example();
    in.t1_s = NAN;
    CHECK(pb_breakdown(&in, &o) == -1 && isnan(o.gap_s));
    in = example();
    in.p = 0;
    CHECK(pb_breakdown(&in, &o) == -1);
    CHECK_STR(pb_bd_part_name(PB_BD_DATA), "data_movement");
    CHECK_STR(pb_bd_part_name(PB_BD_SLOWDOWN), "kernel_slowdown");
    CHECK_STR(pb_bd_part_name(PB_BD_RESIDUAL), "residual");
}

/* ---- through the records ---------------------------------------------------- */

static cJSON *record(cJSON *records, const char *kernel, const char *mode, const char *kind,
                     int workers, double median, double faults, double invcsw,
                     const double *busy, const double *chunks, double bytes_copied)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "kernel", kernel);
    cJSON_AddStringToObject(r, "params_text", "x=1");
    cJSON_AddStringToObject(r, "mode", mode);
    cJSON_AddStringToObject(r, "worker_kind", kind);
    cJSON_AddStringToObject(r, "runtime", "c");
    cJSON_AddBoolToObject(r, "single_worker", strcmp(kind, "caller") == 0);
    cJSON_AddNumberToObject(r, "workers", workers);
    cJSON_AddStringToObject(r, "schedule", "dynamic");
    cJSON_AddNumberToObject(r, "chunk", 0);
    cJSON_AddStringToObject(r, "scaling", "strong");
    cJSON_AddNumberToObject(r, "median_s", median);
    cJSON_AddNumberToObject(r, "minor_faults", faults);
    cJSON_AddNumberToObject(r, "major_faults", 0);
    cJSON_AddNumberToObject(r, "invol_ctx_switches", invcsw);
    cJSON_AddBoolToObject(r, "valid", 1);
    cJSON *pl = cJSON_AddObjectToObject(r, "placement");
    cJSON *ws = cJSON_AddArrayToObject(pl, "workers");
    for (int i = 0; i < workers; i++) {
        cJSON *w = cJSON_CreateObject();
        cJSON_AddNumberToObject(w, "busy_s", busy[i]);
        cJSON_AddNumberToObject(w, "chunks", chunks[i]);
        cJSON_AddItemToArray(ws, w);
    }
    /* What results.c seeds. */
    cJSON *b = cJSON_AddObjectToObject(r, "breakdown");
    cJSON_AddStringToObject(b, "why", "no baseline");
    cJSON *in = cJSON_AddObjectToObject(b, "inputs");
    cJSON_AddNumberToObject(in, "bytes_copied", bytes_copied);
    cJSON_AddNumberToObject(in, "kernel_bytes", 3.0 * (1 << 30));
    cJSON_AddItemToArray(records, r);
    return r;
}

static cJSON *probe(void)
{
    cJSON *p = cJSON_CreateObject();
    cJSON *f = cJSON_AddObjectToObject(p, "figures");
    cJSON_AddNumberToObject(f, "pipe.round_trip", 1.0 / 64);
    cJSON_AddNumberToObject(f, "pipe.bandwidth", 1 << 22);
    cJSON_AddNumberToObject(f, "futex.wake", 1.0 / 256);
    cJSON_AddNumberToObject(f, "fault.minor", 1.0 / 4096);
    cJSON_AddNumberToObject(f, "clock.busy.t1", 5);
    cJSON_AddNumberToObject(f, "clock.busy.t2", 4);
    cJSON_AddNumberToObject(f, "stream.triad.t1", 1 << 29);
    cJSON_AddNumberToObject(f, "stream.triad.t2", 1 << 30);
    return p;
}

static double part(const cJSON *rec, const char *obj, const char *name)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(rec, "breakdown");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, obj), name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *rec, const char *name)
{
    const cJSON *v =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "breakdown"), name);
    return cJSON_IsString(v) ? v->valuestring : "(none)";
}

static void test_records(void)
{
    cJSON *records = cJSON_CreateArray();
    const double b1[] = {8}, c1[] = {1};
    const double b2[] = {4.25, 3.75}, c2[] = {8, 8};
    const double nb[] = {0, 0}, nc[] = {4, 4};
    /* Added before its baseline: it must be filled in all the same. */
    /* 2 MiB copied, of which a lasting worker waits for half (copy_share). */
    cJSON *fp = record(records, "blur", "forkpool", "process", 2, 6, 2048, 64, b2, c2, 1 << 21);
    cJSON *serial = record(records, "blur", "serial", "caller", 1, 8, 1024, 0, b1, c1, 0);
    cJSON *p = probe();

    /* No noop in the sweep: dispatch is the probe's pipe round trip per chunk
     * (16 x 2^-6 / 2 = 0.125); the rest as in test_model. */
    pb_breakdown_update(records, p, 4);
    CHECK(part(fp, "inputs", "per_chunk_s") == 1.0 / 64);
    CHECK_STR(str(fp, "dispatch_from"), "probe pipe.round_trip");
    CHECK(part(fp, "parts_s", "dispatch") == 0.125);
    CHECK(part(fp, "parts_s", "imbalance") == 0.25);
    CHECK(part(fp, "parts_s", "data_movement") == 0.125);
    CHECK(part(fp, "parts_s", "page_faults") == 0.125);
    CHECK(part(fp, "parts_s", "ctx_switches") == 0.125);
    CHECK(part(fp, "parts_s", "clock_droop") == 1.0);
    CHECK(part(fp, "parts_s", "residual") == 0.25);
    CHECK(part(fp, "parts_pct", "clock_droop") == 50);
    CHECK_STR(str(fp, "largest"), "clock_droop");
    CHECK_STR(str(fp, "residual_is"), "contention");
    CHECK_STR(str(fp, "baseline_mode"), "serial");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fp, "breakdown"), "inputs");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(in, "pipe_bandwidth_figure")->valuestring,
              "pipe.bandwidth");
    /* The enlarged pipe's figure, when there is one, is the modes' (1 MiB pipes). */
    cJSON *figs = cJSON_GetObjectItemCaseSensitive(p, "figures");
    cJSON_AddNumberToObject(figs, "pipe.bandwidth_large_pipe", 1 << 23);
    pb_breakdown_update(records, p, 4);
    CHECK(part(fp, "parts_s", "data_movement") == 0.0625);
    CHECK(part(fp, "parts_s", "residual") == 0.25 + 0.0625);
    cJSON_DeleteItemFromObjectCaseSensitive(figs, "pipe.bandwidth_large_pipe");
    pb_breakdown_update(records, p, 4);
    /* The baseline against itself: no gap, nothing charged. */
    CHECK(part(serial, "parts_s", "residual") == 0);
    CHECK_STR(str(serial, "largest"), "");
    CHECK_STR(str(serial, "dispatch_from"), "caller (no dispatch)");

    /* With noop: its median 2^-6 s x 2 workers / 8 chunks = 2^-8 s per chunk,
     * so dispatch is 16 x 2^-8 / 2 = 2^-5; called again, the seed's byte
     * counts are still there. */
    cJSON *noop = record(records, "noop", "forkpool", "process", 2, 1.0 / 64, 0, 0, nb, nc, 16);
    pb_breakdown_update(records, p, 4);
    CHECK_STR(str(fp, "dispatch_from"), "noop");
    CHECK(part(fp, "parts_s", "dispatch") == 1.0 / 32);
    CHECK(part(fp, "parts_s", "data_movement") == 0.125);
    CHECK(part(fp, "parts_s", "residual") == 0.25 + 0.125 - 1.0 / 32);
    /* noop has no serial record here: it keeps the seed and says why. */
    CHECK_STR(str(noop, "why"), "no valid single-worker baseline record for this problem");
    CHECK(part(noop, "inputs", "bytes_copied") == 16);

    /* A thread mode without noop pays futex wake-ups; without a probe every
     * probe-measured part is missing and left in the residual. */
    cJSON *th = record(records, "blur", "threads", "thread", 2, 6, 1024, 0, b2, c2, 0);
    pb_breakdown_update(records, p, 4);
    CHECK_STR(str(th, "dispatch_from"), "probe futex.wake");
    CHECK(part(th, "parts_s", "dispatch") == 16.0 / 256 / 2);
    pb_breakdown_update(records, NULL, 4);
    CHECK(part(th, "parts_s", "clock_droop") == 0);
    CHECK(part(th, "parts_s", "residual") == 2 - 0.25);
    const cJSON *missing =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(th, "breakdown"),
                                         "missing");
    CHECK(cJSON_GetArraySize(missing) == 2);   /* dispatch, clock_droop */

    /* A worker started per chunk (spawn): without noop, a chunk costs the
     * probe's fork + exit + wait (16 x 2^-7 / 2), and its output leaves a
     * new process at the fresh-child bandwidth (2^20 / (2^21 x 2)); without
     * that figure, the plain pipe's. */
    cJSON *sp = record(records, "blur", "spawn", "process", 2, 6, 1024, 64, b2, c2, 1 << 20);
    cJSON_AddBoolToObject(sp, "worker_per_chunk", 1);
    cJSON_AddNumberToObject(figs, "fork.exit_wait", 1.0 / 128);
    cJSON_AddNumberToObject(figs, "pipe.bandwidth_fresh_child", 1 << 21);
    pb_breakdown_update(records, p, 4);
    CHECK_STR(str(sp, "dispatch_from"), "probe fork.exit_wait");
    CHECK(part(sp, "parts_s", "dispatch") == 1.0 / 16);
    CHECK(part(sp, "parts_s", "data_movement") == 0.25);
    const cJSON *spin = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(sp, "breakdown"), "inputs");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(spin, "pipe_bandwidth_figure")->valuestring,
              "pipe.bandwidth_fresh_child");
    /* forkpool's workers live across chunks: neither figure is theirs. */
    CHECK_STR(str(fp, "dispatch_from"), "noop");
    CHECK(part(fp, "parts_s", "data_movement") == 0.125);
    cJSON_DeleteItemFromObjectCaseSensitive(figs, "pipe.bandwidth_fresh_child");
    pb_breakdown_update(records, p, 4);
    CHECK(part(sp, "parts_s", "data_movement") == 0.125);

    /* Two workers on two CPUs: the parent's copying takes CPU time from them,
     * so forkpool waits for all of it (0.25); spawn's share is 1 either way. */
    pb_breakdown_update(records, p, 2);
    CHECK(part(fp, "parts_s", "data_movement") == 0.25);
    CHECK(part(fp, "inputs", "copy_share") == 1);
    pb_breakdown_update(records, p, NAN);
    CHECK(part(fp, "inputs", "copy_share") == 1);
    pb_breakdown_update(records, p, 4);
    CHECK(part(fp, "inputs", "copy_share") == 0.5);

    /* Workers taking chunks from a shared counter (threads, openmp, shm) pay
     * a cache-line handoff per chunk when the probe has one: 16 x 2^-10 / 2. */
    cJSON_AddBoolToObject(th, "shared_counter", 1);
    cJSON_AddNumberToObject(figs, "c2c.handoff", 1.0 / 1024);
    pb_breakdown_update(records, p, 4);
    CHECK_STR(str(th, "dispatch_from"), "probe c2c.handoff");
    CHECK(part(th, "parts_s", "dispatch") == 16.0 / 1024 / 2);
    cJSON_DeleteItemFromObjectCaseSensitive(figs, "c2c.handoff");
    pb_breakdown_update(records, p, 4);
    CHECK_STR(str(th, "dispatch_from"), "probe futex.wake");

    /* An invalid record gets no breakdown. */
    cJSON_ReplaceItemInObjectCaseSensitive(fp, "valid", cJSON_CreateFalse());
    pb_breakdown_update(records, p, 4);
    CHECK(isnan(part(fp, "parts_s", "residual")));
    CHECK_STR(str(fp, "why"), "the record is not valid");
    CHECK(part(fp, "inputs", "bytes_copied") == 1 << 21);
    cJSON_Delete(p);
    cJSON_Delete(records);
}

int main(void)
{
    test_model();
    test_records();
    CHECK_DONE();
}
