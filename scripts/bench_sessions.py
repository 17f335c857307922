"""`awsnav exec` with a cached role session: in a file and in the OS keyring (see
scripts/bench-sessions). AWS endpoints point at a closed loopback port: nothing is sent, and
nothing needs to be, since the session is cached."""

import os
import statistics
import subprocess
import sys
import tempfile
import time

RELEASE, RUNS = sys.argv[1], int(sys.argv[2])
AWSNAV = os.path.join(RELEASE, "awsnav")
SYNTHETIC = os.path.join(RELEASE, "examples", "synthetic_cache")
ROLE = "OrganizationAccountAccessRole"


def environment(home, sessions):
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[default]\nregion = us-east-1\n")
    os.makedirs(os.path.join(home, "awsnav"), exist_ok=True)
    with open(os.path.join(home, "awsnav", "config.toml"), "w") as f:
        f.write(f'[cost]\nenabled = false\n[auth]\nsessions = "{sessions}"\n')
    return {
        "HOME": home,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"],
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
        "AWSNAV_SESSIONS": sessions,
    }


def median_ms(env, args):
    times = []
    for _ in range(RUNS + 2):
        start = time.perf_counter()
        proc = subprocess.run([AWSNAV, *args], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"awsnav {' '.join(args)} failed: {proc.stderr.decode()}")
    return statistics.median(times[2:]) * 1e3


def main():
    figures = {}
    for sessions in ("file", "keyring"):
        with tempfile.TemporaryDirectory() as home:
            env = environment(home, sessions)
            account = subprocess.run([SYNTHETIC, env["AWSNAV_CACHE_DIR"], "60", ROLE],
                                     env=env, check=True, capture_output=True,
                                     text=True).stdout.strip()
            if sessions == "file":
                figures["floor"] = median_ms(env, ["--version"])
            figures[sessions] = median_ms(
                env, ["exec", account, "--role", ROLE, "--yes", "--", "true"])
    floor = figures["floor"]
    print(f"floor · awsnav --version: median {floor:5.1f} ms over {RUNS} runs")
    for sessions in ("file", "keyring"):
        ms = figures[sessions]
        print(f"exec ACCOUNT -- true, role session cached, sessions = \"{sessions}\": "
              f"median {ms:5.1f} ms ({ms / floor:.1f}x the floor) over {RUNS} runs")


main()
