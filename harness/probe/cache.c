/* The calibration `parbench run` uses for its breakdowns: found in a cache
 * keyed by machine and build, or measured now with the quick probes it needs. */
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "pb.h"
#include "probe.h"
#include "sysinfo.h"

#define CACHE_MAX_BYTES (64u << 20)   /* a probe.json larger than this is not one */

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

void pb_probe_cache_key(const cJSON *system, char *buf, size_t len)
{
    snprintf(buf, len, "%s|%s|%.0f|%.0f|%s|%s|%s|%s|%s", str_of(system, "host"),
             str_of(system, "cpu_model"), pb_probe_num(system, "cores"),
             pb_probe_num(system, "pus"), str_of(system, "kernel"),
             str_of(system, "parbench_version"), str_of(system, "git_revision"),
             str_of(system, "build_type"), str_of(system, "cflags"));
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* Whether the file asked for `name` (then its figures or its reason to skip are there). */
static bool asked(const cJSON *root, const char *name, size_t n)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "method");
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(m, "probes"))
        if (cJSON_IsString(p) && strlen(p->valuestring) == n && strncmp(p->valuestring, name, n) == 0)
            return true;
    return false;
}

/* probe.json at `path` when it is one, of this key, with every probe the run needs. */
static cJSON *load_if_fits(const char *path, const char *key)
{
    if (!pb_is_file(path))
        return NULL;
    char err[PB_ERRLEN], k[2048];
    size_t len;
    char *text = pb_read_file(path, CACHE_MAX_BYTES, &len, err, sizeof err);
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    if (!root)
        return NULL;
    bool fits = pb_probe_num(root, "schema") == PB_PROBE_SCHEMA &&
                cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "figures"));
    pb_probe_cache_key(cJSON_GetObjectItemCaseSensitive(root, "system"), k, sizeof k);
    fits = fits && strcmp(k, key) == 0;
    for (const char *p = PB_PROBE_FOR_RUN; fits && *p;) {
        size_t n = strcspn(p, ",");
        fits = asked(root, p, n);
        p += n + (p[n] == ',');
    }
    if (!fits) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

cJSON *pb_probe_none(const char *why)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", "");
    cJSON_AddStringToObject(o, "why", why);
    return o;
}

/* The "probe" object: where it came from and every figure's median. */
static cJSON *summary(const cJSON *root, const char *file, const char *source)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", file);
    cJSON_AddStringToObject(o, "source", source);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "method");
    cJSON_AddBoolToObject(o, "quick", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "quick")));
    cJSON *figs = cJSON_AddObjectToObject(o, "figures");
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(root, "figures")) {
        double med = pb_probe_num(f, "median");
        const char *id = str_of(f, "id");
        if (*id && isfinite(med))
            cJSON_AddNumberToObject(figs, id, med);
    }
    cJSON *sk = cJSON_GetObjectItemCaseSensitive(root, "skipped");
    cJSON_AddItemToObject(o, "skipped", sk ? cJSON_Duplicate(sk, true) : cJSON_CreateArray());
    return o;
}

static int write_json(const char *path, const cJSON *root, char *err, size_t errlen)
{
    char *text = cJSON_Print(root);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = pb_write_text(path, text, err, errlen);
    free(text);
    return rc;
}

cJSON *pb_probe_for_run(struct pb_topo *t, const cJSON *system, const char *outdir)
{
    char key[2048], err[PB_ERRLEN], cache[4096], name[64];
    char here[PB_PATH_MAX], shared[PB_PATH_MAX], keyed[PB_PATH_MAX];
    pb_probe_cache_key(system, key, sizeof key);
    const char *env = getenv("PARBENCH_PROBE_CACHE");
    if (env && *env) {
        snprintf(cache, sizeof cache, "%s", env);
    } else {
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", outdir);
        snprintf(cache, sizeof cache, "%s", dirname(copy));
    }
    snprintf(name, sizeof name, "probe-%016" PRIx64 ".json", fnv1a(key));
    if (pb_path_join(here, outdir, "probe.json", err, sizeof err) != 0 ||
        pb_path_join(shared, cache, "probe.json", err, sizeof err) != 0 ||
        pb_path_join(keyed, cache, name, err, sizeof err) != 0)
        return pb_probe_none(err);

    const char *cands[] = {here, shared, keyed};
    cJSON *root = NULL;
    const char *source = "measured";
    for (size_t i = 0; i < 3 && !root; i++)
        if ((root = load_if_fits(cands[i], key)) != NULL)
            source = cands[i];
    if (!root) {
        pb_info("calibrating for the breakdown (parbench probe --quick --only %s)",
                PB_PROBE_FOR_RUN);
        struct pb_probe_opts po = {.quick = true, .only = PB_PROBE_FOR_RUN};
        if (pb_probe_run(t, &po, 0, NULL, &root, err, sizeof err) != 0) {
            char why[PB_ERRLEN + 32];
            snprintf(why, sizeof why, "the probe failed: %s", err);
            pb_warn("no breakdown costs from the probe: %s", err);
            return pb_probe_none(why);
        }
        /* The cache is a convenience: a directory we cannot write only costs
         * the next run the same calibration. */
        if (pb_mkdir_p(cache, err, sizeof err) != 0 || write_json(keyed, root, err, sizeof err) != 0)
            pb_warn("probe cache not written: %s", err);
    }
    cJSON *o = summary(root, "probe.json", source);
    if (source != cands[0] && write_json(here, root, err, sizeof err) != 0) {
        pb_warn("%s", err);
        cJSON_ReplaceItemInObjectCaseSensitive(o, "file", cJSON_CreateString(""));
    }
    cJSON_Delete(root);
    return o;
}
