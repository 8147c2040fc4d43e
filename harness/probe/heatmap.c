/* The core-to-core heatmap: probe.json's c2c matrix written as gnuplot data
 * (c2c.dat, c2c.gpvars) and drawn by plots/c2c-heatmap.gp. */
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "gnuplot.h"
#include "pb.h"
#include "probe.h"
#include "textbuf.h"

/* Rows and columns the matrix may have: more is not a machine, it is a bad file. */
#define MAX_SIDE PB_PROBE_MAX_CPUS

/* The matrix as text, NaN where a cell is null.  Returns n, or 0 when the
 * block is not an n x n matrix of numbers and nulls over n >= 2 CPUs. */
static int matrix_text(const cJSON *c2c, struct pb_tb *dat, struct pb_tb *labels)
{
    const cJSON *cpus = cJSON_GetObjectItemCaseSensitive(c2c, "cpus");
    const cJSON *med = cJSON_GetObjectItemCaseSensitive(c2c, "median_ns");
    int n = cJSON_GetArraySize(cpus);
    if (!cJSON_IsArray(cpus) || !cJSON_IsArray(med) || n < 2 || n > MAX_SIDE ||
        cJSON_GetArraySize(med) != n)
        return 0;
    const cJSON *v;
    int i = 0;
    cJSON_ArrayForEach(v, cpus) {
        if (!cJSON_IsNumber(v))
            return 0;
        pb_tb_printf(labels, "%s%d", i++ ? ", " : "", v->valueint);
    }
    const cJSON *row;
    cJSON_ArrayForEach(row, med) {
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n)
            return 0;
        int k = 0;
        cJSON_ArrayForEach(v, row) {
            if (cJSON_IsNumber(v))
                pb_tb_printf(dat, "%s%.6g", k ? " " : "", v->valuedouble);
            else if (cJSON_IsNull(v))
                pb_tb_printf(dat, "%sNaN", k ? " " : "");
            else
                return 0;
            k++;
        }
        pb_tb_puts(dat, "\n");
    }
    return n;
}

static const char *system_text(const cJSON *root, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "system"), key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

int pb_probe_heatmap(const cJSON *root, const char *dir, const char *plots_override, char *err,
                     size_t errlen)
{
    const cJSON *c2c = cJSON_GetObjectItemCaseSensitive(root, "c2c");
    if (!c2c) {
        snprintf(err, errlen, "no core-to-core matrix (the c2c probe did not run)");
        return 1;
    }
    char plotsdir[4096], gnuplot[4096];
    int found = pb_plots_dir(plots_override, plotsdir, sizeof plotsdir, err, errlen);
    if (found != 0)
        return found;
    if (!pb_gnuplot_find(gnuplot, sizeof gnuplot)) {
        snprintf(err, errlen, "gnuplot is not installed (not in PATH; install gnuplot-nox)");
        return 1;
    }
    struct pb_tb dat = {0}, labels = {0}, vars = {0};
    int rc = -1;
    int n = matrix_text(c2c, &dat, &labels);
    if (n == 0) {
        snprintf(err, errlen, "c2c: not an n x n matrix (n >= 2) of numbers and nulls with its "
                              "list of cpus");
        goto out;
    }
    char machine[512];
    const char *model = system_text(root, "cpu_model"), *host = system_text(root, "host");
    snprintf(machine, sizeof machine, "%s%s%s, %d CPUs", host, *host && *model ? ", " : "",
             model, n);
    pb_tb_puts(&vars, "datafile = 'c2c.dat'\n");
    pb_tb_printf(&vars, "ncpu = %d\n", n);
    pb_tb_printf(&vars, "array cpu[%d] = [%s]\n", n, pb_tb_str(&labels));
    /* About 32 labels per axis at most. */
    pb_tb_printf(&vars, "tickstep = %d\n", n <= 32 ? 1 : (n + 31) / 32);
    pb_tb_puts(&vars, "subject = ");
    pb_tb_gpstr(&vars, "core-to-core cache-line latency (CAS ping-pong, one way)");
    pb_tb_puts(&vars, "\nmachine = ");
    pb_tb_gpstr(&vars, machine);
    pb_tb_puts(&vars, "\n");
    if (dat.oom || labels.oom || vars.oom) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    char path[PB_PATH_MAX];
    if (pb_path_join(path, dir, "c2c.dat", err, errlen) != 0 ||
        pb_write_text(path, pb_tb_str(&dat), err, errlen) != 0)
        goto out;
    if (pb_path_join(path, dir, "c2c.gpvars", err, errlen) != 0 ||
        pb_write_text(path, pb_tb_str(&vars), err, errlen) != 0)
        goto out;
    if (pb_gnuplot_render(gnuplot, plotsdir, "c2c-heatmap", dir, "c2c.gpvars", "c2c-heatmap", err,
                          errlen) != 0)
        goto out;
    rc = 0;
out:
    pb_tb_free(&dat);
    pb_tb_free(&labels);
    pb_tb_free(&vars);
    return rc;
}
