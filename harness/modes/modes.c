/* The mode registry, expanded from modes.def. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mode.h"

#define PB_MODE(name) extern const struct pb_mode pb_mode_##name;
#include "modes.def"
#undef PB_MODE

const struct pb_mode *const pb_modes[] = {
#define PB_MODE(name) &pb_mode_##name,
#include "modes.def"
#undef PB_MODE
};

const size_t pb_nmodes = sizeof pb_modes / sizeof pb_modes[0];

const struct pb_mode *pb_mode_find(const char *name)
{
    /* "py-pool@3.13.1t", a variant made at run time (--python), is its base mode's. */
    size_t len = strcspn(name, "@");
    for (size_t i = 0; i < pb_nmodes; i++)
        if (strncmp(pb_modes[i]->name, name, len) == 0 && pb_modes[i]->name[len] == '\0')
            return pb_modes[i];
    return NULL;
}

const struct pb_mode *pb_mode_baseline(enum pb_runtime runtime)
{
    for (size_t i = 0; i < pb_nmodes; i++)
        if (pb_modes[i]->single_worker && pb_modes[i]->runtime == runtime)
            return pb_modes[i];
    return NULL;
}

static const char *const sched_names[] = {"static", "dynamic", "guided"};

const char *pb_schedule_name(enum pb_schedule s)
{
    return (unsigned)s < 3 ? sched_names[s] : "?";
}

int pb_schedule_parse(const char *text, enum pb_schedule *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(text, sched_names[i]) == 0) {
            *out = (enum pb_schedule)i;
            return 0;
        }
    return -1;
}

int pb_mode_option_index(const struct pb_mode *m, const char *name)
{
    for (size_t i = 0; i < m->noptions; i++)
        if (strcmp(m->options[i].name, name) == 0)
            return (int)i;
    return -1;
}

static const char *const kind_names[PB_WORKER_KINDS] = {"caller", "thread", "process", "rank"};
static const char *const output_names[PB_OUTPUT_PATHS] = {"in_place", "copied"};
static const char *const runtime_names[PB_RUNTIMES] = {"c", "python"};

static int parse_name(const char *const *names, int n, const char *text)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], text) == 0)
            return i;
    return -1;
}

const char *pb_worker_kind_name(enum pb_worker_kind k)
{
    return (unsigned)k < PB_WORKER_KINDS ? kind_names[k] : "?";
}

const char *pb_output_path_name(enum pb_output_path p)
{
    return (unsigned)p < PB_OUTPUT_PATHS ? output_names[p] : "?";
}

const char *pb_runtime_name(enum pb_runtime r)
{
    return (unsigned)r < PB_RUNTIMES ? runtime_names[r] : "?";
}

int pb_worker_kind_parse(const char *name, enum pb_worker_kind *out)
{
    int i = parse_name(kind_names, PB_WORKER_KINDS, name);
    if (i < 0)
        return -1;
    *out = (enum pb_worker_kind)i;
    return 0;
}

int pb_output_path_parse(const char *name, enum pb_output_path *out)
{
    int i = parse_name(output_names, PB_OUTPUT_PATHS, name);
    if (i < 0)
        return -1;
    *out = (enum pb_output_path)i;
    return 0;
}

int pb_runtime_parse(const char *name, enum pb_runtime *out)
{
    int i = parse_name(runtime_names, PB_RUNTIMES, name);
    if (i < 0)
        return -1;
    *out = (enum pb_runtime)i;
    return 0;
}

void pb_facts_add(struct pb_facts *f, const char *name, const char *fmt, ...)
{
    if (f->n >= PB_FACTS_MAX)
        return;
    snprintf(f->f[f->n].name, sizeof f->f[f->n].name, "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->f[f->n].value, sizeof f->f[f->n].value, fmt, ap);
    va_end(ap);
    f->n++;
}
