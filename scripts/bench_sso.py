"""A stand-in IAM Identity Center portal on loopback, and one `awsnav refresh` against it.

Usage: bench_sso.py AWSNAV ACCOUNTS REQUESTS_PER_SECOND
"""
import datetime
import hashlib
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

awsnav, accounts, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
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
print(f"{accounts} accounts, {len(starts)} portal requests in {wall:.1f} s "
      f"({len(starts) / wall:.1f} requests/s on average, at most {busiest} in any second; "
      f"[sso] requests_per_second = {rate})")
