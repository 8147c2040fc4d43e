/* Fault injection for the process modes' tests (see fault.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "pb.h"

/* A decimal number with nothing else around it: strtoull alone would take "-1" or " 5". */
static int parse_number(const char *s, size_t len, unsigned long long max, unsigned long long *out)
{
    if (len == 0 || len > 20)
        return -1;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int pb_fault_parse(const char *text, struct pb_fault *f)
{
    static const struct {
        const char *name;
        enum pb_fault_kind kind;
    } kinds[] = {{"crash", PB_FAULT_CRASH}, {"exit", PB_FAULT_EXIT}, {"hang", PB_FAULT_HANG},
                 {"raise", PB_FAULT_RAISE}};
    *f = (struct pb_fault){.kind = PB_FAULT_NONE};
    const char *c1 = text ? strchr(text, ':') : NULL;
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2)
        return -1;
    const char *c3 = strchr(c2 + 1, ':');
    enum pb_fault_kind kind = PB_FAULT_NONE;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i].name) == (size_t)(c1 - text) &&
            strncmp(text, kinds[i].name, (size_t)(c1 - text)) == 0)
            kind = kinds[i].kind;
    unsigned long long worker, task, run = 0;
    size_t task_len = c3 ? (size_t)(c3 - c2 - 1) : strlen(c2 + 1);
    if (kind == PB_FAULT_NONE || parse_number(c1 + 1, (size_t)(c2 - c1 - 1), 1u << 20, &worker) ||
        parse_number(c2 + 1, task_len, SIZE_MAX, &task) ||
        (c3 && parse_number(c3 + 1, strlen(c3 + 1), UINT64_MAX, &run)))
        return -1;
    *f = (struct pb_fault){.kind = kind, .worker = (unsigned)worker, .task = (size_t)task,
                           .any_run = c3 == NULL, .run = run};
    return 0;
}

/* The number of the current process-mode run: set in the parent, inherited by
 * every child forked for that run. */
static uint64_t current_run = UINT64_MAX;

void pb_fault_next_run(void)
{
    current_run++;   /* from UINT64_MAX, the first run is 0 */
}

const struct pb_fault *pb_fault_get(void)
{
    static struct pb_fault fault;
    static bool loaded;
    if (!loaded) {
        loaded = true;
        const char *v = getenv("PARBENCH_FAULT");
        if (v && *v && pb_fault_parse(v, &fault) != 0)
            pb_warn("PARBENCH_FAULT='%s' ignored: expected KIND:WORKER:TASK[:RUN] with KIND "
                    "crash, exit, hang or raise", v);
    }
    return &fault;
}

bool pb_fault_armed(const struct pb_fault *f)
{
    return f->kind != PB_FAULT_NONE && (f->any_run || f->run == current_run);
}

void pb_fault_maybe(const struct pb_fault *f, unsigned worker, size_t task)
{
    if (f->kind == PB_FAULT_NONE || worker != f->worker || task < f->task ||
        (!f->any_run && f->run != current_run))
        return;
    switch (f->kind) {
    case PB_FAULT_CRASH: {
        /* The default action, unblocked, so the parent sees a real death by
         * SIGSEGV even under a sanitizer that installed its own handler. */
        struct sigaction sa = {.sa_handler = SIG_DFL};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, NULL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(SIGSEGV);
        _exit(128 + SIGSEGV);
    }
    case PB_FAULT_EXIT:
    case PB_FAULT_RAISE:
        _exit(3);
    case PB_FAULT_HANG:
        for (;;)
            pause();
    case PB_FAULT_NONE:
        break;
    }
}
