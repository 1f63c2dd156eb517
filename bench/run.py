#!/usr/bin/env python3
"""bench/run: techrar-hooks beside the tools users would pick instead, in one run.

Every comparison runs both sides in the same run, interleaved round by round,
on loopback, and reports medians and the ratio. Installs its peers with apt
(Debian's webhook, wrk, hyperfine) when missing, builds the release binary,
prints a table and writes bench/results/latest.json.
"""
import argparse, hashlib, hmac, json, os, platform, re, shutil, signal
import socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "techrar-hooks")
SECRET = "whsec_bench_secret_0123456789"
ENV = dict(os.environ, TECHRAR_WEBHOOK_SECRET=SECRET, NO_COLOR="1")
for key in ("TECHRAR_HOOKS_URL", "TECHRAR_SIGNATURE_ALGORITHM", "TECHRAR_SIGNATURE_ENCODING"):
    ENV.pop(key, None)


def log(text):
    print(text, file=sys.stderr, flush=True)


def envelope(size):
    """A signed Techrar envelope of exactly `size` bytes."""
    head = b'{"app_id":123,"timestamp":1764849600,"event":"order.created","data":{"id":98213,"note":"'
    tail = b'"}}'
    body = head + b"x" * (size - len(head) - len(tail)) + tail
    return body, hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def ensure_tools():
    missing = [pkg for tool, pkg in (("webhook", "webhook"), ("wrk", "wrk"), ("hyperfine", "hyperfine"),
                                     ("openssl", "openssl")) if not shutil.which(tool)]
    if missing:
        log(f"installing {' '.join(missing)} with apt-get")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq"] + missing, check=True)


def build():
    log("building the release binary")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port}")


class Server:
    """A receiver process: started, measured (peak RSS), stopped."""

    def __init__(self, name, argv, port=None, cwd=None):
        self.name = name
        self.proc = subprocess.Popen(argv, env=ENV, cwd=cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        if port is None:  # techrar-hooks listen --port 0 prints its address
            line = self.proc.stderr.readline()
            match = re.search(r"http://[\d.]+:(\d+)", line)
            if not match:
                raise RuntimeError(f"{name}: no readiness line, got {line!r}")
            port = int(match.group(1))
        wait_port(port, self.proc)
        self.port = port

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def ours(tmp, *extra):
    log_path = os.path.join(tmp, f"listen-{time.time_ns()}.jsonl")
    return Server("techrar-hooks listen", [BIN, "listen", "--port", "0", "--print", "none", "--log", log_path, *extra])


def webhook_peer(tmp):
    hooks = os.path.join(tmp, "hooks.json")
    with open(hooks, "w") as f:
        json.dump([{"id": "techrar", "response-message": "ok", "trigger-rule": {"match": {
            "type": "payload-hmac-sha256", "secret": SECRET,
            "parameter": {"source": "header", "name": "X-Signature"}}}}], f)
    port = free_port()
    server = Server("adnanh/webhook", ["webhook", "-hooks", hooks, "-ip", "127.0.0.1", "-port", str(port)], port)
    server.path = "/hooks/techrar"
    return server


def python_peer(tmp):
    port = free_port()
    return Server("python http.server", [sys.executable, os.path.join(ROOT, "bench", "peers", "receiver.py"),
                                         str(port)], port)


def wrk(url, body, signature, seconds, connections=50, threads=2):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write('wrk.method = "POST"\n'
                 f'wrk.body = {json.dumps(body.decode())}\n'
                 'wrk.headers["Content-Type"] = "application/json"\n'
                 f'wrk.headers["X-Signature"] = "{signature}"\n')
    script.close()
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "-s", script.name, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)

    def latency(pct):
        match = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50_ms": latency(50),
            "p99_ms": latency(99), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "socket_errors": errors.group(1) if errors else None}


def median(values):
    return statistics.median(values) if values else float("nan")


