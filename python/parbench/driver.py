"""parbench's Python worker driver: one long-lived interpreter per Python mode
session, which runs the kernels' tasks under one of CPython's execution
models when parbench asks, and answers with timings.

Started by harness/modes/python.c as `python3 driver.py OUT_FD CTL_FD`, with two
inherited memfds: OUT_FD, the output array (task t's bytes at t * out_size,
validated by the C kernel's check), and CTL_FD, one 256-byte slot per worker
that workers fill with their statistics (SLOT below) and parbench reads after
each run -- also after a failure, to name the worker that was busy.

Protocol: one JSON object per line.  The driver first writes a hello
({"hello": ..., "version": ..., "free_threaded": ...}); then for each
{"cmd": "run", ...} on stdin it answers {"ok": true, "wall_s", "startup_s",
"cpu_s"} or {"ok": false, "error": "worker 1 (pid N) raised ..."}; to
{"cmd": "can", "kernel": ..., "params": ...} (the runs_kernel hook's question,
before a sweep) it answers {"ok": true} or {"ok": false, "why": "blur in Python
needs NumPy ..."}; "quit" (or the end of stdin) ends it.  A model that keeps workers (threads, pool,
executor, queue) keeps them while the configuration (model, kernel,
parameters, workers, cpusets) stays the same, so repetitions reuse them and
their creation is reported as startup_s of the configuration's runs.

Models (the mapping to the C modes is in the README):
  serial    a plain loop in the driver's main thread
  threads   ThreadPoolExecutor; every chunk written in place (shows the GIL)
  pool      multiprocessing.Pool (fork) .map over the chunks, chunksize=1;
            outputs pickled back and copied into place
  executor  concurrent.futures.ProcessPoolExecutor (fork), copied like pool
  shm       Processes forked per run sharing the output mapping (what
            shared_memory gives, without a /dev/shm name a killed run would
            leave behind) and a task counter (Value + Lock); in place
  process   a multiprocessing.Process per chunk, at most `workers` alive; each
            writes its chunk in place in the inherited mapping
  queue     JoinableQueue of chunk descriptors all workers take from and one
            result Queue they all put outputs on; task_done/join; copied
"""
import ctypes
import json
import math
import mmap
import multiprocessing
import multiprocessing.connection
import os
import signal
import struct
import sys
import sysconfig
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from parbench.kernels import Unavailable, load  # noqa: E402

SLOT_BYTES = 256
# pid, claim (first task of the chunk held + 1, 0 = none), busy_s, tasks, chunks,
# cpu_start, cpu_end, migrated, cpu_s; then an error text from ERR_AT.
SLOT = struct.Struct("=qqdqqqqqd")
ERR_AT, ERR_MAX = 128, 127
MODELS = ("serial", "threads", "pool", "executor", "shm", "process", "queue")
POLL_S = 0.05   # how often a waiting driver looks for a dead worker

_libc = ctypes.CDLL(None, use_errno=True)
FORK = multiprocessing.get_context("fork")


def cpu_now():
    return int(_libc.sched_getcpu())


def parse_cpus(text):
    """'0-2,5' -> {0, 1, 2, 5}; '' -> None (unbound)."""
    if not text:
        return None
    cpus = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def die_with_parent():
    """A worker process dies with the driver (PR_SET_PDEATHSIG), as C workers do."""
    _libc.prctl(1, signal.SIGKILL, 0, 0, 0)


