/* Probe: pthread_create of a thread that returns at once, then pthread_join:
 * what the threads mode pays per worker when it starts its pool. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "pb.h"
#include "probe.h"

struct thread_job {
    unsigned threads;   /* created and joined per sample, one after the other */
};

static void *nothing(void *arg)
{
    return arg;
}

static int create_join_sample(void *arg, double *x, char *err, size_t errlen)
{
    struct thread_job *j = arg;
    double t0 = pb_now();
    for (unsigned i = 0; i < j->threads; i++) {
        pthread_t th;
        int e = pthread_create(&th, NULL, nothing, NULL);
        if (e != 0) {
            char eb[128];
            snprintf(err, errlen, "pthread_create: %s", pb_strerror(e, eb, sizeof eb));
            return -1;
        }
        pthread_join(th, NULL);
    }
    *x = (pb_now() - t0) / j->threads;
    return 0;
}

int pb_probe_thread(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                    size_t errlen)
{
    (void)root;
    double *x = calloc(c->reps.max_n, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct thread_job j = {.threads = c->quick ? 20 : 200};
    size_t n;
    int rc = pb_probe_sample_on_cpu(c, 0, create_join_sample, &j, x, &n, err, errlen);
    if (rc == 0) {
        cJSON *s = cJSON_CreateObject();
        /* The new thread inherits the creator's binding: both on this CPU. */
        cJSON_AddNumberToObject(s, "cpu", c->cpus[0]);
        cJSON_AddBoolToObject(s, "pinned", c->pinned);
        cJSON_AddNumberToObject(s, "threads_per_sample", j.threads);
        pb_probe_figure(figures, "thread.create_join", "thread",
                        "pthread_create of an empty thread, then pthread_join", "s", 0, x, n, s);
    }
    free(x);
    return rc;
}
