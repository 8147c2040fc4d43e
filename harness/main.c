/* parbench: run CPU-bound kernels under several execution models and report
 * how their speed scales with the number of cores. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "buildinfo.h"
#include "cmd.h"
#include "pb.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: parbench COMMAND [OPTIONS]\n"
            "\n"
            "Run CPU-bound kernels (prime counting, divisor counting, Gaussian blur) under\n"
            "several execution models on 1..N cores, validate every run, and write results.\n"
            "\n"
            "commands:\n"
            "  list      kernels and modes with their parameters, traits and options\n"
            "  run       time kernels x modes x worker counts; write results.json/.csv\n"
            "  topo      show the machine's topology and a worker placement plan\n"
            "  report    charts and report.md/.html from a results directory\n"
            "  compare   ratio tables and overlay charts of two or more results directories\n"
            "  probe     calibrate the machine: pipes, fork, futex, threads, core-to-core\n"
            "            latency, memory bandwidth, clock under load; write probe.json\n"
            "\n"
            "  parbench COMMAND --help   shows a command's options\n"
            "  parbench --version        prints the version and git revision\n"
            "\n"
            "exit status:\n"
            "  0    everything ran and validated\n"
            "  1    a configuration failed (worker crashed or hung, I/O error)\n"
            "  2    bad command line or input\n"
            "  3    a run's output failed validation\n"
            "  4    a resource is missing (mode compiled out, binding unsupported, too\n"
            "       little memory or too few processes allowed for the run)\n"
            "  130  interrupted by SIGINT (143: SIGTERM); finished results are kept\n");
}

static void on_signal(int sig)
{
    int saved = errno;   /* the interrupted code may be about to read errno */
    pb_stop_signal = sig;
    errno = saved;
}

int main(int argc, char **argv)
{
    /* No SA_RESTART: a blocking wait returns EINTR so the harness notices at once. */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A worker that dies mid-write must not kill the harness. */
    signal(SIGPIPE, SIG_IGN);

    if (argc < 2) {
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return PB_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("parbench %s (%s, %s %s)\n", PB_VERSION, PB_GIT_REV, PB_COMPILER, PB_BUILD_TYPE);
        return PB_EXIT_OK;
    }
    if (strcmp(cmd, "list") == 0)
        return pb_cmd_list(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return pb_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "topo") == 0)
        return pb_cmd_topo(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return pb_cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return pb_cmd_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "probe") == 0)
        return pb_cmd_probe(argc - 1, argv + 1);
    pb_error("unknown command '%s' (try 'parbench --help')", cmd);
    return PB_EXIT_USAGE;
}
