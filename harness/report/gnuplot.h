/* Finding the plot scripts and gnuplot, and running one script to render a
 * chart as SVG and PNG.  gnuplot is run with fork/exec (no shell): every
 * string it needs comes from the .gpvars file, so no name can be mis-quoted. */
#ifndef PB_GNUPLOT_H
#define PB_GNUPLOT_H

#include <stdbool.h>
#include <stddef.h>

/* The directory holding speedup.gp: `override` when given (an error if it
 * lacks the scripts), else the installed scripts relative to the executable
 * (DIR_OF_EXE/../share/parbench/plots with the default layout), else, for a
 * binary still in its build directory only, the source tree's plots/.
 * Returns 0, 1 when not found (err says where it looked), -1 when `override`
 * is wrong. */
int pb_plots_dir(const char *override, char *buf, size_t len, char *err, size_t errlen);

/* The path of the gnuplot executable in PATH; false when there is none. */
bool pb_gnuplot_find(char *buf, size_t len);

/* In `workdir`, run `gnuplot -c PLOTSDIR/SCRIPT.gp VARS .OUT.tmp` and rename
 * the .OUT.tmp.svg/.png it writes to OUT.svg/OUT.png.  Returns 0, or -1 with
 * `err` holding gnuplot's last error line. */
int pb_gnuplot_render(const char *gnuplot, const char *plotsdir, const char *script,
                      const char *workdir, const char *vars, const char *out, char *err,
                      size_t errlen);

#endif
