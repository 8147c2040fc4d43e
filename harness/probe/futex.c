/* Probe: futex wake-up latency between two threads pinned to two different
 * CPUs.  They take turns on one futex word: each sets it to hand the turn
 * over, FUTEX_WAKEs the other and FUTEX_WAITs for the turn to come back.  A
 * round trip is two wake-ups; the figure is the round trip / 2, the latency a
 * blocked worker of the in-process modes pays to be woken for a task. */
#define _GNU_SOURCE /* syscall */
#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pb.h"
#include "probe.h"

enum { INITIATOR_TURN = 0, RESPONDER_TURN = 1, STOP = 2 };

struct futex_job {
    _Alignas(64) _Atomic int word;   /* alone on its cache line */
    _Alignas(64) unsigned round_trips;
};

static void futex_wait(_Atomic int *w, int val)
{
    /* Returns at once when *w != val (EAGAIN), on a wake, or on a signal. */
    syscall(SYS_futex, (int *)w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic int *w)
{
    syscall(SYS_futex, (int *)w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void respond(void *arg)
{
    struct futex_job *j = arg;
    for (;;) {
        int v;
        while ((v = atomic_load(&j->word)) == INITIATOR_TURN)
            futex_wait(&j->word, INITIATOR_TURN);
        if (v == STOP)
            return;
        atomic_store(&j->word, INITIATOR_TURN);
        futex_wake(&j->word);
    }
}

static void stop(void *arg)
{
    struct futex_job *j = arg;
    atomic_store(&j->word, STOP);
    futex_wake(&j->word);
}

static int ping_pong_sample(void *arg, double *x, char *err, size_t errlen)
{
    struct futex_job *j = arg;
    (void)err;
    (void)errlen;
    double t0 = pb_now();
    for (unsigned i = 0; i < j->round_trips; i++) {
        atomic_store(&j->word, RESPONDER_TURN);
        futex_wake(&j->word);
        while (atomic_load(&j->word) == RESPONDER_TURN)
            futex_wait(&j->word, RESPONDER_TURN);
    }
    *x = (pb_now() - t0) / j->round_trips / 2;
    return 0;
}

int pb_probe_futex(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                   size_t errlen)
{
    (void)root;
    if (c->pair[1] < 0) {
        snprintf(err, errlen, "needs two CPUs, %u available", c->ncpus);
        return 1;
    }
    /* aligned_alloc: calloc's 16-byte alignment would break the _Alignas(64). */
    struct futex_job *j = aligned_alloc(64, sizeof *j);
    if (j)
        memset(j, 0, sizeof *j);
    double *x = calloc(c->reps.max_n, sizeof *x);
    int rc = -1;
    if (!j || !x) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    j->round_trips = c->quick ? 20 : 1000;
    atomic_init(&j->word, INITIATOR_TURN);
    struct pb_probe_duo d = {.a = (unsigned)c->pair[0], .b = (unsigned)c->pair[1],
                             .sample = ping_pong_sample, .respond = respond, .stop = stop,
                             .arg = j};
    size_t n;
    if (pb_probe_duo_run(c, &d, x, &n, err, errlen) != 0)
        goto out;
    cJSON *s = pb_probe_pair_setup(c);
    cJSON_AddNumberToObject(s, "round_trips_per_sample", j->round_trips);
    pb_probe_figure(figures, "futex.wake", "futex",
                    "FUTEX_WAKE to the woken thread running (ping-pong round trip / 2)", "s", 0,
                    x, n, s);
    rc = 0;
out:
    free(x);
    free(j);
    return rc;
}
