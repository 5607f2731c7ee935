"""gunicorn settings for bench_e2e.py: with ``BENCH_PROFILE`` set, each
worker runs under cProfile and writes its stats when it exits. The
profiler's clock is the process's CPU time, so time a worker spends waiting
for the next request (in select) counts for nothing, as in bench_e2e's own
figures."""

import cProfile
import os
import time

_profiler = None


def post_worker_init(worker):
    global _profiler
    if os.environ.get("BENCH_PROFILE"):
        _profiler = cProfile.Profile(time.process_time)
        _profiler.enable()


def worker_exit(server, worker):
    if _profiler is not None:
        _profiler.disable()
        _profiler.dump_stats(f"{os.environ['BENCH_PROFILE']}-{worker.pid}.prof")
