/* Findings about the Python series of a section (findings-python.c): each Python
 * model's speedup over its interpreter's py-serial, C against Python at the same
 * worker count, and interpreter against interpreter (--python twice), each with
 * its medians, CIs and test (pb_findings_differ). */
#ifndef PB_FINDINGS_PYTHON_H
#define PB_FINDINGS_PYTHON_H

#include "findings.h"

/* Add the section's Python findings to `f` (nothing when it has no Python series);
 * `name` names the section.  Out of memory sets f->oom. */
void pb_findings_python(struct pb_findings *f, const char *name, const struct pb_section *sec);

#endif
