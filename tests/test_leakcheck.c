/* The after-run leak check: a descriptor left open or a child left unreaped is
 * reported once, with its count; nothing is reported once both are gone; what an
 * opened mode says its state holds is not a leak. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "leakcheck.h"

/* A mode whose state is the count of descriptors it keeps between runs. */
static struct pb_held keeper_held(void *state)
{
    return (struct pb_held){.fds = *(int *)state, .children = 0};
}

static const struct pb_mode keeper = {.name = "keeper", .held = keeper_held};

/* What an opened mode's held(state) says it keeps is subtracted, asked anew after every run. */
static void held_by_opened_modes(void)
{
    const struct pb_mode *const modes[] = {&keeper};
    int kept = 0;
    void *const states[] = {&kept};
    struct pb_leakcheck lc;
    char msg[200];
    pb_leakcheck_init(&lc, modes, states, 1);
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    kept = 1;   /* the mode says it keeps this one */
    CHECK(!pb_leakcheck_after(&lc, msg, sizeof msg));
    kept = 0;   /* now it does not: a leak */
    CHECK(pb_leakcheck_after(&lc, msg, sizeof msg));
    close(fd);
}

int main(void)
{
    held_by_opened_modes();
    struct pb_leakcheck lc;
    char msg[200];
    pb_leakcheck_init(&lc, NULL, NULL, 0);
    CHECK(lc.base.fds >= 3);
    CHECK(lc.base.children >= 0);
    CHECK(!pb_leakcheck_after(&lc, msg, sizeof msg));

    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(pb_leakcheck_after(&lc, msg, sizeof msg));
    CHECK_STR(msg, "leak: parbench holds 1 file descriptor(s) and 0 child process(es) more than "
                   "before the sweep");
    CHECK(!pb_leakcheck_after(&lc, msg, sizeof msg));   /* told once */

    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    CHECK(pid > 0);
    usleep(50000);   /* a zombie now, and still a child until reaped */
    CHECK(pb_leakcheck_after(&lc, msg, sizeof msg));
    CHECK_STR(msg, "leak: parbench holds 1 file descriptor(s) and 1 child process(es) more than "
                   "before the sweep");
    CHECK_EQ_U(pb_held_now().children, (uint64_t)lc.base.children + 1);

    waitpid(pid, NULL, 0);
    close(fd);
    CHECK(!pb_leakcheck_after(&lc, msg, sizeof msg));
    CHECK_EQ_U(pb_held_now().fds, (uint64_t)lc.base.fds);
    CHECK_EQ_U(pb_held_now().children, (uint64_t)lc.base.children);
    CHECK_DONE();
}
