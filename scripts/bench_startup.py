"""Startup benchmarks for awsnav from a cached inventory (see scripts/bench-startup).

Every run gets an isolated HOME whose config turns cost off; AWS endpoints point at a closed
loopback port, so nothing can leave the machine (and nothing is needed: all of this is read
from the cache).
"""

import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

RELEASE, RUNS = sys.argv[1], int(sys.argv[2])
AWSNAV = os.path.join(RELEASE, "awsnav")
SYNTHETIC = os.path.join(RELEASE, "examples", "synthetic_cache")


def environment(home):
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[default]\nregion = us-east-1\n")
    os.makedirs(os.path.join(home, "awsnav"), exist_ok=True)
    with open(os.path.join(home, "awsnav", "config.toml"), "w") as f:
        f.write("[cost]\nenabled = false\n")
    return {
        "HOME": home,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERM": "xterm-256color",
        "AWS_CONFIG_FILE": f"{home}/.aws/config",
        "AWS_SHARED_CREDENTIALS_FILE": f"{home}/.aws/credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_MAX_ATTEMPTS": "1",
        "AWSNAV_CONFIG": f"{home}/awsnav/config.toml",
        "AWSNAV_CACHE_DIR": f"{home}/awsnav/cache",
        "AWSNAV_LOG_DIR": f"{home}/awsnav/log",
    }


def list_json(env):
    """Median wall time and peak RSS of `awsnav list --json` (whole process)."""
    times, rss = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.Popen([AWSNAV, "list", "--json"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        rss = max(rss, usage.ru_maxrss)
        if status != 0:
            sys.exit(f"list --json failed: {proc.stderr.read().decode()}")
    return statistics.median(times), rss


def tui(env, search=""):
    """Time from spawn to the first complete frame (the hint bar's last entry, "quit", is on screen),
    and peak RSS over the whole session (after typing `search`, if any)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(AWSNAV, [AWSNAV], env)
    start = time.perf_counter()
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen, first = b"", None
    deadline = start + 10
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
            if first is None and b"quit" in seen:
                first = time.perf_counter() - start
                break
    if search:
        os.write(fd, b"/" + search.encode())
        time.sleep(0.5)
        os.write(fd, b"\x1b")
        time.sleep(0.1)
    os.write(fd, b"q")
    end = time.perf_counter() + 5
    while time.perf_counter() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break  # the child closed the terminal
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done == 0:
        if time.perf_counter() >= end:
            os.kill(pid, 9)
        _, status, usage = os.wait4(pid, 0)
    os.close(fd)
    if first is None:
        sys.exit("the TUI drew no frame within 10 s")
    return first, usage.ru_maxrss


def main():
    for accounts in (5_000, 10_000):
        with tempfile.TemporaryDirectory() as home:
            env = environment(home)
            subprocess.run([SYNTHETIC, env["AWSNAV_CACHE_DIR"], str(accounts)], check=True,
                           stdout=subprocess.DEVNULL)
            median, rss = list_json(env)
            print(f"{accounts:>6} accounts · list --json (whole process): median {median * 1e3:6.1f} ms"
                  f" over {RUNS} runs · peak RSS {rss / 1024:5.1f} MB")
            frames, peaks = [], []
            for _ in range(RUNS):
                first, rss = tui(env)
                frames.append(first)
                peaks.append(rss)
            print(f"{accounts:>6} accounts · TUI first frame from cache: median {statistics.median(frames) * 1e3:6.1f} ms"
                  f" over {RUNS} runs · peak RSS {max(peaks) / 1024:5.1f} MB")
            _, rss = tui(env, search="payments prod")
            print(f"{accounts:>6} accounts · TUI session with a search: peak RSS {rss / 1024:5.1f} MB")


main()
