/* Worker placement from the hwloc topology: which cpuset each worker is bound to. */
#ifndef PB_PLACEMENT_H
#define PB_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* none: the OS decides; core: one worker per physical core, bound to all of
 * its PUs; pu: one worker per hardware thread, bound to that PU alone. */
enum pb_bind { PB_BIND_NONE, PB_BIND_CORE, PB_BIND_PU };
/* compact: topology order, filling a core, an L3 and a package before the
 * next; scatter: spread over packages, NUMA nodes, L3s and cores (with pu,
 * every core gets a worker before any SMT sibling does). */
enum pb_policy { PB_POLICY_COMPACT, PB_POLICY_SCATTER };
/* Where a bound plan asks each worker's share of memory to live: none: where
 * it is first touched (the kernel's default); local: on the NUMA node of the
 * worker's cpuset; interleave: page by page over the nodes of all workers. */
enum pb_membind { PB_MEMBIND_NONE, PB_MEMBIND_LOCAL, PB_MEMBIND_INTERLEAVE };

struct pb_place_opts {
    enum pb_bind bind;          /* default PB_BIND_CORE */
    enum pb_policy policy;      /* default PB_POLICY_COMPACT */
    const char *cpus;           /* explicit OS-index list "0,2,4-7", or NULL */
    bool oversubscribe;         /* wrap around when workers exceed the granularity */
    const char *kinds;          /* which CPU kinds, in what order (below); NULL = "all" */
    enum pb_membind membind;    /* default PB_MEMBIND_NONE */
};

/* The --kinds choice, for `run --help` and `topo --help`:
 *   all       every core, the fastest kind first (default)
 *   fastest   only the fastest kind; slowest: only the slowest
 *   any       ignore kinds: topology order, as on a machine without kinds
 *   K1[,K2]   only the kinds named (as `parbench topo` lists them: hwloc's
 *             CoreType such as IntelCore / IntelAtom, else kind0, kind1, ...
 *             with kind0 the slowest), filled in the order written.
 *   each      the worker ladder once per kind, fastest kind first: `parbench
 *             run` expands it (pb_kinds_expand) into one choice per kind, each
 *             with its own ladder (-w auto / all count that kind's cores); a
 *             single plan cannot be made with it.
 * Within each kind, --policy compact or scatter applies; with --bind pu and
 * scatter, every core of every chosen kind gets a worker before an SMT sibling. */

struct pb_topo;        /* a loaded hwloc topology (this machine, synthetic or XML) */
struct pb_placement;   /* one cpuset per worker */

/* Load this machine (synthetic == xml == NULL), a synthetic description or an
 * XML file.  Returns 0, or -1 with `err` (naming --synthetic or --xml when
 * the description or file is at fault). */
int pb_topo_load(struct pb_topo **t, const char *synthetic, const char *xml, char *err,
                 size_t errlen);
void pb_topo_free(struct pb_topo *t);
bool pb_topo_is_this_system(const struct pb_topo *t);
/* Physical cores (PUs when hwloc knows no cores), and hardware threads. */
unsigned pb_topo_cores(const struct pb_topo *t);
unsigned pb_topo_pus(const struct pb_topo *t);
/* The underlying hwloc_topology_t, for sysinfo and topo printing. */
void *pb_topo_hwloc(const struct pb_topo *t);
/* Where the topology came from: "this system", "synthetic \"...\"" or "xml FILE". */
const char *pb_topo_source(const struct pb_topo *t);
/* True when plans from `t` can bind: this machine, and hwloc can bind threads
 * and processes here.  When false, `why` (may be NULL) says why. */
bool pb_topo_can_bind(const struct pb_topo *t, char *why, size_t len);

