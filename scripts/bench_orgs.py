"""Several organizations from cache (see scripts/bench-orgs): `list --json` and the TUI's first
frame with three organizations of 3,000 accounts each, against one organization of 10,000,
their runs taken in turn, beside the `awsnav --version` floor of the same run."""

import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from bench_startup import RUNS, SYNTHETIC, environment, interleaved, tui  # noqa: E402

ORGS = ("north", "south", "west")


def one_org(home, accounts):
    env = environment(home)
    subprocess.run([SYNTHETIC, env["AWSNAV_CACHE_DIR"], str(accounts)], check=True,
                   stdout=subprocess.DEVNULL)
    return env


def three_orgs(home, accounts):
    env = environment(home)
    with open(env["AWSNAV_CONFIG"], "a") as f:
        for name in ORGS:
            f.write(f'\n[[org]]\nname = "{name}"\nprofile = "{name}"\n')
    for shift, name in enumerate(ORGS, start=1):
        subprocess.run([SYNTHETIC, env["AWSNAV_CACHE_DIR"], str(accounts)], check=True,
                       stdout=subprocess.DEVNULL,
                       env=dict(os.environ, AWSNAV_SYNTHETIC_ORG=name,
                                AWSNAV_SYNTHETIC_SHIFT=str(shift)))
    return env


def first_frames(env):
    return statistics.median(tui(env)[0] for _ in range(RUNS))


def main():
    with tempfile.TemporaryDirectory() as one_home, tempfile.TemporaryDirectory() as three_home:
        one, three = one_org(one_home, 10_000), three_orgs(three_home, 3_000)
        listed = subprocess.run([os.path.join(os.path.dirname(SYNTHETIC), "..", "awsnav"),
                                 "list", "--json"], env=three, capture_output=True, text=True,
                                check=True).stdout
        if listed.count('"org": ') != 9_000:
            sys.exit("the three organizations' caches are not read as one tree")
        floor, single, several = interleaved([(one, ["--version"]), (one, ["list", "--json"]),
                                              (three, ["list", "--json"])])
        print(f"floor · awsnav --version (whole process): median {floor * 1e3:6.1f} ms over {RUNS} runs")
        print(f"list --json · 1 organization of 10,000 accounts: median {single * 1e3:6.1f} ms"
              f" ({single / floor:.1f}x the floor) · 3 of 3,000: median {several * 1e3:6.1f} ms"
              f" ({several / floor:.1f}x the floor) · 3 x 3,000 against 10,000: {several / single:.2f}x"
              f" over {RUNS} runs each, in turn")
        single, several = first_frames(one), first_frames(three)
        print(f"TUI first frame from cache · 1 organization of 10,000 accounts: median {single * 1e3:6.1f} ms"
              f" · 3 of 3,000: median {several * 1e3:6.1f} ms · 3 x 3,000 against 10,000:"
              f" {several / single:.2f}x over {RUNS} runs each")


main()
