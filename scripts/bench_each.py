"""Benchmark behind scripts/bench-each."""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_moto import find

RELEASE, RUNS = sys.argv[1], int(sys.argv[2])
AWSNAV = os.path.join(RELEASE, "awsnav")
SYNTHETIC = os.path.join(RELEASE, "examples", "synthetic_cache")
ROLE = "OrganizationAccountAccessRole"


def environment(home, endpoint):
    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    (home / "awsnav.toml").write_text("[cost]\nenabled = false\n")
    return {
        "HOME": str(home), "PATH": os.environ["PATH"], "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "2",
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWSNAV_CONFIG": str(home / "awsnav.toml"),
        "AWSNAV_CACHE_DIR": str(home / "cache"), "AWSNAV_LOG_DIR": str(home / "log"),
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    }


def timed(cmd, env, shell=False):
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, shell=shell, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def median(cmd, env, runs, prepare=None, shell=False):
    times = []
    for i in range(runs + 1):
        if prepare:
            prepare()
        t = timed(cmd, env, shell)
        if i >= 1:  # one warm-up run
            times.append(t)
    return statistics.median(times)


def cached_thousand():
    home = Path(tempfile.mkdtemp(prefix="awsnav-bench-each-"))
    try:
        env = environment(home, "http://127.0.0.1:9")
        count = subprocess.run([SYNTHETIC, env["AWSNAV_CACHE_DIR"], "1000", ROLE, "all"],
                               env=env, check=True, capture_output=True,
                               text=True).stdout.strip()
        floor = median([AWSNAV, "--version"], env, RUNS)
        one = median([AWSNAV, "exec", "--each", "name:" + first_name(env), "--yes", "--",
                      "true"], env, RUNS)
        each = median([AWSNAV, "exec", "--each", "all", "--yes", "--", "true"], env, RUNS)
        print(f"floor: awsnav --version                                  {floor * 1e3:9.1f} ms")
        print(f"exec --each (1 account) -- true, role session cached       {one * 1e3:9.1f} ms")
        print(f"exec --each all -- true over {count} accounts, sessions cached {each * 1e3:9.1f} ms"
              f"   (goal: 2000 ms)")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def first_name(env):
    out = subprocess.run([AWSNAV, "list", "--json"], env=env, check=True,
                         capture_output=True, text=True).stdout
    return next(a["name"] for a in json.loads(out) if a["status"] == "ACTIVE")


def forty_with_assume_role():
    moto, aws = find("moto_server", "MOTO_SERVER"), find("aws", "AWS_CLI")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    home = Path(tempfile.mkdtemp(prefix="awsnav-bench-each-"))
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        admin = environment(home, url)

        def cli(*args):
            out = subprocess.run([aws, *args, "--output", "json"], env=admin, check=True,
                                 capture_output=True, text=True).stdout
            return json.loads(out) if out.strip() else {}

        cli("organizations", "create-organization", "--feature-set", "ALL")
        ids = [cli("organizations", "create-account", "--email", f"b{i}@example.test",
                   "--account-name", f"bench-{i:02}")["CreateAccountStatus"]["AccountId"]
               for i in range(40)]
        cli("iam", "create-user", "--user-name", "alice")
        key = cli("iam", "create-access-key", "--user-name", "alice")["AccessKey"]
        alice = dict(admin, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                     AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
        (home / "awsnav.toml").write_text("[cost]\nenabled = false\n[auth]\nmfa = \"never\"\n")
        subprocess.run([AWSNAV, "refresh"], env=alice, check=True, capture_output=True)
        roles = lambda: [f.unlink() for f in (home / "cache" / "credentials").glob("role-*.json")]
        bench = [i for i in ids]
        loop = "for id in " + " ".join(bench) + f"; do {AWSNAV} exec $id --yes -- true || exit 1; done"
        floor = median([AWSNAV, "--version"], alice, RUNS)
        looped = median(loop, alice, RUNS, prepare=roles, shell=True)
        each = median([AWSNAV, "exec", "--each", "name:bench-*", "--yes", "--", "true"],
                      alice, RUNS, prepare=roles)
        print(f"floor: awsnav --version                                  {floor * 1e3:9.1f} ms")
        print(f"shell loop of awsnav exec over 40 accounts (AssumeRole each) {looped * 1e3:9.1f} ms")
        print(f"exec --each over the same 40 accounts (AssumeRole each)      {each * 1e3:9.1f} ms"
              f"   {looped / each:5.1f}x faster")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(home, ignore_errors=True)


print(f"{RUNS} runs per figure (median, after 1 warm-up run)")
cached_thousand()
forty_with_assume_role()
