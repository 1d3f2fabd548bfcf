#!/usr/bin/env python3
"""The loss window of metrics-proxy under kill -9 (bench/loss_window.sh runs it).

Sends small chat completions through metrics-proxy at a steady rate, kills the proxy with
SIGKILL every few seconds and starts it again on the same database, optionally while another
process holds the database with BEGIN EXCLUSIVE. Every answered request is logged with the moment
its response was complete and the proxy that answered it; at the end the proxy is started once
more without any lock, replays its journal and is stopped with SIGTERM, and each answered request
whose row is missing from completion_requests is lost. For each lost request it reports how long
before the SIGKILL of the proxy that answered it the response was complete.

usage: loss_window.py --proxy BIN --upstream URL --dir DIR --label NAME [--lock]
                      [--kills N] [--rate R] [--cycle SECONDS] --out FILE.json [--logs DIR]
"""
import argparse
import http.client
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

BODY = json.dumps({"model": "bench-model", "temperature": 0.2,
                   "messages": [{"role": "user", "content": "Say hi"}]})


class Proxy:
    """One metrics-proxy process on the benchmark's database."""

    def __init__(self, binary, db, upstream, log_dir, number):
        self.out = open(os.path.join(log_dir, f"proxy-{number}.out"), "w+")
        self.err = open(os.path.join(log_dir, f"proxy-{number}.err"), "w")
        self.process = subprocess.Popen(
            [binary, "--db", db, "--listen", "127.0.0.1:0", "--upstream", upstream,
             "--log-level", "info"], stdout=self.out, stderr=self.err)
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline:
            self.out.seek(0)
            match = re.search(r"listening on .*:(\d+)$", self.out.read(), re.M)
            if match:
                self.port = int(match.group(1))
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"metrics-proxy exited with {self.process.returncode}; "
                                   f"see {self.err.name}")
            time.sleep(0.02)
        raise RuntimeError(f"metrics-proxy did not start; see {self.err.name}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


class Load:
    """Requests at a fixed rate to the proxy `target` names ((port, proxy number) or None); logs
    (id, answered_at, proxy number) for each answered request."""

    def __init__(self, rate, workers=8):
        self.target = None
        self.answered = []
        self.lock = threading.Lock()
        self.jobs = queue.Queue(maxsize=1000)
        self.running = True
        self.rate = rate
        self.threads = [threading.Thread(target=self.work, daemon=True) for _ in range(workers)]
        self.ticker = threading.Thread(target=self.tick, daemon=True)

    def start(self):
        for t in self.threads:
            t.start()
        self.ticker.start()

    def tick(self):
        period = 1.0 / self.rate
        due = time.monotonic()
        while self.running:
            due += period
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            target = self.target
            if target is not None:
                try:
                    self.jobs.put_nowait(target)
                except queue.Full:
                    pass

    def work(self):
        connection = None
        connected_port = None
        while self.running:
            try:
                port, number = self.jobs.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                if connection is None or connected_port != port:
                    if connection is not None:
                        connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connected_port = port
                connection.request("POST", "/v1/chat/completions", BODY,
                                   {"Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                answered_at = time.time()
                if response.status == 200:
                    request_id = json.loads(payload)["id"]
                    with self.lock:
                        self.answered.append((request_id, answered_at, number))
            except (OSError, http.client.HTTPException, ValueError):
                if connection is not None:
                    connection.close()
                connection = None

    def stop(self):
        self.running = False
        self.ticker.join()
        for t in self.threads:
            t.join()


class LockHolder:
    """A sqlite3 process holding BEGIN EXCLUSIVE on the database until released."""

    def __init__(self, db):
        self.process = subprocess.Popen(["sqlite3", db], stdin=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)
        self.process.stdin.write(".timeout 5000\nBEGIN EXCLUSIVE;\nSELECT 1;\n")
        self.process.stdin.flush()
        time.sleep(0.1)

    def release(self):
        self.process.stdin.write("ROLLBACK;\n.quit\n")
        self.process.stdin.flush()
        self.process.wait(timeout=10)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--lock", action="store_true")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--cycle", type=float, default=3.0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--logs", help="where the proxies' stdout and stderr go")
    args = parser.parse_args()

    db = os.path.join(args.dir, f"{args.label}.db")
    logs = args.logs or os.path.join(args.dir, f"{args.label}-logs")
    os.makedirs(logs, exist_ok=True)
    load = Load(args.rate)
    load.start()
    kills = []
    for number in range(args.kills):
        proxy = Proxy(args.proxy, db, args.upstream, logs, number)
        load.target = (proxy.port, number)
        holder = None
        time.sleep(0.5)
        if args.lock:
            holder = LockHolder(db)
        time.sleep(args.cycle - 0.5)
        kills.append(time.time())
        proxy.kill()
        load.target = None
        if holder:
            holder.release()
        time.sleep(0.2)
    load.stop()

    final = Proxy(args.proxy, db, args.upstream, logs, args.kills)
    spill = db + ".recorder-spill"
    deadline = time.time() + 120
    while time.time() < deadline and (os.path.exists(spill) or
                                      os.path.exists(spill + ".replaying")):
        time.sleep(0.1)
    code = final.stop()

    with sqlite3.connect(db) as connection:
        stored = {row[0] for row in connection.execute("SELECT request_id FROM completion_requests")}
    lost_before_kill_ms = []
    lost_requests = []
    for request_id, answered_at, number in load.answered:
        if request_id in stored:
            continue
        # A response the client finished reading just after SIGKILL was sent was written before
        # it: 0 ms before the kill.
        lost_before_kill_ms.append(max(0.0, (kills[number] - answered_at) * 1000))
        lost_requests.append({"id": request_id, "answered_at": round(answered_at, 3),
                              "kill": number, "before_kill_ms": round(lost_before_kill_ms[-1], 1)})
    result = {
        "label": args.label,
        "database_locked": args.lock,
        "kills": len(kills),
        "answered": len(load.answered),
        "lost": len(lost_before_kill_ms),
        "lost_before_kill_ms_max": round(max(lost_before_kill_ms), 1) if lost_before_kill_ms else 0,
        "lost_before_kill_ms_p50": (round(percentile(lost_before_kill_ms, 0.5), 1)
                                    if lost_before_kill_ms else 0),
        "lost_more_than_100ms_before_kill": sum(1 for v in lost_before_kill_ms if v > 100),
        "final_proxy_exit": code,
        "kill_times": [round(k, 3) for k in kills],
        "lost_requests": lost_requests,
    }
    with open(args.out, "w") as out:
        json.dump(result, out, indent=2)
    print(json.dumps({k: v for k, v in result.items()
                      if k not in ("kill_times", "lost_requests")}))
    return 0 if result["lost_more_than_100ms_before_kill"] == 0 and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
