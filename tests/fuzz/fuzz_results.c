/* Fuzz target: reading a results.json (what report and compare trust). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resultsfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The loader takes a path, so each input goes through one file in a private directory. */
static char path[256], dir[64];

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (path[0] == '\0') {
        snprintf(dir, sizeof dir, "/tmp/pb-fuzz.XXXXXX");
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/results.json", dir);
        atexit(cleanup);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    struct pb_rfile rf;
    char err[1024];
    if (pb_rfile_load(&rf, path, err, sizeof err) == 0)
        pb_rfile_free(&rf);
    return 0;
}
