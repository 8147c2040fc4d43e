/* The mode registry, expanded from modes.def. */
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
    for (size_t i = 0; i < pb_nmodes; i++)
        if (strcmp(pb_modes[i]->name, name) == 0)
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
