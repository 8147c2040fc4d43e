/* The machine and build a results file was measured on. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "buildinfo.h"
#include "machine.h"
#include "sysinfo.h"

extern char **environ;

void pb_hostname(char *buf, size_t len)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
        snprintf(host, sizeof host, "unknown");
    /* Keep it to characters that are safe in a directory name. */
    size_t j = 0;
    for (size_t i = 0; host[i] && j + 1 < len; i++)
        buf[j++] = isalnum((unsigned char)host[i]) || host[i] == '-' || host[i] == '.' ? host[i] : '_';
    buf[j] = '\0';
}

/* PRETTY_NAME from /etc/os-release, "" when unreadable. */
static void os_name(char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen("/etc/os-release", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "PRETTY_NAME=", 12) != 0)
            continue;
        char *v = line + 12;
        v[strcspn(v, "\n")] = '\0';
        if (*v == '"') {
            v++;
            char *q = strrchr(v, '"');
            if (q)
                *q = '\0';
        }
        snprintf(buf, len, "%s", v);
        break;
    }
    fclose(f);
}

cJSON *pb_sysinfo(const struct pb_topo *t, int argc, char **argv)
{
    cJSON *s = cJSON_CreateObject();
    char buf[512];

    char host[256];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    cJSON_AddStringToObject(s, "host", host);
    pb_run_id(host, buf, sizeof buf);
    cJSON_AddStringToObject(s, "run_id", buf);

    struct pb_topo_summary ts;
    pb_topo_summary(t, &ts);
    /* hwloc copies CPUID's brand string with its padding: drop the blanks. */
    size_t n = strlen(ts.cpu_model);
    while (n && isspace((unsigned char)ts.cpu_model[n - 1]))
        ts.cpu_model[--n] = '\0';
    cJSON_AddStringToObject(s, "cpu_model", ts.cpu_model);
    cJSON_AddNumberToObject(s, "packages", ts.packages);
    cJSON_AddNumberToObject(s, "numa_nodes", ts.numa_nodes);
    cJSON_AddNumberToObject(s, "l3_domains", ts.l3_domains);
    cJSON_AddNumberToObject(s, "cores", ts.cores);
    cJSON_AddNumberToObject(s, "pus", ts.pus);
    cJSON_AddNumberToObject(s, "smt", ts.smt);
    cJSON_AddNumberToObject(s, "l1d_bytes", (double)ts.l1d_bytes);
    cJSON_AddNumberToObject(s, "l2_bytes", (double)ts.l2_bytes);
    cJSON_AddNumberToObject(s, "l3_bytes", (double)ts.l3_bytes);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    cJSON_AddNumberToObject(s, "memory_bytes", pages > 0 && page > 0 ? (double)pages * (double)page : 0);
    pb_machine_add(s, t);

    os_name(buf, sizeof buf);
    cJSON_AddStringToObject(s, "os", buf);
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(buf, sizeof buf, "%s %s %s", u.sysname, u.release, u.machine);
        cJSON_AddStringToObject(s, "kernel", buf);
    }
    cJSON_AddStringToObject(s, "compiler", PB_COMPILER);
    cJSON_AddStringToObject(s, "build_type", PB_BUILD_TYPE);
    cJSON_AddStringToObject(s, "cflags", PB_BUILD_FLAGS);
    cJSON_AddStringToObject(s, "parbench_version", PB_VERSION);
    cJSON_AddStringToObject(s, "git_revision", PB_GIT_REV);

    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
    cJSON_AddStringToObject(s, "start_time", buf);

    cJSON *cmd = cJSON_AddArrayToObject(s, "command_line");
    cJSON_AddItemToArray(cmd, cJSON_CreateString("parbench"));
    for (int i = 0; i < argc; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));

    /* OpenMP's own settings change what the openmp mode does: record them. */
    cJSON *omp = cJSON_AddObjectToObject(s, "omp_env");
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "OMP_", 4) != 0 && strncmp(*e, "GOMP_", 5) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq || (size_t)(eq - *e) >= sizeof buf)
            continue;
        memcpy(buf, *e, (size_t)(eq - *e));
        buf[eq - *e] = '\0';
        cJSON_AddStringToObject(omp, buf, eq + 1);
    }
    return s;
}
