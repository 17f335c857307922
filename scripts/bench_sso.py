"""A stand-in IAM Identity Center portal on loopback: one `awsnav refresh` against it, then
the TUI's role picker for accounts whose roles were never read.

Usage: bench_sso.py AWSNAV ACCOUNTS REQUESTS_PER_SECOND [PICKS]
"""
import datetime
import hashlib
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

awsnav, accounts, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
picks = int(sys.argv[4]) if len(sys.argv) > 4 else 15
ACCOUNTS = [("%012d" % (300000000000 + i), "acct-%05d" % i) for i in range(accounts)]
starts = []


class Portal(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        starts.append(time.monotonic())
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/assignment/accounts":
            first = int(query.get("next_token", "0"))
            page = ACCOUNTS[first:first + int(query.get("max_result", "20"))]
            body = {"accountList": [
                {"accountId": a, "accountName": n, "emailAddress": n + "@example.com"}
                for a, n in page]}
            if first + len(page) < len(ACCOUNTS):
                body["nextToken"] = str(first + len(page))
        else:
            body = {"roleList": [{"roleName": r, "accountId": query["account_id"]}
                                 for r in ("AdministratorAccess", "ReadOnlyAccess")]}
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Portal)
threading.Thread(target=server.serve_forever, daemon=True).start()
home = tempfile.mkdtemp()
os.makedirs(f"{home}/.aws/sso/cache")
os.makedirs(f"{home}/awsnav")
with open(f"{home}/.aws/config", "w") as f:
    f.write("[profile corp]\nsso_session = corp\n[sso-session corp]\n"
            "sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n")
with open(f"{home}/awsnav/config.toml", "w") as f:
    f.write(f'[sso]\nprofile = "corp"\nrequests_per_second = {rate}\n')
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
with open(f"{home}/.aws/sso/cache/{hashlib.sha1(b'corp').hexdigest()}.json", "w") as f:
    json.dump({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
               "accessToken": "bench", "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}, f)
env = {"HOME": home, "PATH": os.environ["PATH"], "AWS_CONFIG_FILE": f"{home}/.aws/config",
       "AWS_SHARED_CREDENTIALS_FILE": f"{home}/.aws/credentials",
       "AWS_EC2_METADATA_DISABLED": "true", "AWSNAV_CONFIG": f"{home}/awsnav/config.toml",
       "AWSNAV_CACHE_DIR": f"{home}/awsnav/cache", "AWSNAV_LOG_DIR": f"{home}/awsnav/log",
       "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
       "AWS_ENDPOINT_URL_SSO": f"http://127.0.0.1:{server.server_port}"}
began = time.monotonic()
out = subprocess.run([awsnav, "refresh"], env=env, capture_output=True, text=True)
wall = time.monotonic() - began
if out.returncode != 0:
    sys.exit(f"awsnav refresh failed: {out.stderr}")
busiest = max(sum(1 for u in starts if t <= u < t + 1) for t in starts)
print(f"refresh: {accounts} accounts, {len(starts)} portal requests in {wall:.2f} s "
      f"({len(starts) / wall:.1f} requests/s on average, at most {busiest} in any second; "
      f"[sso] requests_per_second = {rate})")

# The floor: one bare ListAccountRoles request to the stand-in, from this process.
import http.client
bare = []
for _ in range(20):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port)
    t = time.monotonic()
    conn.request("GET", f"/assignment/roles?account_id={ACCOUNTS[0][0]}&max_result=100",
                 headers={"x-amz-sso_bearer_token": "bench"})
    conn.getresponse().read()
    bare.append(time.monotonic() - t)
    conn.close()

# The role picker: in the TUI under tmux, search an account whose roles were never read and
# press Enter at once; the time until the picker shows its roles.
if not shutil.which("tmux"):
    sys.exit("tmux is needed for the role picker figure (scripts/test installs it)")
sock = f"awsnav-bench-{os.getpid()}"
tmux = ["tmux", "-L", sock]
exports = " ".join(f"{k}={v}" for k, v in env.items())
subprocess.run(tmux + ["new-session", "-d", "-x", "120", "-y", "40",
                       f"env -i {exports} TERM=xterm-256color {awsnav}"], check=True)


def screen():
    return subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True,
                          text=True).stdout


def wait_for(text, timeout=10.0):
    began = time.monotonic()
    while text not in screen():
        if time.monotonic() - began > timeout:
            sys.exit(f"`{text}` never showed:\n{screen()}")
        time.sleep(0.002)
    return time.monotonic() - began


def pick(name):
    """Types `/NAME`, Enter (the search), Enter (open) in one go: the time until the picker
    shows the account's roles, and the portal requests made meanwhile."""
    before = len(starts)
    began = time.monotonic()
    subprocess.run(tmux + ["send-keys", "-l", f"/{name}"], check=True)
    subprocess.run(tmux + ["send-keys", "Enter", "Enter"], check=True)
    wait_for("ReadOnlyAccess  Identity Center")
    took = time.monotonic() - began
    asked = len(starts) - before
    subprocess.run(tmux + ["send-keys", "Escape", "Escape", "Escape"], check=True)
    wait_for("Enter open")
    return took, asked


try:
    wait_for("acct-")
    step = max(1, accounts // picks)
    cold, asked = [], []
    for i in range(0, step * picks, step):
        took, n = pick(ACCOUNTS[i][1])
        cold.append(took)
        asked.append(n)
    # The same accounts again: their roles are known now (the TUI's own floor).
    warm = [pick(ACCOUNTS[i][1])[0] for i in range(0, step * min(picks, 5), step)]
finally:
    subprocess.run(tmux + ["kill-server"], capture_output=True)
ms = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms"
print(f"role picker, roles never read: median {ms(cold)}, slowest {max(cold) * 1000:.0f} ms "
      f"over {len(cold)} accounts ({statistics.median(asked):.0f} portal request each)")
print(f"role picker, roles known (floor: search, render, tmux polling): median {ms(warm)}")
print(f"one bare ListAccountRoles request to the stand-in (floor): median "
      f"{statistics.median(bare) * 1000:.2f} ms")
