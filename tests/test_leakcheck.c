/* The after-run leak check: a descriptor left open or a child left unreaped is
 * reported once, with its count; nothing is reported once both are gone. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "leakcheck.h"

int main(void)
{
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
