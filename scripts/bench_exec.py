"""Benchmark behind scripts/bench-exec: everything runs on loopback against moto."""
import statistics
import subprocess
import sys
import time

from bench_moto import Bench

AWSNAV, RUNS = sys.argv[1], int(sys.argv[2])
with Bench() as b:
    aws, account, alice, home, url = b.aws, b.account, b.alice, b.home, b.url

    def run(cmd, env):
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)

    subprocess.run([AWSNAV, "refresh"], env=alice, check=True, capture_output=True)
    run([AWSNAV, "exec", account, "--mfa-code", "123456", "--", "true"], alice)  # MFA session
    role_files = lambda: list((home / "cache" / "credentials").glob("role-*.json"))

    def median_ms(cmd, env, prepare=None):
        times = []
        for i in range(RUNS + 2):
            if prepare:
                prepare()
            t = time.perf_counter()
            run(cmd, env)
            if i >= 2:  # two warm-up runs
                times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)

    # One request to the credential endpoint from a warm child, next to one bare request to a
    # loopback server that answers at once (the floor), both over one kept-alive connection.
    child = r"""
import http.client, http.server, os, statistics, threading, time, urllib.parse
class Bare(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *a): pass
bare = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Bare)
threading.Thread(target=bare.serve_forever, daemon=True).start()
def median_us(host, port, path, headers, n):
    c = http.client.HTTPConnection(host, port)
    times = []
    for i in range(n + 5):
        t = time.perf_counter()
        c.request("GET", path, headers=headers)
        r = c.getresponse(); r.read()
        assert r.status == 200, r.status
        if i >= 5:
            times.append((time.perf_counter() - t) * 1e6)
    return statistics.median(times)
u = urllib.parse.urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
n = int(os.environ["BENCH_REQUESTS"])
print(median_us("127.0.0.1", bare.server_address[1], "/", {}, n),
      median_us(u.hostname, u.port, u.path, {"Authorization": token}, n))
"""
    out = subprocess.run([AWSNAV, "exec", account, "--", sys.executable, "-c", child],
                         env=dict(alice, BENCH_REQUESTS=str(max(RUNS, 30) * 10)),
                         check=True, capture_output=True, text=True).stdout.split()
    bare_us, endpoint_us = float(out[0]), float(out[1])

    assume = [aws, "sts", "assume-role", "--role-arn",
              f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
              "--role-session-name", "alice"]
    exec_cmd = [AWSNAV, "exec", account, "--", "true"]
    env_cmd = [AWSNAV, "exec", account, "--credentials", "env", "--", "true"]
    floor_ms = median_ms([AWSNAV, "--version"], alice)
    aws_ms = median_ms(assume, alice)
    cached_ms = median_ms(exec_cmd, alice)
    cached_env_ms = median_ms(env_cmd, alice)
    fresh_ms = median_ms(exec_cmd, alice, prepare=lambda: [f.unlink() for f in role_files()])
    print(f"runs per command: {RUNS} (median, after 2 warm-up runs), moto at {url}")
    print(f"floor: awsnav --version                                      {floor_ms:8.1f} ms")
    print(f"aws sts assume-role                                          {aws_ms:8.1f} ms")
    print(f"awsnav exec -- true (MFA session cached, AssumeRole)          {fresh_ms:8.1f} ms"
          f"   {aws_ms / fresh_ms:5.1f}x faster")
    print(f"awsnav exec -- true (role session cached, server mode)        {cached_ms:8.1f} ms"
          f"   {aws_ms / cached_ms:5.1f}x faster")
    print(f"awsnav exec --credentials env -- true (role session cached)   {cached_env_ms:8.1f} ms"
          f"   {aws_ms / cached_env_ms:5.1f}x faster")
    print(f"one request from a warm child: bare loopback server (floor)   {bare_us / 1000:8.3f} ms")
    print(f"one request from a warm child: awsnav's credential endpoint   {endpoint_us / 1000:8.3f} ms")
