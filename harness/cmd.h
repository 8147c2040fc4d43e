/* The subcommands of `parbench`.  Each takes argv with argv[0] = its name and
 * returns the process exit status (enum pb_exit). */
#ifndef PB_CMD_H
#define PB_CMD_H

int pb_cmd_list(int argc, char **argv);
int pb_cmd_run(int argc, char **argv);
int pb_cmd_topo(int argc, char **argv);
int pb_cmd_report(int argc, char **argv);
int pb_cmd_compare(int argc, char **argv);
int pb_cmd_probe(int argc, char **argv);

#endif
