"""Startup of the `release` and `dist` builds in one run (see scripts/bench-profiles): the
floor, `env` with a cached role session, `list --json` at 1,000 and 5,000 accounts (costs on),
and the TUI's first frame at 10,000, each figure's runs taken in turn, release then dist.
"""

import os
import statistics
import subprocess
import sys
import tempfile

import bench_startup as b


def main():
    release, dist, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    b.configure(release, runs)
    binaries = {"release": b.AWSNAV, "dist": os.path.join(dist, "awsnav")}
    print(f"load average at the start: {b.load()} · {os.cpu_count()} cores")
    for name, path in binaries.items():
        print(f"{name:>7}: {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
    role = "OrganizationAccountAccessRole"
    rows = []
    for accounts in (1_000, 5_000, 10_000):
        with tempfile.TemporaryDirectory() as home:
            env = b.environment(home)
            account = subprocess.run([b.SYNTHETIC, env["AWSNAV_CACHE_DIR"], str(accounts), role],
                                     check=True, capture_output=True, text=True).stdout.strip()
            figures = [("--version (the floor)", ["--version"])]
            if accounts == 1_000:
                figures.append(("env ACCOUNT --role R, session cached",
                                ["env", account, "--role", role, "--yes"]))
            if accounts < 10_000:
                figures.append((f"list --json, {accounts:,} accounts", ["list", "--json"]))
            for label, args in figures:
                if label.startswith("--version") and accounts != 1_000:
                    continue
                r, d = b.interleaved([(env, args, binaries["release"]),
                                      (env, args, binaries["dist"])])
                rows.append((label, r, d))
            if accounts == 10_000:
                frames = {name: [] for name in binaries}
                for _ in range(runs):
                    for name, path in binaries.items():
                        first, _ = b.tui(env, binary=path)
                        frames[name].append(first)
                rows.append(("TUI first frame, 10,000 accounts",
                             statistics.median(frames["release"]),
                             statistics.median(frames["dist"])))
    for label, r, d in rows:
        print(f"{label:<40} release {r * 1e3:6.1f} ms · dist {d * 1e3:6.1f} ms"
              f" · release is {(r / d - 1) * 100:+5.1f}% against dist")
    print(f"over {runs} runs each · load average at the end: {b.load()}")


if __name__ == "__main__":
    main()
