/* The report's "Machine" section: everything the results' system block says
 * about the hardware and the build, in one key/value table, then the topology
 * picture. */
#ifndef PB_REPORT_MACHINE_H
#define PB_REPORT_MACHINE_H

#include "doc.h"
#include "resultsfile.h"

void pb_report_machine(struct pb_doc *d, const struct pb_rfile *rf);

#endif