/* The machine in numbers, for `parbench topo` and the results header. */
struct pb_topo_summary {
    unsigned packages;
    unsigned numa_nodes;
    unsigned l3_domains;        /* L3 cache instances; 0 when there is no L3 */
    unsigned cores;             /* physical cores (PUs when hwloc knows no cores) */
    unsigned pus;               /* hardware threads */
    unsigned smt;               /* PUs per core (the most in any core) */
    uint64_t l1d_bytes;         /* one instance of each cache; 0 if unknown */
    uint64_t l2_bytes;
    uint64_t l3_bytes;
    char cpu_model[128];        /* the first package's CPUModel info, "" if none */
};
void pb_topo_summary(const struct pb_topo *t, struct pb_topo_summary *s);

/* The worker counts a sweep uses.  all == 0 (`-w auto`): 1, 2, 4, ... below
 * the number of cores, then the cores, then the PUs when there is SMT.
 * all != 0 (`-w all`): every count 1..cores.  Writes at most `max` counts
 * and returns how many it wrote. */
size_t pb_topo_ladder(const struct pb_topo *t, int all, unsigned *out, size_t max);
/* The same ladder over the cores and PUs a plan with `o` may use: with
 * --kinds fastest on 8 P-cores + 16 E-cores, 1 2 4 8 16 (P-cores, their PUs).
 * An explicit --cpus list or an unknown kind falls back to pb_topo_ladder()
 * (making the plan then reports the error). */
size_t pb_topo_ladder_for(const struct pb_topo *t, const struct pb_place_opts *o, int all,
                          unsigned *out, size_t max);

/* CPU kinds (hybrid machines: P/E cores, big.LITTLE), fastest first.  0 when
 * hwloc reports fewer than two kinds: all cores alike, and kinds are not named. */
unsigned pb_topo_nkinds(const struct pb_topo *t);
/* Kind k (0 = fastest): its name, hwloc efficiency rank (-1 unknown), its CPUs
 * as an OS-index list, its cores and PUs, and hwloc's infos as "Name=Value ...". */
const char *pb_topo_kind_name(const struct pb_topo *t, unsigned k);
int pb_topo_kind_efficiency(const struct pb_topo *t, unsigned k);
void pb_topo_kind_cpus(const struct pb_topo *t, unsigned k, char *buf, size_t len);
unsigned pb_topo_kind_cores(const struct pb_topo *t, unsigned k);
unsigned pb_topo_kind_pus(const struct pb_topo *t, unsigned k);
const char *pb_topo_kind_infos(const struct pb_topo *t, unsigned k);
/* The SMT sibling sets, one OS-index list per core with more than one PU,
 * separated by spaces ("0-1 2-3 ..."); "none" without SMT.  Truncated to len. */
void pb_topo_smt_siblings(const struct pb_topo *t, char *buf, size_t len);

/* Save the topology as hwloc XML (written atomically).  Returns 0, or -1 with `err`. */
int pb_topo_export_xml(const struct pb_topo *t, const char *path, char *err, size_t errlen);

/* Draw the topology with lstopo-no-graphics or lstopo (whichever is in PATH
 * and can write the format the extension of `path` names: .svg, .png, .pdf,
 * .ps, .fig, .tikz, .txt, .xml; svg when there is no extension).  Returns 0;
 * 1 when no lstopo that can write that format is installed (callers may skip
 * quietly); 2 when the extension names no format lstopo writes; -1 when
 * lstopo failed.  Each failure fills `err`. */
int pb_topo_draw(const struct pb_topo *t, const char *path, char *err, size_t errlen);

/* Plan `workers` workers.  With PB_BIND_NONE and no cpus the plan binds nothing
 * but still exists (so records say "none").  With `cpus`, worker i is bound to
 * the i-th listed CPU alone (bind and policy are then ignored, except that
 * PB_BIND_NONE with a list is an error).  The plan keeps a pointer to `t`,
 * which must outlive it.  Returns 0, or -1 with `err`. */
int pb_placement_make(struct pb_placement **pl, struct pb_topo *t, unsigned workers,
                      const struct pb_place_opts *o, char *err, size_t errlen);
