#!/usr/bin/python3
"""Side-by-side timing of oclnn and PyTorch on the same cases, in the same run.

    bench/compare_torch.py SUITE [--json] [--case TEXT ...] [--bench PATH] [--samples N]

SUITE is a suite of oclnn-bench (pad). For each case in turn, oclnn is timed by oclnn-bench (one
JSON line: shapes, parameters, median per-launch time), then the same case is built in torch and
timed two ways:

  warm   allocation excluded: the op's out= variant into a preallocated tensor where torch has
         one (reflection_padNd, replication_padNd); otherwise the plain call in a worker process
         whose glibc keeps freed memory (MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_), so each
         output reuses the previous call's pages instead of faulting in fresh ones.
  as-is  the plain module call (nn.ReflectionPad2d(4)(x) ...) in a default process, allocation
         included.

The three measurements of a case run back to back, so that load from other processes on a
shared machine hits them alike. Each time is the median over samples of (batch wall time /
calls). The ratio is torch / oclnn (> 1 means oclnn is faster); GB/s counts bytes read +
written. Exit status 0 when it ran, whatever the ratios. Run it with Debian's torch:
/usr/bin/python3 (torch 1.13), 2 threads by default.
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# glibc: serve allocations up to 32 MiB from the heap and never give freed memory back, so a
# freshly allocated output lands on warm, already mapped pages.
MALLOC_REUSE_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


def find_bench(explicit):
    """--bench, else $OCLNN_BENCH, else build/tools/oclnn-bench, else the newest build*/tools one."""
    if explicit:
        return explicit
    if os.environ.get("OCLNN_BENCH"):
        return os.environ["OCLNN_BENCH"]
    default = os.path.join(ROOT, "build", "tools", "oclnn-bench")
    if os.access(default, os.X_OK):
        return default
    found = glob.glob(os.path.join(ROOT, "build*", "tools", "oclnn-bench"))
    found = [p for p in found if os.access(p, os.X_OK)]
    if not found:
        sys.exit("compare_torch.py: no oclnn-bench found under build*/tools; build the project or "
                 "pass --bench PATH (or set OCLNN_BENCH)")
    return max(found, key=os.path.getmtime)


def bench_command(bench, args, *extra):
    command = [bench, "--suite", args.suite, "--samples", str(args.samples),
               "--target-ms", str(args.target_ms)]
    if args.device:
        command += ["--device", args.device]
    return command + list(extra)


def list_cases(bench, args):
    command = [bench, "--suite", args.suite, "--list"]
    for case in args.case or []:
        command += ["--case", case]
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(2)  # oclnn-bench explained on stderr (unknown suite ...)
    names = [line.split()[1] for line in result.stdout.splitlines() if line.strip()]
    if not names:
        sys.exit("compare_torch.py: no %s case matches %s" % (args.suite, args.case))
    return names


def run_oclnn_case(bench, args, name):
    result = subprocess.run(bench_command(bench, args, "--exact", "--case", name),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.stderr:
        sys.stderr.write(result.stderr)
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return rows[0] if rows else None


def time_calls(fn, samples, target_ms):
    """Median and minimum per-call wall time in ms over `samples` batches of calls."""
    for _ in range(3):
        fn()
    start = time.perf_counter()
    for _ in range(3):
        fn()
    each = (time.perf_counter() - start) / 3 * 1e3
    reps = int(min(2000, max(3, target_ms / max(each, 1e-3))))
    per_call = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        per_call.append((time.perf_counter() - start) / reps * 1e3)
    return statistics.median(per_call), min(per_call)


# ------------------------------------------------------------------------------------------------
# Suite "pad"


def pad_torch(case, torch):
    """(as-is callable, out= callable or None) for one oclnn-bench pad case."""
    nn, F = torch.nn, torch.nn.functional
    dims, mode, pad = case["dims"], case["mode"], tuple(case["padding"])
    value = case["value"]
    x = torch.rand(case["in_shape"]) * 2 - 1
    if mode == "reflect":
        module = getattr(nn, "ReflectionPad%dd" % dims)(pad)
    elif mode == "replicate":
        module = getattr(nn, "ReplicationPad%dd" % dims)(pad)
    elif mode == "zero" and dims == 2:
        module = nn.ZeroPad2d(pad)
    elif mode == "zero":  # torch 1.13 has ZeroPad2d only
        module = lambda t: F.pad(t, pad)
    elif mode == "constant":
        module = getattr(nn, "ConstantPad%dd" % dims)(pad, value)
    elif mode == "circular":  # torch 1.13 has no CircularPadNd
        module = lambda t: F.pad(t, pad, mode="circular")
    else:
        raise ValueError("unknown pad mode %r" % mode)
    y = module(x)
    if list(y.shape) != case["out_shape"]:
        raise RuntimeError("%s: torch gives shape %s, oclnn %s"
                           % (case["case"], list(y.shape), case["out_shape"]))
    out_op = None
    if mode in ("reflect", "replicate"):
        name = "%s_pad%dd" % ("reflection" if mode == "reflect" else "replication", dims)
        out_op = getattr(torch._C._nn, name, None)
    if out_op is None:
        return (lambda: module(x)), None
    out = torch.empty_like(y)
    out_op(x, pad, out=out)
    if not torch.equal(out, y):
        raise RuntimeError("%s: the out= variant differs from the module" % case["case"])
    return (lambda: module(x)), (lambda: out_op(x, pad, out=out))


TORCH_SUITES = {"pad": pad_torch}


def worker(args):
    """Warm timings: reads oclnn-bench JSON lines on stdin, answers one JSON line each."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    build = TORCH_SUITES[args.suite]
    for line in sys.stdin:
        case = json.loads(line)
        as_is, out_call = build(case, torch)
        method = "out=" if out_call else "malloc-reuse"
        median, low = time_calls(out_call or as_is, args.samples, args.target_ms)
        print(json.dumps({"warm_ms": median, "warm_min_ms": low, "warm_method": method}),
              flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suite", help="benchmark suite (%s)" % ", ".join(sorted(TORCH_SUITES)))
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    parser.add_argument("--case", action="append",
                        help="only cases whose name contains TEXT (repeatable)")
    parser.add_argument("--bench", help="oclnn-bench executable (default: $OCLNN_BENCH, else "
                        "build/tools/oclnn-bench, else the newest build*/tools/oclnn-bench)")
    parser.add_argument("--device", help="OpenCL device for oclnn (as OCLNN_DEVICE)")
    parser.add_argument("--samples", type=int, default=7, help="timed samples per case (7)")
    parser.add_argument("--target-ms", type=int, default=40,
                        help="length of one timed sample in ms (40)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (2)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.suite not in TORCH_SUITES:
        parser.error("unknown suite %r; suites: %s" % (args.suite, ", ".join(sorted(TORCH_SUITES))))
    if args.worker:
        return worker(args)

    bench = find_bench(args.bench)
    names = list_cases(bench, args)
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    build = TORCH_SUITES[args.suite]
    worker_command = [sys.executable, os.path.abspath(__file__), args.suite, "--worker",
                      "--threads", str(args.threads), "--samples", str(args.samples),
                      "--target-ms", str(args.target_ms)]
    warm_worker = subprocess.Popen(worker_command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   text=True, env=dict(os.environ, **MALLOC_REUSE_ENV))

    if not args.json:
        print("# oclnn: %s; torch %s, %d threads; median time per call in ms; "
              "ratio = torch / oclnn (> 1: oclnn faster)"
              % (os.path.relpath(bench), torch.__version__, torch.get_num_threads()))
        print("%-32s %9s %10s %11s %10s %11s %10s %9s  %s" % (
            "case", "oclnn", "torch warm", "torch as-is", "ratio warm", "ratio as-is",
            "oclnn GB/s", "warm GB/s", "warm via"))
        sys.stdout.flush()
    device = None
    for name in names:
        row = run_oclnn_case(bench, args, name)
        if row is None:
            print("%-32s oclnn-bench failed" % name, file=sys.stderr)
            continue
        device = row.get("device", device)
        as_is_call, _ = build(row, torch)
        as_is_ms, as_is_min = time_calls(as_is_call, args.samples, args.target_ms)
        del as_is_call
        warm_worker.stdin.write(json.dumps(row) + "\n")
        warm_worker.stdin.flush()
        answer = warm_worker.stdout.readline()
        if not answer:
            sys.exit("compare_torch.py: the torch worker stopped")
        warm = json.loads(answer)
        oclnn_ms, bytes_moved = row["median_ms"], row["bytes"]
        result = {
            "suite": args.suite, "case": name, "torch_op": row.get("torch", ""),
            "oclnn_ms": oclnn_ms, "torch_warm_ms": warm["warm_ms"], "torch_as_is_ms": as_is_ms,
            "ratio_warm": warm["warm_ms"] / oclnn_ms, "ratio_as_is": as_is_ms / oclnn_ms,
            "oclnn_gbps": bytes_moved / (oclnn_ms * 1e-3) / 1e9,
            "torch_warm_gbps": bytes_moved / (warm["warm_ms"] * 1e-3) / 1e9,
            "torch_as_is_gbps": bytes_moved / (as_is_ms * 1e-3) / 1e9,
            "oclnn_min_ms": row.get("min_ms"), "torch_warm_min_ms": warm["warm_min_ms"],
            "torch_as_is_min_ms": as_is_min, "warm_method": warm["warm_method"],
            "bytes": bytes_moved, "oclnn_first_ms": row.get("first_ms"),
            "oclnn_device": row.get("device", ""), "torch_version": torch.__version__,
            "torch_threads": torch.get_num_threads(),
        }
        if args.json:
            print(json.dumps(result))
        else:
            print("%-32s %9.4f %10.4f %11.4f %9.2fx %10.2fx %10.1f %9.1f  %s" % (
                name, oclnn_ms, result["torch_warm_ms"], as_is_ms, result["ratio_warm"],
                result["ratio_as_is"], result["oclnn_gbps"], result["torch_warm_gbps"],
                result["warm_method"]))
        sys.stdout.flush()
    warm_worker.stdin.close()
    warm_worker.wait()
    if not args.json and device:
        print("# oclnn device: %s" % device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
