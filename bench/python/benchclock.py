"""The Python side of bench/lib/children.ts runPython(): measure one section of work.

Prints 'start' and waits for a line on stdin (the parent samples the server's CPU), runs the
work, prints 'stop' and waits again, then prints {"seconds", "cpu", "units"} as JSON. CPU time is
this process's (time.process_time), wall time time.perf_counter.
"""
import json
import sys
import time


def measure(work):
    print('start', flush=True)
    sys.stdin.readline()
    t0, c0 = time.perf_counter(), time.process_time()
    units = work()
    t1, c1 = time.perf_counter(), time.process_time()
    print('stop', flush=True)
    sys.stdin.readline()
    print(json.dumps({'seconds': t1 - t0, 'cpu': c1 - c0, 'units': units}), flush=True)
