/* The kernel registry, expanded from kernels.def so adding a kernel is one line there. */
#include <string.h>

#include "kernel.h"

#define PB_KERNEL(name) extern const struct pb_kernel pb_kernel_##name;
#include "kernels.def"
#undef PB_KERNEL

const struct pb_kernel *const pb_kernels[] = {
#define PB_KERNEL(name) &pb_kernel_##name,
#include "kernels.def"
#undef PB_KERNEL
};

const size_t pb_nkernels = sizeof pb_kernels / sizeof pb_kernels[0];

const struct pb_kernel *pb_kernel_find(const char *name)
{
    for (size_t i = 0; i < pb_nkernels; i++)
        if (strcmp(pb_kernels[i]->name, name) == 0)
            return pb_kernels[i];
    return NULL;
}
