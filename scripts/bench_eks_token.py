"""Benchmark behind scripts/bench-eks-token: everything runs on loopback against moto."""
import json
import statistics
import subprocess
import sys
import time

from bench_moto import Bench

AWSNAV, RUNS = sys.argv[1], int(sys.argv[2])
with Bench() as b:
    aws, account, alice, base, url = b.aws, b.account, b.alice, b.base, b.url
    role = ["--role", "OrganizationAccountAccessRole", "--yes"]
    token = [AWSNAV, "eks", "token", "--cluster", "main", account, *role]
    # The MFA session and the role session, once; every run after reads them from the cache.
    subprocess.run([*token, "--mfa-code", "123456"], env=alice, check=True, capture_output=True)
    session = json.loads(subprocess.run(
        [AWSNAV, "env", account, *role, "--format", "json"], env=alice, check=True,
        capture_output=True, text=True).stdout)
    as_role = dict(base, **{k: session[k] for k in
                            ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")})

    def median_ms(cmd, env):
        times = []
        for i in range(RUNS + 2):
            t = time.perf_counter()
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
            if i >= 2:  # two warm-up runs
                times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times), out.stdout

    floor_ms, _ = median_ms([AWSNAV, "--version"], alice)
    token_ms, out = median_ms(token, alice)
    assert json.loads(out)["status"]["token"].startswith("k8s-aws-v1."), out
    cli_floor_ms, _ = median_ms([aws, "--version"], as_role)
    cli_ms, out = median_ms([aws, "eks", "get-token", "--cluster-name", "main"], as_role)
    assert json.loads(out)["status"]["token"].startswith("k8s-aws-v1."), out
    print(f"runs per command: {RUNS} (median, after 2 warm-up runs), moto at {url}")
    print(f"floor: awsnav --version                                   {floor_ms:8.1f} ms")
    print(f"awsnav eks token (role session cached)                    {token_ms:8.1f} ms"
          f"   {token_ms / floor_ms:5.2f}x the floor")
    print(f"floor: aws --version                                      {cli_floor_ms:8.1f} ms")
    print(f"aws eks get-token (the same session's keys)               {cli_ms:8.1f} ms"
          f"   {cli_ms / token_ms:5.1f}x awsnav's time")
