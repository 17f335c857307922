"""Startup benchmarks for awsnav from a cached inventory (see scripts/bench-startup): list --json
at 1,000, 5,000 and 10,000 accounts, the TUI's first frame, and exec with a cached session
under a 2-line and a 15,000-line ~/.aws/config in both credential modes.

Every figure is printed next to the floor measured in the same run: `awsnav --version`, a
process that starts and does nothing.

Every run gets an isolated HOME with the default configuration (costs on, read from the cost
cache the synthetic organization comes with); list --json with costs off is printed beside it.
AWS endpoints point at a closed loopback port, so nothing can leave the machine (and nothing is
needed: all of this is read from the caches).
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

# Set by main() from the command line (scripts/bench-profiles sets them for its own runs).
AWSNAV, SYNTHETIC, RUNS = "awsnav", "synthetic_cache", 30


def configure(release, runs):
    """The binaries of the build in `release` (a target/PROFILE folder), and runs per figure."""
    global AWSNAV, SYNTHETIC, RUNS
    AWSNAV = os.path.join(release, "awsnav")
    SYNTHETIC = os.path.join(release, "examples", "synthetic_cache")
    RUNS = runs


def environment(home):
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[default]\nregion = us-east-1\n")
    os.makedirs(os.path.join(home, "awsnav"), exist_ok=True)
    # The default configuration: an empty file.
    with open(os.path.join(home, "awsnav", "config.toml"), "w") as f:
        f.write("")
    with open(os.path.join(home, "awsnav", "config-no-cost.toml"), "w") as f:
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


def without_cost(env):
    """`env` with `[cost] enabled = false`."""
    return dict(env, AWSNAV_CONFIG=env["AWSNAV_CONFIG"].replace("config.toml", "config-no-cost.toml"))


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
    """Median wall time of each (env, args[, binary]) in `variants`, their runs taken in turn
    (A B A B …) so that a machine that slows down or speeds up meanwhile slows or speeds all
    alike."""
    times = [[] for _ in variants]
    for _ in range(RUNS):
        for i, (env, args, *binary) in enumerate(variants):
            start = time.perf_counter()
            proc = subprocess.run([binary[0] if binary else AWSNAV, *args], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL)
            times[i].append(time.perf_counter() - start)
            if proc.returncode != 0:
                sys.exit(f"awsnav {' '.join(args)} failed: {proc.stderr.decode()}")
    return [statistics.median(t) for t in times]


def interleaved_once(env, args):
    """Wall time of one run of `awsnav ARGS`."""
    start = time.perf_counter()
    subprocess.run([AWSNAV, *args], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def peak_rss(env, args):
    """awsnav's own peak RSS in kB for `awsnav ARGS`, as GNU time reads it: a child of this
    Python would start its count from Python's RSS at the fork."""
    out = subprocess.run(["/usr/bin/time", "-f", "%M", AWSNAV, *args], env=env, check=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    return int(out.strip().splitlines()[-1])


def list_json(env):
    """Peak RSS of `awsnav list --json` (whole process), the largest of three runs."""
    return None, max(peak_rss(env, ["list", "--json"]) for _ in range(3))


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


def tui(env, search="", binary=None):
    """Time from spawn to the first complete frame (the hint bar's last entry, "quit", is on screen),
    and peak RSS in kB over the whole session (after typing `search`, if any)."""
    binary = binary or AWSNAV
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(binary, [binary], env)
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
    # What starts after the first frame (the costs, the sessions) has its moment.
    time.sleep(0.2)
    # awsnav's own high-water mark, read while it runs. The kernel's ru_maxrss of a child
    # starts from the RSS of the Python process it was forked from (about 15 MB), so it
    # cannot show anything smaller.
    with open(f"/proc/{pid}/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
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
    return first, hwm


def load():
    """The machine's load averages (1, 5 and 15 minutes)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    print(f"load average at the start: {load()} · {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as home:
        floor, _ = whole_process(environment(home), ["--version"])
        floor_rss = peak_rss(environment(home), ["--version"])
    print(f"floor · awsnav --version (whole process): median {floor * 1e3:6.1f} ms"
          f" over {RUNS} runs · peak RSS {floor_rss / 1024:5.1f} MB")
    figures = {}
    for accounts in (1_000, 5_000, 10_000):
        with tempfile.TemporaryDirectory() as home:
            env = environment(home)
            subprocess.run([SYNTHETIC, env["AWSNAV_CACHE_DIR"], str(accounts)], check=True,
                           stdout=subprocess.DEVNULL)
            listed = subprocess.run([AWSNAV, "list", "--json"], env=env, check=True,
                                    capture_output=True).stdout
            with_cost = sum(1 for a in json.loads(listed) if a["cost"] is not None)
            base, median, off = interleaved([(env, ["--version"]), (env, ["list", "--json"]),
                                             (without_cost(env), ["list", "--json"])])
            _, rss = list_json(env)
            figures[accounts] = median
            goal = {1_000: 2.5, 5_000: 4.0}.get(accounts)
            print(f"{accounts:>6} accounts · list --json (whole process, costs on: {with_cost:,} with a cost,"
                  f" {len(listed) / 1e6:.1f} MB): median {median * 1e3:6.1f} ms"
                  f" against {base * 1e3:.1f} ms for --version in turn with it ({median / base:.2f}x the floor"
                  + (f"; goal {goal}x" if goal else "") + f") · costs off: {off * 1e3:6.1f} ms"
                  f" ({off / base:.2f}x) · over {RUNS} runs · peak RSS {rss / 1024:5.1f} MB")
            if accounts == 1_000:
                continue
            # The floor taken in turn with the frames, run by run.
            frames, peaks, floors = [], [], []
            for _ in range(RUNS):
                floors.append(interleaved_once(env, ["--version"]))
                first, rss = tui(env)
                frames.append(first)
                peaks.append(rss)
            frame, base = statistics.median(frames), statistics.median(floors)
            goal = "; goal 6x" if accounts == 10_000 else ""
            print(f"{accounts:>6} accounts · TUI first frame from cache: median {frame * 1e3:6.1f} ms"
                  f" against {base * 1e3:.1f} ms for --version in turn with it ({frame / base:.1f}x the floor{goal})"
                  f" over {RUNS} runs · peak RSS {max(peaks) / 1024:5.1f} MB")
            _, rss = tui(env, search="payments prod")
            goal = " (goal 20 MB)" if accounts == 10_000 else ""
            print(f"{accounts:>6} accounts · TUI session with a search: peak RSS {rss / 1024:5.1f} MB{goal}")
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
        # The hottest path against the floor: a cached role session's credentials.
        env_args = ["env", account, "--role", role, "--yes"]
        exec_args = ["exec", account, "--role", role, "--yes", "--", "true"]
        base, env_median, exec_median = interleaved([(env, ["--version"]), (env, env_args),
                                                     (env, exec_args)])
        print(f"env ACCOUNT --role R, role session cached: median {env_median * 1e3:6.1f} ms"
              f" ({env_median / base:.2f}x the floor; goal 1.5x) · exec ACCOUNT --role R -- true:"
              f" median {exec_median * 1e3:6.1f} ms ({exec_median / base:.2f}x; goal 1.5x)"
              f" · --version in turn with them: {base * 1e3:.1f} ms · over {RUNS} runs")
        for mode in ("server", "env"):
            args = ["exec", account, "--role", role, "--yes", "--credentials", mode, "--", "true"]
            small, big = interleaved([(env, args), (big_env, args)])
            print(f"exec ACCOUNT --credentials {mode} -- true, role session cached · ~/.aws/config of 2 lines:"
                  f" median {small * 1e3:6.1f} ms · of {lines:,} lines (2,500 role profiles):"
                  f" median {big * 1e3:6.1f} ms ({big / small:.2f}x) over {RUNS} runs each, in turn")

    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    configure(sys.argv[1], int(sys.argv[2]))
    main()
