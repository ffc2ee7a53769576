#!/usr/bin/env python3
"""Side-by-side timing of oclnn's model runner and onnxruntime on the same model and input.

    bench/compare_ort.py [--json] [--model PATH ...] [--size HxW ...] [--runs N] [--rounds R]
                         [--threads T] [--run PATH] [--device SPEC] [--steps]

The `model` suite of DESIGN.md's "Tools' conventions", for ONNX graphs. For each model and input
size (default: ../shared/models/style/udnie.onnx at 1x3x240x320 and 1x3x480x640, seeded random
pixels in 0..255 written to a temporary .npy), in turn and back to back:

  oclnn  `oclnn-run MODEL --input X.npy --benchmark N --json`: the median of N runs, each
         oclnn_model_run + oclnn_context_finish (the output stays on the device), plus its startup
         figures: plan (layers created, programs built or loaded: cold or warm program cache),
         first run (first launches) and first output (entering main to the first output on the
         host: the warm start time with a warm cache);
  ort    onnxruntime's CPU provider, T intra-op threads (2: this machine's cores), default graph
         optimisations, the median of N InferenceSession.run calls after 2 warm-up calls:
         "as-is" allocates the output per call, "bound" writes into a preallocated output
         through IOBinding (the warm figure).

Each case is measured R times (rounds alternate oclnn and onnxruntime so load from other
processes hits both alike) and the best round's medians are kept. The ratio is onnxruntime's
bound time / oclnn's (> 1 means oclnn is faster). The outputs are compared too (max |diff|,
oclnn-run --output against onnxruntime). --steps prints oclnn's per-step device times of the last
round. Exit status 0 when it ran, whatever the ratios.

Run it with the PyPI python3 that has onnxruntime and numpy (not Debian's /usr/bin/python3).
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_MODEL = os.path.join(ROOT, "..", "shared", "models", "style", "udnie.onnx")
DEFAULT_SIZES = ("240x320", "480x640")
SEED = 20261125


def find_run(explicit):
    """--run, else $OCLNN_RUN, else build/tools/oclnn-run, else the newest build*/ one."""
    if explicit:
        return explicit
    if os.environ.get("OCLNN_RUN"):
        return os.environ["OCLNN_RUN"]
    default = os.path.join(ROOT, "build", "tools", "oclnn-run")
    if os.access(default, os.X_OK):
        return default
    found = [p for p in glob.glob(os.path.join(ROOT, "build*", "tools", "oclnn-run"))
             if os.access(p, os.X_OK)]
    if not found:
        sys.exit("compare_ort.py: no oclnn-run found: build it (cmake --build build) or pass --run")
    return max(found, key=os.path.getmtime)


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def time_oclnn(run, model, x_path, out_path, runs, device):
    cmd = [run, model, "--input", x_path, "--output", out_path, "--benchmark", str(runs), "--json"]
    if device:
        cmd += ["--device", device]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("compare_ort.py: %s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                          p.stderr.strip()))
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def time_ort(ort, np, model, x, runs, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    out_name = sess.get_outputs()[0].name
    y = None
    for _ in range(2):
        y = sess.run(None, {name: x})[0]
    as_is = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, {name: x})
        as_is.append((time.perf_counter() - t) * 1e3)
    binding = sess.io_binding()
    binding.bind_cpu_input(name, x)
    out = np.empty_like(y)
    binding.bind_output(out_name, "cpu", 0, np.float32, list(out.shape), out.ctypes.data)
    sess.run_with_iobinding(binding)
    bound = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run_with_iobinding(binding)
        bound.append((time.perf_counter() - t) * 1e3)
    return statistics.median(as_is), statistics.median(bound), y


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="ONNX model (default: udnie.onnx)")
    parser.add_argument("--size", action="append", help="input HxW (default: 240x320, 480x640)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per measurement (10)")
    parser.add_argument("--rounds", type=int, default=2, help="measurements per case (2)")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads (2)")
    parser.add_argument("--run", help="oclnn-run executable (default: $OCLNN_RUN, else "
                        "build/tools/oclnn-run, else the newest build*/tools/oclnn-run)")
    parser.add_argument("--device", help="OpenCL device for oclnn (as OCLNN_DEVICE)")
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    parser.add_argument("--steps", action="store_true", help="oclnn's per-step device times")
    args = parser.parse_args()
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as e:
        sys.exit("compare_ort.py: %s (run it with the python3 that has onnxruntime)" % e)
    run = find_run(args.run)
    models = args.model or [DEFAULT_MODEL]
    sizes = args.size or list(DEFAULT_SIZES)
    rng = np.random.default_rng(SEED)
    load_before = load_average()
    if not args.json:
        print("oclnn-run %s; onnxruntime %s, %d threads; load average %s" %
              (run, ort.__version__, args.threads, load_before))
        print("%-24s %9s %9s %9s %9s %9s %9s %7s %9s" %
              ("case", "oclnn ms", "plan", "first run", "1st out", "ort as-is", "ort bound",
               "ratio", "max diff"))
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            for size in sizes:
                h, w = (int(v) for v in size.lower().split("x"))
                x = rng.uniform(0, 255, (1, 3, h, w)).astype(np.float32)
                x_path = os.path.join(tmp, "x.npy")
                out_path = os.path.join(tmp, "y.npy")
                np.save(x_path, x)
                oclnn_rounds, as_is_rounds, bound_rounds = [], [], []
                for _ in range(args.rounds):
                    oclnn_rounds.append(time_oclnn(run, model, x_path, out_path, args.runs,
                                                   args.device))
                    as_is, bound, y = time_ort(ort, np, model, x, args.runs, args.threads)
                    as_is_rounds.append(as_is)
                    bound_rounds.append(bound)
                last = oclnn_rounds[-1]
                o = min(oclnn_rounds, key=lambda r: r["median_ms"])
                ort_as_is, ort_bound = min(as_is_rounds), min(bound_rounds)
                diff = float(np.abs(np.load(out_path) - y).max())
                name = "%s 1x3x%dx%d" % (os.path.splitext(os.path.basename(model))[0], h, w)
                ratio = ort_bound / o["median_ms"]
                row = {"case": name, "oclnn_ms": o["median_ms"], "oclnn_best_ms": o["best_ms"],
                       "plan_ms": o["plan_ms"], "first_run_ms": o["first_run_ms"],
                       "first_output_ms": o["first_output_ms"], "ort_as_is_ms": ort_as_is,
                       "ort_bound_ms": ort_bound, "ratio": ratio, "max_abs_diff": diff,
                       "load": load_average()}
                if args.json:
                    if args.steps:
                        row["steps"] = last["steps"]
                    print(json.dumps(row))
                else:
                    print("%-24s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %6.2fx %9.3g" %
                          (name, o["median_ms"], o["plan_ms"], o["first_run_ms"],
                           o["first_output_ms"], ort_as_is, ort_bound, ratio, diff))
                    if args.steps:
                        total = sum(s["ms"] for s in last["steps"]) or 1.0
                        for i, s in enumerate(last["steps"]):
                            print("      %3d %-40s %-32s %8.2f ms %5.1f %%" %
                                  (i, s["name"], s["op"], s["ms"], 100.0 * s["ms"] / total))
    if not args.json:
        print("load average before %s, after %s" % (load_before, load_average()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
