/* The harness's after-run count of its own descriptors and children (see leakcheck.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakcheck.h"
#include "mode.h"

/* Entries of a /proc directory, less "." and "..", or -1. */
static int count_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Children of every thread of this process: each thread's `children` file
 * lists the ones it forked (Linux, CONFIG_PROC_CHILDREN). */
static int count_children(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; n >= 0 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) {
            n = -1;
            break;
        }
        for (long pid; fscanf(f, "%ld", &pid) == 1;)
            n++;
        fclose(f);
    }
    closedir(d);
    return n;
}

struct pb_held pb_held_now(void)
{
    int fds = count_entries("/proc/self/fd");
    /* opendir's own descriptor was open while the directory was read. */
    return (struct pb_held){.fds = fds > 0 ? fds - 1 : -1, .children = count_children()};
}

void pb_leakcheck_init(struct pb_leakcheck *lc)
{
    *lc = (struct pb_leakcheck){.base = pb_held_now()};
}

/* What every mode keeps between runs on purpose, whichever mode ran last:
 * mpi's idle sessions outlive the configuration that started them. */
static struct pb_held held_by_modes(void)
{
    struct pb_held sum = {0, 0};
    for (size_t i = 0; i < pb_nmodes; i++)
        if (pb_modes[i]->held) {
            struct pb_held h = pb_modes[i]->held(NULL);
            sum.fds += h.fds;
            sum.children += h.children;
        }
    return sum;
}

bool pb_leakcheck_after(struct pb_leakcheck *lc, char *msg, size_t len)
{
    struct pb_held now = pb_held_now(), held = held_by_modes();
    int fds = lc->base.fds >= 0 && now.fds >= 0 ? now.fds - lc->base.fds - held.fds : 0;
    int kids = lc->base.children >= 0 && now.children >= 0
                   ? now.children - lc->base.children - held.children : 0;
    if (fds <= lc->fds_reported && kids <= lc->children_reported)
        return false;
    lc->fds_reported = fds > lc->fds_reported ? fds : lc->fds_reported;
    lc->children_reported = kids > lc->children_reported ? kids : lc->children_reported;
    snprintf(msg, len, "leak: parbench holds %d file descriptor(s) and %d child process(es) "
             "more than before the sweep", fds > 0 ? fds : 0, kids > 0 ? kids : 0);
    return true;
}