class Worker:
    """What a worker (thread or process) knows: its index, cpuset, the kernel
    and the two mappings.  Module-level in worker processes (inherited by fork)."""

    def __init__(self, job, idx):
        self.job, self.idx = job, idx
        self.cpus = job.cpusets[idx] if idx < len(job.cpusets) else None

    def pin(self):
        if self.cpus is not None:
            os.sched_setaffinity(0, self.cpus)   # 0: the calling thread

    def slot(self):
        return SLOT.unpack_from(self.job.ctl, self.idx * SLOT_BYTES)

    def put_slot(self, *v):
        SLOT.pack_into(self.job.ctl, self.idx * SLOT_BYTES, *v)

    def fail_text(self, text):
        b = text.encode("utf-8", "replace")[:ERR_MAX] + b"\0"
        off = self.idx * SLOT_BYTES + ERR_AT
        self.job.ctl[off:off + len(b)] = b

    def fault(self, fault, task):
        if fault is None or fault[1] != self.idx or task < fault[2]:
            return
        kind = fault[0]
        if kind == "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif kind == "exit":
            os._exit(3)
        elif kind == "hang":
            while True:
                time.sleep(3600)
        elif kind == "raise":
            raise RuntimeError(f"injected fault at task {task}")

    def run_chunk(self, begin, end, fault, buf, base):
        """Run tasks [begin, end) into buf at (t - base) * out_size; returns nothing.
        An exception comes out as one naming the worker, its pid and the cause."""
        job = self.job
        pid, _, busy, tasks, chunks, c0, c1, mig, cpu = self.slot()
        self.put_slot(pid, begin + 1, busy, tasks, chunks, c0, c1, mig, cpu)
        t0, u0 = time.perf_counter(), time.thread_time()
        if tasks == 0:
            c0 = cpu_now()
        try:
            size = job.out_size
            for t in range(begin, end):
                self.fault(fault, t)
                job.kernel.run_into(buf, (t - base) * size, t)
        except Exception as e:
            text = f"worker {self.idx} (pid {os.getpid()}) raised {type(e).__name__}: {e}"
            self.fail_text(text)
            raise WorkerError(text) from None
        c1 = cpu_now()
        mig = int(mig or c1 != c0 or (self.cpus is not None and c1 not in self.cpus))
        self.put_slot(pid, 0, busy + time.perf_counter() - t0, tasks + end - begin, chunks + 1,
                      c0, c1, mig, cpu + time.thread_time() - u0)


class WorkerError(Exception):
    """A worker's failure, its message ready for parbench."""


class Job:
    """One configuration: the kernel, the mappings, the cpusets."""

    def __init__(self, cmd, out, ctl):
        self.model = cmd["model"]
        self.workers = int(cmd["workers"])
        self.cpusets = [parse_cpus(c) for c in cmd["cpusets"]]
        self.ntasks, self.out_size = int(cmd["ntasks"]), int(cmd["out_size"])
        # What the C kernel's code does that a Python version must follow (blur's FMA).
        ctx = {"code_path": cmd.get("code_path", ""), "c_fma": bool(cmd.get("c_fma"))}
        self.kernel = load(cmd["kernel"]).make(cmd["params"], self.ntasks, self.out_size, ctx)
        self.out, self.ctl = out, ctl
        self.key = json.dumps([cmd[k] for k in ("model", "kernel", "params", "ntasks", "out_size",
                                                "out_bytes", "workers", "cpusets")])


