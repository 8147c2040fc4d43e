/* Kernel parameters: presets per size, `--set` overrides, strict parsing. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

static const char *const size_names[PB_SIZE_COUNT] = {"tiny", "small", "medium", "large"};

const char *pb_size_name(enum pb_size s)
{
    return (unsigned)s < PB_SIZE_COUNT ? size_names[s] : "?";
}

int pb_size_parse(const char *text, enum pb_size *out)
{
    for (int i = 0; i < PB_SIZE_COUNT; i++)
        if (strcmp(text, size_names[i]) == 0) {
            *out = (enum pb_size)i;
            return 0;
        }
    return -1;
}

int pb_param_index(const struct pb_kernel *k, const char *name)
{
    for (size_t i = 0; i < k->nparams; i++)
        if (strcmp(k->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Parse one value by its definition; the text must be a whole number or a
 * finite decimal with nothing after it, inside [min, max]. */
static int parse_value(const struct pb_param_def *d, const char *text, struct pb_param_value *v,
                       const char *kname, char *err, size_t errlen)
{
    char *end = NULL;
    switch (d->type) {
    case PB_PARAM_U64: {
        if (text[0] < '0' || text[0] > '9')
            goto bad;
        errno = 0;
        unsigned long long u = strtoull(text, &end, 10);
        if (errno || *end != '\0')
            goto bad;
        if ((double)u < d->min || (double)u > d->max) {
            snprintf(err, errlen, "%s.%s=%s is out of range [%.0f, %.0f]", kname, d->name, text,
                     d->min, d->max);
            return -1;
        }
        v->u = u;
        v->d = (double)u;
        return 0;
    }
    case PB_PARAM_DOUBLE: {
        errno = 0;
        double x = strtod(text, &end);
        if (errno || end == text || *end != '\0' || !isfinite(x))
            goto bad;
        if (x < d->min || x > d->max) {
            snprintf(err, errlen, "%s.%s=%s is out of range [%g, %g]", kname, d->name, text,
                     d->min, d->max);
            return -1;
        }
        v->d = x;
        return 0;
    }
    case PB_PARAM_STRING:
        return 0;
    }
bad:
    snprintf(err, errlen, "%s.%s=%s is not a valid %s", kname, d->name, text,
             d->type == PB_PARAM_U64 ? "whole number" : "number");
    return -1;
}

int pb_params_set(struct pb_params *p, const struct pb_kernel *k, const char *name,
                  const char *value, char *err, size_t errlen)
{
    int i = pb_param_index(k, name);
    if (i < 0) {
        snprintf(err, errlen, "unknown parameter '%s.%s' (see 'parbench list')", k->name, name);
        return -1;
    }
    const struct pb_param_def *d = &k->params[i];
    if (strlen(value) >= sizeof p->text[i]) {
        snprintf(err, errlen, "%s.%s: value is longer than %zu characters", k->name, name,
                 sizeof p->text[i] - 1);
        return -1;
    }
    struct pb_param_value v = {0};
    if (parse_value(d, value, &v, k->name, err, errlen) != 0)
        return -1;
    strcpy(p->text[i], value);
    v.s = p->text[i];
    p->v[i] = v;
    return 0;
}

int pb_params_init(struct pb_params *p, const struct pb_kernel *k, enum pb_size size,
                   char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->size = size;
    if (k->nparams > PB_PARAMS_MAX) {
        snprintf(err, errlen, "kernel %s declares too many parameters", k->name);
        return -1;
    }
    for (size_t i = 0; i < k->nparams; i++) {
        const char *text = k->params[i].preset[size];
        if (text == NULL)
            text = "";
        if (pb_params_set(p, k, k->params[i].name, text, err, errlen) != 0)
            return -1;
    }
    return 0;
}
