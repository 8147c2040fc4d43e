/* The report's "Where the workers ran" section: for configurations whose
 * workers ran on other hosts (mpi ranks) or whose mode recorded facts (the
 * mpirun mapping, the pipe size, the interpreter), each worker's host and CPU
 * and the mode's facts, as results.json records them. */
#ifndef PB_REPORT_HOSTS_H
#define PB_REPORT_HOSTS_H

#include "doc.h"
#include "resultsfile.h"

/* Nothing is written when no record has a host or a mode fact. */
void pb_report_hosts(struct pb_doc *d, const struct pb_rfile *rf);
/* Whether pb_report_hosts writes anything (for the contents list). */
bool pb_report_hosts_any(const struct pb_rfile *rf);

#endif
