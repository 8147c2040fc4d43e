/* first_touch: what a freshly forked process pays for its first access to
 * memory it already has mapped, the effect behind shm's pre-start read and
 * the fresh-child pipe figure (bench/README.md, "Forked modes").
 *
 *   cc -O2 -o first_touch bench/ref/first_touch.c && ./first_touch [MiB] [rounds]
 *
 * The parent writes a MAP_SHARED buffer (as parbench's output array), then per
 * round forks a child that
 *   populate  maps it all writable with MADV_POPULATE_WRITE (the guest's page
 *             tables filled, no byte changed), then times two write passes;
 *   read      reads one byte per page first, then times two write passes;
 *   none      times two write passes straight away.
 * On bare metal the first pass after populate or read costs what the second
 * does; under a hypervisor that shadows guest page tables, the first user
 * access of a new address space to each page traps to the host, which the
 * guest counts as neither a fault nor system time. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One pass over the buffer, a write every 64 bytes; milliseconds. */
static double write_pass(volatile unsigned char *p, size_t len)
{
    double t0 = now();
    for (size_t i = 0; i < len; i += 64)
        p[i] = (unsigned char)(p[i] + 1);
    return (now() - t0) * 1e3;
}

static double read_pages(const volatile unsigned char *p, size_t len, size_t page)
{
    double t0 = now();
    unsigned char sink = 0;
    for (size_t i = 0; i < len; i += page)
        sink ^= p[i];
    (void)sink;
    return (now() - t0) * 1e3;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 36;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    if (mib == 0 || mib > 4096 || rounds < 1) {
        fprintf(stderr, "usage: first_touch [MiB 1..4096] [rounds >= 1]\n");
        return 2;
    }
    size_t len = mib << 20, page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("first_touch: mmap");
        return 1;
    }
    memset(buf, 1, len);
    printf("parent (warm): write pass %.2f ms\n", write_pass(buf, len));
    static const char *const how[] = {"none", "populate", "read"};
    for (int r = 0; r < rounds; r++)
        for (int h = 0; h < 3; h++) {
            fflush(stdout);
            pid_t pid = fork();
            if (pid < 0) {
                perror("first_touch: fork");
                return 1;
            }
            if (pid == 0) {
                double prep = 0;
                if (h == 1) {
                    double t0 = now();
#ifdef MADV_POPULATE_WRITE
                    if (madvise(buf, len, MADV_POPULATE_WRITE) != 0)
                        perror("first_touch: MADV_POPULATE_WRITE");
#endif
                    prep = (now() - t0) * 1e3;
                } else if (h == 2) {
                    prep = read_pages(buf, len, page);
                }
                double a = write_pass(buf, len), b = write_pass(buf, len);
                printf("child, %-8s: before %7.2f ms; first write pass %7.2f ms, second %6.2f ms\n",
                       how[h], prep, a, b);
                fflush(stdout);
                _exit(0);
            }
            int status;
            if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return 1;
        }
    return 0;
}
