"""Startup benchmarks for awsnav from a cached inventory (see scripts/bench-startup): list --json
at 1,000, 5,000 and 10,000 accounts, the TUI's first frame, and exec with a cached session
under a 2-line and a 15,000-line ~/.aws/config in both credential modes.

Every figure is printed next to the floor measured in the same run: `awsnav --version`, a
process that starts and does nothing.

Every run gets an isolated HOME whose config turns cost off; AWS endpoints point at a closed
loopback port, so nothing can leave the machine (and nothing is needed: all of this is read
from the cache).
"""

import fcntl
import json
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


def whole_process(env, args):
    """Median wall time and peak RSS of `awsnav ARGS` from spawn to exit."""
    times, rss = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.Popen([AWSNAV, *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        rss = max(rss, usage.ru_maxrss)
        if status != 0:
            sys.exit(f"awsnav {' '.join(args)} failed: {proc.stderr.read().decode()}")
    return statistics.median(times), rss


def interleaved(variants):
    """Median wall time of each (env, args) in `variants`, their runs taken in turn (A B A B …)
    so that a machine that slows down or speeds up meanwhile slows or speeds all alike."""
    times = [[] for _ in variants]
    for _ in range(RUNS):
        for i, (env, args) in enumerate(variants):
            start = time.perf_counter()
            proc = subprocess.run([AWSNAV, *args], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
            times[i].append(time.perf_counter() - start)
            if proc.returncode != 0:
                sys.exit(f"awsnav {' '.join(args)} failed: {proc.stderr.decode()}")
    return [statistics.median(t) for t in times]


def list_json(env):
    """Median wall time and peak RSS of `awsnav list --json` (whole process)."""
    return whole_process(env, ["list", "--json"])


def big_aws_config(path, env, profiles=2_500):
    """An AWS config file with `profiles` role profiles (six lines each) for accounts of the
    cached organization, as `config generate` or a platform team would write it."""
    listed = subprocess.run([AWSNAV, "list", "--json"], env=env, check=True,
                            capture_output=True, text=True).stdout
    ids = [a["id"] for a in json.loads(listed)]
    lines = ["[default]", "region = us-east-1", ""]
    for n in range(profiles):
        account = ids[n % len(ids)]
        lines += [f"[profile acct-{n}/Admin]", f"role_arn = arn:aws:iam::{account}:role/Admin",
                  "source_profile = default", "mfa_serial = arn:aws:iam::123456789012:mfa/alice",
                  "region = eu-west-1", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return len(lines)


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
    with tempfile.TemporaryDirectory() as home:
        floor, floor_rss = whole_process(environment(home), ["--version"])
    print(f"floor · awsnav --version (whole process): median {floor * 1e3:6.1f} ms"
          f" over {RUNS} runs · peak RSS {floor_rss / 1024:5.1f} MB")
    figures = {}
    for accounts in (1_000, 5_000, 10_000):
        with tempfile.TemporaryDirectory() as home:
            env = environment(home)
            subprocess.run([SYNTHETIC, env["AWSNAV_CACHE_DIR"], str(accounts)], check=True,
                           stdout=subprocess.DEVNULL)
            base, median = interleaved([(env, ["--version"]), (env, ["list", "--json"])])
            _, rss = list_json(env)
            figures[accounts] = median
            print(f"{accounts:>6} accounts · list --json (whole process): median {median * 1e3:6.1f} ms"
                  f" against {base * 1e3:.1f} ms for --version in turn with it ({median / base:.1f}x the floor)"
                  f" over {RUNS} runs · peak RSS {rss / 1024:5.1f} MB")
            if accounts == 1_000:
                continue
            frames, peaks = [], []
            for _ in range(RUNS):
                first, rss = tui(env)
                frames.append(first)
                peaks.append(rss)
            print(f"{accounts:>6} accounts · TUI first frame from cache: median {statistics.median(frames) * 1e3:6.1f} ms"
                  f" over {RUNS} runs · peak RSS {max(peaks) / 1024:5.1f} MB")
            _, rss = tui(env, search="payments prod")
            print(f"{accounts:>6} accounts · TUI session with a search: peak RSS {rss / 1024:5.1f} MB")
    print(f"list --json · 10,000 against 5,000 accounts: {figures[10_000] / figures[5_000]:.2f}x")
    # Getting in with a cached role session: the size of ~/.aws/config must not show, with
    # the credential endpoint (server) or fixed variables (env). The two files are used in
    # turn, run by run.
    with tempfile.TemporaryDirectory() as home:
        env = environment(home)
        role = "OrganizationAccountAccessRole"
        account = subprocess.run([SYNTHETIC, env["AWSNAV_CACHE_DIR"], "5000", role], check=True,
                                 capture_output=True, text=True).stdout.strip()
        big_env = dict(env, AWS_CONFIG_FILE=f"{home}/.aws/config-big")
        lines = big_aws_config(big_env["AWS_CONFIG_FILE"], env)
        for mode in ("server", "env"):
            args = ["exec", account, "--role", role, "--yes", "--credentials", mode, "--", "true"]
            small, big = interleaved([(env, args), (big_env, args)])
            print(f"exec ACCOUNT --credentials {mode} -- true, role session cached · ~/.aws/config of 2 lines:"
                  f" median {small * 1e3:6.1f} ms · of {lines:,} lines (2,500 role profiles):"
                  f" median {big * 1e3:6.1f} ms ({big / small:.2f}x) over {RUNS} runs each, in turn")

if __name__ == "__main__":
    main()
