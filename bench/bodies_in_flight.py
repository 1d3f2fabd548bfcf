#!/usr/bin/env python3
"""Peak memory of metrics-proxy while many clients each hold a large request body unfinished.

Starts the proxy (upstream: a closed port, never reached), opens N connections that each send a
request head announcing BODY bytes and then all of the body but its last byte, and waits until
every connection has sent what it will or was refused (503, closed). Prints how many were
refused and the proxy's VmHWM (peak resident memory) before and after.

usage: bodies_in_flight.py PROXY_BINARY [--connections 30] [--body-mb 30] [-- extra proxy flags]
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time


def vm_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def hold_body(port, body_bytes, outcome, index):
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {body_bytes}\r\n\r\n").encode()
    piece = b"x" * (1 << 20)
    sock = socket.create_connection(("127.0.0.1", port))
    outcome[index] = ("open", sock)
    try:
        sock.sendall(head)
        left = body_bytes - 1
        while left > 0:
            n = min(left, len(piece))
            sock.sendall(piece[:n])
            left -= n
        outcome[index] = ("held", sock)
    except OSError as error:
        print(f"connection {index}: {error}", file=sys.stderr)
        answer = b""
        try:
            sock.settimeout(2)
            answer = sock.recv(200)
        except OSError:
            pass
        outcome[index] = ("refused " + answer.split(b"\r\n", 1)[0].decode(errors="replace"), sock)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("proxy")
    parser.add_argument("--connections", type=int, default=30)
    parser.add_argument("--body-mb", type=int, default=30)
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proxy = subprocess.Popen(
            [args.proxy, "--db", os.path.join(tmp, "m.db"), "--listen", "127.0.0.1:0",
             "--upstream", "http://127.0.0.1:9", "--log-level", "warn"] + args.extra,
            stdout=subprocess.PIPE, stderr=open(os.environ.get("PROXY_LOG", os.devnull), "w"),
            text=True)
        try:
            port = None
            for line in proxy.stdout:
                match = re.search(r"listening on .*:(\d+)", line)
                if match:
                    port = int(match.group(1))
                    break
            if port is None:
                sys.exit("the proxy did not start")
            time.sleep(0.5)
            base = vm_kib(proxy.pid, "VmHWM")
            outcome = [None] * args.connections
            threads = [threading.Thread(target=hold_body,
                                        args=(port, args.body_mb * 1000 * 1000, outcome, i))
                       for i in range(args.connections)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            time.sleep(1)
            peak = vm_kib(proxy.pid, "VmHWM")
            held = sum(1 for o in outcome if o[0] == "held")
            refused = [o[0] for o in outcome if o[0].startswith("refused")]
            print(f"connections={args.connections} body={args.body_mb} MB held={held} "
                  f"refused={len(refused)} ({refused[0] if refused else '-'})")
            print(f"VmHWM before={base // 1024} MiB after={peak // 1024} MiB "
                  f"growth={(peak - base) // 1024} MiB")
            for o in outcome:
                o[1].close()
        finally:
            proxy.terminate()
            proxy.wait(timeout=30)


if __name__ == "__main__":
    main()