class Table:
    def __init__(self):
        self.rows = []

    def add(self, comparison, metric, ours, peer_name, peer, better="higher", goal=None):
        if peer in (None, 0) or ours is None:
            ratio = None
        else:
            ratio = ours / peer
        met = None
        if goal is not None and ratio is not None:
            met = ratio >= goal if better == "higher" else ratio <= goal
        self.rows.append({"comparison": comparison, "metric": metric, "ours": ours, "peer": peer_name,
                          "peer_value": peer, "ratio": ratio, "better": better, "goal": goal, "met": met})

    def print(self):
        def fmt(v):
            if v is None:
                return "-"
            if isinstance(v, float):
                return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
            return str(v)
        header = ("comparison", "metric", "techrar-hooks", "peer", "peer value", "ratio", "goal")
        lines = [header]
        for r in self.rows:
            goal = "-" if r["goal"] is None else ("≥" if r["better"] == "higher" else "≤") + f"{r['goal']}×"
            if r["met"] is not None:
                goal += " ✔" if r["met"] else " ✘"
            lines.append((r["comparison"], r["metric"], fmt(r["ours"]), r["peer"] or "-", fmt(r["peer_value"]),
                          "-" if r["ratio"] is None else f"{r['ratio']:.2f}×", goal))
        widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
        for i, line in enumerate(lines):
            print("| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths)) + " |")
            if i == 0:
                print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def bench_listen(t, tmp, quick):
    rounds, seconds = (1, 3) if quick else (3, 10)
    body, sig = envelope(1024)
    makers = [("techrar-hooks listen", lambda: ours(tmp)),
              ("techrar-hooks listen --fsync", lambda: ours(tmp, "--fsync")),
              ("adnanh/webhook", lambda: webhook_peer(tmp)),
              ("python http.server", lambda: python_peer(tmp))]
    results = {name: [] for name, _ in makers}
    for r in range(rounds):
        for name, make in makers:
            server = make()
            try:
                figures = wrk(server.url(getattr(server, "path", "/")), body, sig, seconds)
                figures["rss_mib"] = server.peak_rss_mib()
            finally:
                server.stop()
            if figures["non2xx"]:
                log(f"warning: {name} answered {figures['non2xx']} requests without a 2xx")
            log(f"  round {r + 1} {name}: {figures['rps']:.0f} req/s, p99 {figures['p99_ms']:.2f} ms, "
                f"RSS {figures['rss_mib']:.1f} MiB")
            results[name].append(figures)
    med = {name: {k: median([f[k] for f in runs]) for k in ("rps", "p50_ms", "p99_ms", "rss_mib")}
           for name, runs in results.items()}
    us = med["techrar-hooks listen"]
    for peer in ("adnanh/webhook", "python http.server"):
        goal = 3.0 if peer == "adnanh/webhook" else None
        t.add("listen (wrk, 50 conns, 1 KiB, logged)", "requests/s", us["rps"], peer, med[peer]["rps"], "higher", goal)
    t.add("listen", "p50 latency ms", us["p50_ms"], "adnanh/webhook", med["adnanh/webhook"]["p50_ms"], "lower")
    t.add("listen", "p99 latency ms (goal < 5)", us["p99_ms"], "adnanh/webhook", med["adnanh/webhook"]["p99_ms"], "lower")
    t.add("listen", "peak RSS MiB (goal < 30)", us["rss_mib"], "adnanh/webhook", med["adnanh/webhook"]["rss_mib"], "lower")
    fs = med["techrar-hooks listen --fsync"]
    t.add("listen --fsync", "requests/s", fs["rps"], "listen, no fsync", us["rps"], "higher")
    return med


def bench_verify(t, tmp, quick):
    runs = 100 if quick else 300
    out = {}
    for label, size in (("1 KiB", 1024), ("1 MiB", 1024 * 1024)):
        body, sig = envelope(size)
        body_path = os.path.join(tmp, f"body-{size}.json")
        capture_path = os.path.join(tmp, f"capture-{size}.http")
        with open(body_path, "wb") as f:
            f.write(body)
        with open(capture_path, "wb") as f:
            f.write(b"POST /hooks HTTP/1.1\r\nHost: m\r\nX-Signature: " + sig.encode() +
                    b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        py = ("import hmac,hashlib,sys;b=open(sys.argv[1],'rb').read();"
              "sys.exit(not hmac.compare_digest(hmac.new(sys.argv[2].encode(),b,hashlib.sha256).hexdigest(),sys.argv[3]))")
        commands = {
            "techrar-hooks verify": f"{BIN} verify -q {capture_path}",
            "openssl dgst": f"openssl dgst -sha256 -hmac {SECRET} {body_path}",
            "python3 hmac": f"{sys.executable} -c \"{py}\" {body_path} {SECRET} {sig}",
        }
        export = os.path.join(tmp, f"hyperfine-{size}.json")
        subprocess.run(["hyperfine", "-N", "-w", "20", "-r", str(runs), "--export-json", export, *commands.values()],
                       env=ENV, check=True, capture_output=True)
        with open(export) as f:
            means = [r["median"] * 1000 for r in json.load(f)["results"]]
        figures = dict(zip(commands, means))
        out[label] = figures
        log(f"  verify {label}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in figures.items()))
        goal = 0.5 if label == "1 KiB" else None
        t.add(f"verify as a process, {label}", "wall ms (median)", figures["techrar-hooks verify"], "openssl dgst",
              figures["openssl dgst"], "lower", goal)
        t.add(f"verify as a process, {label}", "wall ms (median)", figures["techrar-hooks verify"], "python3 hmac",
              figures["python3 hmac"], "lower")
    return out


def bench_send(t, tmp, quick):
    rounds = 1 if quick else 3
    count = 5000 if quick else 20000
    body, sig = envelope(1024)
    receiver = Server("receiver", [BIN, "listen", "--port", "0", "--print", "none", "--no-log", "--accept-all"])
    ours_rates, wrk_rates = [], []
    try:
        for r in range(rounds):
            started = time.perf_counter()
            done = subprocess.run([BIN, "send", "order.created", "--repeat", str(count), "--concurrency", "64",
                                   "--to", receiver.url()], env=ENV, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                log(f"warning: send exited {done.returncode}: {done.stderr.strip()[-300:]}")
            ours_rates.append(count / elapsed)
            wrk_rates.append(wrk(receiver.url(), body, sig, 3 if quick else 5, connections=64)["rps"])
            log(f"  round {r + 1}: send {ours_rates[-1]:.0f}/s, wrk {wrk_rates[-1]:.0f}/s")
    finally:
        receiver.stop()
    t.add(f"send --repeat {count} --concurrency 64", "deliveries/s", median(ours_rates), "wrk (64 conns)",
          median(wrk_rates), "higher", 0.5)
    return {"send": median(ours_rates), "wrk": median(wrk_rates)}


def write_log(path, records):
    body, sig = envelope(400)
    text = json.dumps(body.decode())
    with open(path, "w") as f:
        for i in range(1, records + 1):
            f.write('{"v":1,"id":%d,"received_at":"2026-12-04T10:00:00.000Z","method":"POST","path":"/",'
                    '"query":null,"remote_addr":"127.0.0.1:1","headers":[["Content-Type","application/json"],'
                    '["X-Signature","%s"]],"body":%s,"signature":"valid","event":"order.created","app_id":123,'
                    '"timestamp":1764849600,"duplicate_of":null,"response_status":200,"forward":null}\n'
                    % (i, sig, text))


def bench_replay(t, tmp, quick):
    sizes = (1000, 20000) if quick else (10000, 1000000)
    receiver = Server("receiver", [BIN, "listen", "--port", "0", "--print", "none", "--no-log", "--accept-all"])
    out = {}
    try:
        for size in sizes:
            path = os.path.join(tmp, f"replay-{size}.jsonl")
            write_log(path, size)
            started = time.perf_counter()
            proc = subprocess.Popen([BIN, "replay", path, "--to", receiver.url(), "--concurrency", "32"], env=ENV,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            err = proc.stderr.read().decode(errors="replace")
            # wait4 gives this child's own peak RSS, not the largest of all children so far
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            elapsed = time.perf_counter() - started
            rss = usage.ru_maxrss / 1024
            if proc.returncode != 0:
                log(f"warning: replay exited {proc.returncode}: {err.strip()[-300:]}")
            out[size] = {"records_per_s": size / elapsed, "peak_rss_mib": rss}
            log(f"  replay {size}: {size / elapsed:.0f} records/s, peak RSS {rss:.1f} MiB")
            os.unlink(path)
    finally:
        receiver.stop()
    small, large = out[sizes[0]], out[sizes[1]]
    t.add(f"replay {sizes[1]:,} records --concurrency 32", "records/s", large["records_per_s"], None, None)
    t.add("replay peak RSS", f"MiB at {sizes[1]:,} vs {sizes[0]:,} records", large["peak_rss_mib"],
          f"{sizes[0]:,} records", small["peak_rss_mib"], "lower", 1.1)
    return out


def bench_core(t, tmp, quick):
    args = ["cargo", "bench", "--quiet", "--bench", "core", "--", "--noplot"]
    if quick:
        args += ["--warm-up-time", "1", "--measurement-time", "2"]
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)

    def estimate(group, name):
        path = os.path.join(ROOT, "target", "criterion", group, *name.split("/"), "new", "estimates.json")
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]  # nanoseconds

    out = {}
    for label, size in (("1KiB", 1024), ("1MiB", 1024 * 1024)):
        base = estimate("signature", f"baseline_hmac_sha256/{label}")
        for op in ("sign", "verify"):
            ns = estimate("signature", f"{op}/{label}")
            out[f"{op}_{label}_ns"] = ns
            t.add(f"core {op} {label}", "ns (median)", ns, "bare hmac+sha2", base, "lower",
                  1.05 if label == "1MiB" else None)
    ours_mb_s = 1024 * 1024 / (out["sign_1MiB_ns"] / 1e9) / 1e6
    speed = subprocess.run(["openssl", "speed", "-seconds", "1" if quick else "3", "-bytes", "1048576", "-evp",
                            "sha256"], capture_output=True, text=True).stdout
    match = re.search(r"^sha256\s+([\d.]+)k", speed, re.M)
    openssl_mb_s = float(match.group(1)) * 1000 / 1e6 if match else None
    t.add("hashing 1 MiB (HMAC-SHA256)", "MB/s", ours_mb_s, "openssl speed -evp sha256", openssl_mb_s, "higher", 0.9)
    for name in ("raw_http_64x4KiB", "log_line_4KiB", "har_64x4KiB"):
        ns = estimate("readers", name)
        with open(os.path.join(ROOT, "target", "criterion", "readers", name, "new", "benchmark.json")) as f:
            size = json.load(f)["throughput"]["Bytes"]
        t.add(f"reader {name}", "MB/s", size / (ns / 1e9) / 1e6, None, None)
    out["openssl_mb_s"] = openssl_mb_s
    return out


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


BENCHES = {"listen": bench_listen, "verify": bench_verify, "send": bench_send, "replay": bench_replay,
           "core": bench_core}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run, under two minutes")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated subset of " + ",".join(BENCHES))
    args = parser.parse_args()
    m = machine()
    print(f"machine: {m['cores']} cores, {m['cpu']}, {m['memory_gib']} GiB, Linux {m['kernel']}")
    ensure_tools()
    build()
    table, results = Table(), {"machine": m, "quick": args.quick}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            log(f"== {name}")
            results[name] = BENCHES[name](table, tmp, args.quick)
    table.print()
    results["table"] = table.rows
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    path = os.path.join(ROOT, "bench", "results", "latest.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    log(f"wrote {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