void pb_placement_free(struct pb_placement *pl);

unsigned pb_placement_workers(const struct pb_placement *pl);
bool pb_placement_binds(const struct pb_placement *pl);
bool pb_placement_oversubscribed(const struct pb_placement *pl);
/* How the plan was made: the granularity, the policy, and the explicit list
 * (NULL when the plan came from bind + policy). */
enum pb_bind pb_placement_bind_kind(const struct pb_placement *pl);
enum pb_policy pb_placement_policy(const struct pb_placement *pl);
const char *pb_placement_cpus(const struct pb_placement *pl);
/* Worker w's planned cpuset as an OS-index list ("3", "0-1"); "" when unbound. */
void pb_placement_cpuset_text(const struct pb_placement *pl, unsigned w, char *buf, size_t len);
/* True when OS CPU `cpu` is inside worker w's cpuset (always true when unbound;
 * false for cpu < 0 or a worker outside a binding plan). */
bool pb_placement_has_cpu(const struct pb_placement *pl, unsigned w, int cpu);
/* Where worker w's cpuset lies, by hwloc logical index: "package 0, numa 1,
 * core 9" ("package 0, numa 1, l3 2, core 9" on machines with an L3; a level
 * the machine lacks is left out); "unbound" when unbound. */
void pb_placement_where(const struct pb_placement *pl, unsigned w, char *buf, size_t len);

/* The --kinds choice the plan was made with ("all" when none was given), and
 * the memory binding it asks for. */
const char *pb_placement_kinds(const struct pb_placement *pl);
enum pb_membind pb_placement_membind(const struct pb_placement *pl);
/* Worker w's CPU kind: the index in pb_topo_kind_*() (0 = fastest), or -1 when
 * the machine reports no kinds, the plan does not bind, or the cpuset is not
 * inside one kind.  kind_name: that kind's name, "" for -1. */
int pb_placement_kind(const struct pb_placement *pl, unsigned w);
/* True when the plan binds by CPU kind: it binds, the machine reports kinds,
 * and --kinds is not "any" (so topology order, as mpirun's --map-by knows it,
 * is not the plan's order). */
bool pb_placement_by_kind(const struct pb_placement *pl);
const char *pb_placement_kind_name(const struct pb_placement *pl, unsigned w);
/* The capacity the plan gives, in units of one reference worker: the sum over
 * workers of rates[kind of the worker] / ref_rate, where rates[k] is the
 * measured 1-worker throughput on kind k (nrates entries, fastest kind first)
 * and ref_rate the 1-worker throughput that p-times counts as one (the ladder's
 * 1-worker run).  Each worker counts as a whole core of its kind, SMT
 * siblings included (the SMT yield shows what siblings really add).  On a
 * machine without kinds it is the worker count.  NAN when ref_rate is not
 * positive, a worker's kind has no positive rate, or the plan does not bind
 * on a machine with kinds (the OS chooses the cores). */
double pb_placement_capacity(const struct pb_placement *pl, const double *rates, unsigned nrates,
                             double ref_rate);

/* The two plans of an SMT yield measurement, both `workers` workers bound one
 * per PU on cores that have SMT (of the kinds o->kinds chooses, placed by
 * o->policy): *spread on `workers` cores, the first PU of each; *packed on
 * workers/2 cores, both first PUs of each (worker 2i and 2i+1 are siblings).
 * o->bind, o->cpus and o->oversubscribe are not used (cpus must be NULL).
 * Fails when the machine has no SMT, `workers` is odd or below 2, or fewer
 * than `workers` such cores exist.  Returns 0, or -1 with err. */
int pb_placement_make_smt_pair(struct pb_placement **spread, struct pb_placement **packed,
                               struct pb_topo *t, unsigned workers,
                               const struct pb_place_opts *o, char *err, size_t errlen);

/* NUMA node (hwloc logical index) holding worker w's cpuset; -1 when the plan
 * does not bind or the cpuset spans several nodes. */