def chunks_of(ntasks, workers, schedule, chunk):
    """The schedule's chunks, in the order a queue hands them out (as schedule.c)."""
    if schedule == "static" and chunk == 0:
        return [(ntasks * w // workers, ntasks * (w + 1) // workers) for w in range(workers)
                if ntasks * w // workers < ntasks * (w + 1) // workers]
    c = max(chunk, 1)
    if schedule != "guided":
        return [(b, min(b + c, ntasks)) for b in range(0, ntasks, c)]
    out, start = [], 0
    while start < ntasks:
        left = ntasks - start
        q = min(max((left + workers - 1) // workers, c), left)
        out.append((start, start + q))
        start += q
    return out


# --- in worker processes -------------------------------------------------------------------

_me = None        # this process's Worker
_counter = None   # the initializers' index counter, for _wait_ready


def _proc_init(job, counter, ready):
    """Pool/executor/queue initializer: take an index, pin, say the pid."""
    global _me, _counter
    die_with_parent()
    _counter = counter
    with counter.get_lock():
        idx = counter.value
        counter.value += 1
    _me = Worker(job, idx)
    _me.pin()
    _me.put_slot(os.getpid(), 0, 0.0, 0, 0, -1, -1, 0, 0.0)
    ready.release()


def _proc_chunk(arg):
    """Pool/executor: one chunk's output bytes."""
    begin, end, fault = arg
    buf = bytearray((end - begin) * _me.job.out_size)
    _me.run_chunk(begin, end, fault, buf, begin)
    return begin, end, bytes(buf)


def _queue_main(job, counter, ready, tasks, results):
    _proc_init(job, counter, ready)
    while True:
        item = tasks.get()
        if item is None:
            tasks.task_done()
            return
        try:
            results.put(_proc_chunk(item))
        except WorkerError:
            os._exit(4)
        tasks.task_done()


def _exit_on_error(fn, *args):
    """Run a forked child's body; an exception leaves its text in the slot and status 4."""
    try:
        fn(*args)
    except WorkerError:
        os._exit(4)
    except BaseException as e:   # noqa: BLE001: anything else is a driver bug, said in words
        _me.fail_text(f"worker {_me.idx} (pid {os.getpid()}) failed: {type(e).__name__}: {e}")
        os._exit(4)
    os._exit(0)


def _shm_main(job, idx, ready, go, counter, chunks, fault, static):
    global _me
    die_with_parent()
    _me = Worker(job, idx)
    _me.pin()
    _me.put_slot(os.getpid(), 0, 0.0, 0, 0, -1, -1, 0, 0.0)
    ready.release()
    go.wait()

    def body():
        mine = chunks[idx::job.workers] if static else None
        k = 0
        while True:
            if static:
                if k >= len(mine):
                    return
                b, e = mine[k]
                k += 1
            else:
                with counter.get_lock():   # the Value's own Lock
                    n = counter.value
                    if n >= len(chunks):
                        return
                    counter.value = n + 1
                b, e = chunks[n]
            if b == e:
                continue
            _me.run_chunk(b, e, fault, job.out, 0)
    _exit_on_error(body)


def _process_main(job, slot, begin, end, fault):
    global _me
    die_with_parent()
    _me = Worker(job, slot)
    _me.pin()
    _, *rest = _me.slot()   # the slot's statistics so far, from its earlier chunks
    _me.put_slot(os.getpid(), *rest)
    _exit_on_error(_me.run_chunk, begin, end, fault, job.out, 0)


# --- in the driver -------------------------------------------------------------------------

def describe_exit(code):
    if code < 0:
        return f"killed by signal {-code} ({signal.strsignal(-code)})"
    return f"exited with status {code}"


class Session:
    """The configuration's workers, kept across runs of it."""

    def __init__(self, job):
        self.job, self.pool, self.procs, self.startup_s = job, None, [], 0.0
        self.tasks = self.results = None

    def slot_pid(self, pid):
        for i in range(self.job.workers):
            if SLOT.unpack_from(self.job.ctl, i * SLOT_BYTES)[0] == pid:
                return i
        return None

    def error_of(self, proc, idx=None):
        """The message for a worker process that ended: its own words, or how it ended."""
        idx = self.slot_pid(proc.pid) if idx is None else idx
        if idx is not None and proc.exitcode == 4:
            off = idx * SLOT_BYTES + ERR_AT
            text = bytes(self.job.ctl[off:off + ERR_MAX + 1]).split(b"\0")[0].decode()
            if text:
                return text
        who = f"worker {idx}" if idx is not None else "a worker"
        return f"{who} (pid {proc.pid}) {describe_exit(proc.exitcode)}"

    def check_dead(self):
        """Raise for a worker process that ended.  One that was terminated (SIGTERM) is
        named only when no other ended: ProcessPoolExecutor terminates the others
        after the first death, and the first is the one to name."""
        ended = [p for p in self.procs if p.exitcode is not None]
        if ended:
            first = [p for p in ended if p.exitcode != -signal.SIGTERM] or ended
            raise WorkerError(self.error_of(first[0]))

    def start_workers(self, kind):
        """Create the kept workers of `kind` and wait until every one is pinned."""
        job, n = self.job, self.job.workers
        t0 = time.perf_counter()
        counter, ready = FORK.Value("q", 0), FORK.Semaphore(0)
        if kind == "threads":
            from concurrent.futures import ThreadPoolExecutor
            local = threading.local()
            lock = threading.Lock()

            def init():
                with lock:
                    idx = counter.value
                    counter.value += 1
                local.me = Worker(job, idx)
                local.me.pin()
                local.me.put_slot(os.getpid(), 0, 0.0, 0, 0, -1, -1, 0, 0.0)
            self.local = local
            self.pool = ThreadPoolExecutor(n, initializer=init)
            barrier = threading.Barrier(n)   # n tasks at once: every thread is started
            for f in [self.pool.submit(barrier.wait, 30) for _ in range(n)]:
                f.result()
        elif kind == "pool":
            self.pool = FORK.Pool(n, initializer=_proc_init, initargs=(job, counter, ready))
            self.procs = list(self.pool._pool)   # kept: their exit codes name a death
        elif kind == "executor":
            from concurrent.futures import ProcessPoolExecutor
            self.pool = ProcessPoolExecutor(n, mp_context=FORK, initializer=_proc_init,
                                            initargs=(job, counter, ready))
            # Processes start on demand: n tasks that wait for n initializers start them all.
            fs = [self.pool.submit(_wait_ready, n) for _ in range(n)]
            for f in fs:
                f.result()
            self.procs = list(self.pool._processes.values())
        elif kind == "queue":
            self.tasks, self.results = FORK.JoinableQueue(), FORK.Queue()
            self.procs = [FORK.Process(target=_queue_main, daemon=True,
                                       args=(job, counter, ready, self.tasks, self.results))
                          for _ in range(n)]
            for p in self.procs:
                p.start()
        if kind in ("pool", "executor", "queue"):
            for _ in range(n):
                while not ready.acquire(timeout=POLL_S):
                    self.check_dead()
        self.startup_s = time.perf_counter() - t0

    def close(self):
        if self.pool is not None:
            if hasattr(self.pool, "terminate"):
                self.pool.terminate()
                self.pool.join()
            else:   # not waiting: a hung or dead worker must not hold the driver up
                self.pool.shutdown(wait=False, cancel_futures=True)
        if self.tasks is not None:
            for _ in self.procs:
                self.tasks.put(None)
        for p in self.procs:
            p.join(1)
            if p.exitcode is None:
                p.kill()
                p.join()
        self.pool, self.procs = None, []


def _wait_ready(n):
    while _counter.value < n:
        time.sleep(0.001)


def reset_slots(job, pids):
    for i in range(job.workers):
        SLOT.pack_into(job.ctl, i * SLOT_BYTES, pids[i] if i < len(pids) else 0,
                       0, 0.0, 0, 0, -1, -1, 0, 0.0)
        job.ctl[i * SLOT_BYTES + ERR_AT] = 0


def run_once(ses, cmd):
    """One timed run.  Returns (wall_s, startup_s); raises WorkerError."""
    job = ses.job
    n = job.workers
    chunks = chunks_of(job.ntasks, n, cmd["schedule"], int(cmd["chunk"]))
    f = cmd.get("fault")
    fault = (f["kind"], int(f["worker"]), int(f["task"])) if f else None
    model = job.model
    kept = [SLOT.unpack_from(job.ctl, i * SLOT_BYTES)[0] for i in range(n)]
    reset_slots(job, kept if model in ("threads", "pool", "executor", "queue") else [])
    out = job.out
    startup = ses.startup_s
    if model == "serial":
        me = Worker(job, 0)
        saved = os.sched_getaffinity(0)
        me.pin()
        me.put_slot(os.getpid(), 0, 0.0, 0, 0, -1, -1, 0, 0.0)
        try:
            t0 = time.perf_counter()
            for b, e in chunks:
                me.run_chunk(b, e, fault, out, 0)
            t1 = time.perf_counter()
        finally:
            os.sched_setaffinity(0, saved)
        return t1 - t0, 0.0
    if model == "threads":
        local = ses.local

        def chunk(b, e):
            local.me.run_chunk(b, e, fault, out, 0)
        t0 = time.perf_counter()
        fs = [ses.pool.submit(chunk, b, e) for b, e in chunks]
        for fu in fs:
            fu.result()
        return time.perf_counter() - t0, startup
    if model in ("pool", "executor"):
        args = [(b, e, fault) for b, e in chunks]
        t0 = time.perf_counter()
        if model == "pool":
            res = ses.pool.map_async(_proc_chunk, args, chunksize=1)
            while not res.ready():
                res.wait(POLL_S)
                if not res.ready():
                    ses.check_dead()
            got = res.get()
        else:
            from concurrent.futures import wait, FIRST_EXCEPTION
            from concurrent.futures.process import BrokenProcessPool
            try:
                # Inside the try: a worker that dies while chunks are still being
                # submitted breaks the pool, and submit() itself then raises.
                fs = [ses.pool.submit(_proc_chunk, a) for a in args]
                wait(fs, return_when=FIRST_EXCEPTION)
                got = [fu.result() for fu in fs]
            except BrokenProcessPool:
                for p in ses.procs:
                    p.join(1)
                ses.check_dead()
                raise WorkerError("the process pool broke: a worker ended abruptly")
        for b, e, data in got:
            out[b * job.out_size:e * job.out_size] = data
        return time.perf_counter() - t0, startup
    if model == "queue":
        import queue as stdqueue
        t0 = time.perf_counter()
        for b, e in chunks:
            ses.tasks.put((b, e, fault))
        for _ in chunks:
            while True:
                try:
                    b, e, data = ses.results.get(timeout=POLL_S)
                    break
                except stdqueue.Empty:
                    ses.check_dead()
            out[b * job.out_size:e * job.out_size] = data
        ses.tasks.join()
        return time.perf_counter() - t0, startup
    if model == "shm":
        ready, go, counter = FORK.Semaphore(0), FORK.Event(), FORK.Value("q", 0)
        static = cmd["schedule"] == "static"
        if static:   # each worker's own chunks, as schedule.c deals them
            chunks = chunks_of(job.ntasks, n, "static", int(cmd["chunk"]))
            if int(cmd["chunk"]) == 0:
                chunks += [(0, 0)] * (n - len(chunks))
        t_start = time.perf_counter()
        ses.procs = [FORK.Process(target=_shm_main,
                                  args=(job, i, ready, go, counter, chunks, fault, static))
                     for i in range(n)]
        for p in ses.procs:
            p.start()
        for _ in range(n):
            while not ready.acquire(timeout=POLL_S):
                _check_ended(ses, ses.procs)
        t0 = time.perf_counter()
        go.set()
        _join_all(ses, ses.procs)
        return time.perf_counter() - t0, t0 - t_start
    if model == "process":
        t0 = time.perf_counter()
        alive = {}   # slot -> Process
        pending = list(chunks)
        ses.procs = []
        while pending or alive:
            while pending and len(alive) < n:
                slot = next(i for i in range(n) if i not in alive)
                b, e = pending.pop(0)
                p = FORK.Process(target=_process_main, args=(job, slot, b, e, fault))
                p.start()
                alive[slot] = p
                ses.procs.append(p)
            multiprocessing.connection.wait([p.sentinel for p in alive.values()])
            for slot, p in list(alive.items()):
                if p.exitcode is not None:
                    p.join()
                    if p.exitcode != 0:
                        raise WorkerError(ses.error_of(p, slot))
                    del alive[slot]
        ses.procs = []
        return time.perf_counter() - t0, 0.0
    raise WorkerError(f"unknown model {model}")


def _check_ended(ses, procs):
    for p in procs:
        if p.exitcode is not None:
            raise WorkerError(ses.error_of(p) if p.exitcode != 0 else
                              f"worker (pid {p.pid}) ended before its work was done")


def _join_all(ses, procs):
    left = list(procs)
    while left:
        multiprocessing.connection.wait([p.sentinel for p in left])
        for p in list(left):
            if p.exitcode is not None:
                p.join()
                if p.exitcode != 0:
                    raise WorkerError(ses.error_of(p))
                left.remove(p)
    ses.procs = []


def hello():
    gil = getattr(sys, "_is_gil_enabled", None)
    try:
        import numpy
        numpy_version = numpy.__version__
    except ImportError:
        numpy_version = ""
    return {"hello": 1, "executable": sys.executable,
            "version": ".".join(map(str, sys.version_info[:3])),
            "implementation": sys.implementation.name,
            "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
            "gil": True if gil is None else bool(gil()),
            "numpy": numpy_version}


def main():
    out_fd, ctl_fd = int(sys.argv[1]), int(sys.argv[2])
    reply = sys.stdout
    say = lambda obj: (reply.write(json.dumps(obj) + "\n"), reply.flush())  # noqa: E731
    say(hello())
    ses, maps = None, {}
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("cmd") == "can":   # can this kernel run here at these parameters?
            try:
                why = getattr(load(cmd["kernel"]), "unavailable", lambda p: None)(cmd["params"])
            except Unavailable as e:
                why = str(e)
            say({"ok": why is None, "why": why or ""})
            continue
        if cmd.get("cmd") != "run":
            break
        try:
            out_bytes, ctl_bytes = int(cmd["out_bytes"]), int(cmd["workers"]) * SLOT_BYTES
            if maps.get("size") != (out_bytes, ctl_bytes):
                # parbench only grows the memfds, so a kept worker's older mapping stays valid.
                maps = {"size": (out_bytes, ctl_bytes),
                        "out": mmap.mmap(out_fd, max(out_bytes, 1)),
                        "ctl": mmap.mmap(ctl_fd, ctl_bytes)}
            job = Job(cmd, maps["out"], maps["ctl"])
            if ses is None or ses.job.key != job.key:
                if ses is not None:
                    ses.close()
                ses = Session(job)
                reset_slots(job, [])
                if job.model in ("threads", "pool", "executor", "queue"):
                    ses.start_workers(job.model)
            c0 = os.times()
            wall, startup = run_once(ses, cmd)
            c1 = os.times()
            cpu = sum(SLOT.unpack_from(job.ctl, i * SLOT_BYTES)[8] for i in range(job.workers))
            if job.model in ("serial", "threads"):   # the driver's own CPU is theirs
                cpu = (c1.user - c0.user) + (c1.system - c0.system)
            say({"ok": True, "wall_s": wall, "startup_s": startup, "cpu_s": cpu})
        except Unavailable as e:
            say({"ok": False, "error": str(e)})
        except WorkerError as e:
            say({"ok": False, "error": str(e)})
            if ses is not None:
                ses.close()
            ses = None
        except Exception as e:  # noqa: BLE001: the driver's own bug, one line for parbench
            tb = traceback.extract_tb(e.__traceback__)[-1]
            say({"ok": False, "error": f"driver: {type(e).__name__}: {e} "
                                       f"({os.path.basename(tb.filename)}:{tb.lineno})"})
            if ses is not None:
                ses.close()
            ses = None
    if ses is not None:
        ses.close()


if __name__ == "__main__":
    main()
