/* What differs between the inputs of a comparison, field by field, in six
 * aspects (machine, build, revision, parameters, method, conditions), and
 * which aspects the user declared as varying (--varies): a ratio between two
 * runs measures every difference between them at once, so compare names them
 * all and warns about those nobody asked for. */
#ifndef PB_COMPARE_DIFFERS_H
#define PB_COMPARE_DIFFERS_H

#include <stdbool.h>
#include <stddef.h>


struct pb_cmp_input;

enum pb_cmp_aspect {
    PB_CMP_MACHINE,      /* host, CPU, cores, memory, OS, clocks settings */
    PB_CMP_BUILD,        /* compiler, flags, OpenMP runtime, MPI */
    PB_CMP_REVISION,     /* parbench version and git revision */
    PB_CMP_PARAMETERS,   /* kernel parameters and size presets */
    PB_CMP_METHOD,       /* repetitions, precision target, warm-up, order, placement */
    PB_CMP_CONDITIONS,   /* the pre-flight: load, busy CPUs, quota, its warnings */
    PB_CMP_NASPECTS
};

#define PB_CMP_VALUE_MAX 256

struct pb_cmp_field {
    enum pb_cmp_aspect aspect;
    char name[64];
    char *shown;         /* ninputs values of PB_CMP_VALUE_MAX: what the table shows */
    char *key;           /* the same, as compared ("" when not recorded) */
    bool differs;
};

struct pb_cmp_differs {
    struct pb_cmp_field *f;
    size_t nf, ninputs;
    unsigned mask;       /* bit per aspect with a differing field */
};

/* "machine", "build", ... */
const char *pb_cmp_aspect_name(enum pb_cmp_aspect a);
/* The aspects named in a comma-separated list ("machine,build") or'ed into
 * *mask; -1 with err naming the unknown word. */
int pb_cmp_varies_parse(const char *list, unsigned *mask, char *err, size_t errlen);
/* "machine, revision and conditions" for the aspects in mask. */
void pb_cmp_aspects_text(unsigned mask, char *buf, size_t len);

/* Collect the fields of every input.  Returns 0, -1 when out of memory. */
int pb_cmp_differs_build(const struct pb_cmp_input *in, size_t n, struct pb_cmp_differs *out);
void pb_cmp_differs_free(struct pb_cmp_differs *d);
/* Input i's shown value of field f. */
const char *pb_cmp_value(const struct pb_cmp_differs *d, size_t f, size_t i);

#endif