int pb_placement_numa_node(const struct pb_placement *pl, unsigned w);
/* Where the plan asks worker w's memory to go, by hwloc logical index: "numa 1"
 * (local), "numa 0-3 interleaved"; "" for membind none or an unbound plan. */
void pb_placement_memory_text(const struct pb_placement *pl, unsigned w, char *buf, size_t len);
/* Place the whole pages inside [addr, addr + len) — worker w's share — as the
 * plan's membind says, moving pages already touched (a page straddling the
 * share's ends is left alone, so it cannot be taken from a neighbour's share).
 * membind_thread sets the calling thread's memory policy the same way, for
 * buffers the worker first-touches itself.  No-ops returning 0 for membind none
 * and plans that do not bind; a plan for another machine fails like binding.
 * Returns 0, or -1 with err naming the hwloc call, the nodes and the cause. */
int pb_placement_membind_area(const struct pb_placement *pl, unsigned w, void *addr, size_t len,
                              char *err, size_t errlen);
int pb_placement_membind_thread(const struct pb_placement *pl, unsigned w, char *err,
                                size_t errlen);
/* The same for memory private to the calling process (a forked worker's
 * buffer): every page [addr, addr + len) overlaps, ends included.  Needed
 * because a malloc in a forked child may reuse heap pages inherited from the
 * parent, and a page the parent wrote after the fork is the child's alone
 * and is not copied on the child's write, so it stays on the parent's node
 * whatever the child's policy says; this moves it. */
int pb_placement_membind_private(const struct pb_placement *pl, unsigned w, void *addr,
                                 size_t len, char *err, size_t errlen);
/* Where the pages of [addr, addr + len) are now, as the kernel reports them
 * (move_pages(2) through hwloc_get_area_memlocation; every page overlapping the
 * range counts, pages never touched are left out): the NUMA node's hwloc
 * logical index when all are on one node, -1 when they are on several, -2 when
 * none is present or this system cannot say (and for a plan of another
 * machine).  pl only supplies the topology; it need not bind. */
int pb_placement_area_node(const struct pb_placement *pl, const void *addr, size_t len);

/* Bind the calling thread / the calling process to worker w's cpuset.
 * A NULL or non-binding plan is a no-op returning 0.  A plan from a synthetic
 * or XML topology fails (it describes another machine).  bind_process is for
 * a forked child binding itself: the topology stays usable after fork().
 * Returns 0, or -1 with `err` naming the call and the cause. */
int pb_placement_bind_thread(const struct pb_placement *pl, unsigned w, char *err, size_t errlen);
int pb_placement_bind_process(const struct pb_placement *pl, unsigned w, char *err, size_t errlen);

const char *pb_bind_name(enum pb_bind b);
const char *pb_policy_name(enum pb_policy p);
int pb_bind_parse(const char *text, enum pb_bind *out);
int pb_policy_parse(const char *text, enum pb_policy *out);
const char *pb_membind_name(enum pb_membind m);
int pb_membind_parse(const char *text, enum pb_membind *out);
/* The syntax of a --kinds choice (names are checked against the machine when
 * a plan is made).  Returns 0, or -1 with err. */
int pb_kinds_check(const char *text, char *err, size_t errlen);
/* --kinds each (above): the choices it stands for, one per kind, fastest
 * first (the kinds' names, pointing into t); "all" alone on a machine without
 * kinds.  Any other choice stands for itself (NULL for "all").  Writes at most
 * max and returns how many. */
size_t pb_kinds_expand(const struct pb_topo *t, const char *kinds, const char **out, size_t max);
bool pb_kinds_is_each(const char *kinds);
/* One placement option by its long name ("kinds", "membind") with its value,
 * for the option loops of `run` and `topo`.  Returns 0, or -1 with err. */
int pb_place_opt_parse(struct pb_place_opts *o, const char *opt, const char *value, char *err,
                       size_t errlen);

#endif
