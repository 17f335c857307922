"""A silent SAML re-sign-in against the floor of starting headless Chromium (see bench-saml)."""

import base64
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def assertion(acs: str) -> str:
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 300))
    role = "arn:aws:iam::111111111111:role/Admin,arn:aws:iam::111111111111:saml-provider/bench"
    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion>'
        f'<saml:Conditions NotOnOrAfter="{until}"/><saml:AttributeStatement>'
        '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
        f"<saml:AttributeValue>{role}</saml:AttributeValue></saml:Attribute>"
        "</saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )
    return base64.b64encode(xml.encode()).decode()


class Idp(http.server.BaseHTTPRequestHandler):
    """An IdP whose session is saved: the app posts the assertion at once."""

    acs = ""

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = (
            '<!doctype html><body onload="document.forms[0].submit()">'
            f'<form method="post" action="{self.acs}">'
            f'<input type="hidden" name="SAMLResponse" value="{assertion(self.acs)}">'
            "</form></body>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def timed(cmd, env) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    awsnav, runs = sys.argv[1], int(sys.argv[2])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Idp)
    base = f"http://127.0.0.1:{server.server_port}"
    Idp.acs = f"{base}/saml"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = tempfile.mkdtemp(prefix="bench-saml-")
    os.makedirs(f"{home}/awsnav")
    with open(f"{home}/awsnav/config.toml", "w") as f:
        f.write(
            f'[[saml]]\nname = "bench"\nurl = "{base}/app"\nbrowser = "{CHROMIUM}"\nacs = "{Idp.acs}"\n'
        )
    env = {
        "HOME": home,
        "PATH": os.environ["PATH"],
        "AWSNAV_CONFIG": f"{home}/awsnav/config.toml",
        "AWSNAV_CACHE_DIR": f"{home}/cache",
        "AWSNAV_DATA_DIR": f"{home}/data",
        "AWSNAV_LOG_DIR": f"{home}/log",
    }
    floor_profile = f"{home}/floor-profile"
    floor = [CHROMIUM, "--headless=new", f"--user-data-dir={floor_profile}", "--no-first-run"]
    if os.geteuid() == 0:
        floor.append("--no-sandbox")
    floor += ["--dump-dom", "about:blank"]
    silent = [awsnav, "login", "--saml", "bench", "--headless"]
    # A first run of each makes the profiles (not counted).
    timed(floor, env)
    timed(silent, env)
    a, b = [], []
    for _ in range(runs):
        a.append(timed(floor, env))
        b.append(timed(silent, env))
    fa, fb = statistics.median(a), statistics.median(b)
    print(f"runs: {runs} each, taken in turn; Chromium: {CHROMIUM}")
    print(f"floor: headless Chromium to about:blank and out: median {fa:.0f} ms")
    print(f"awsnav login --saml --headless (silent re-sign-in): median {fb:.0f} ms ({fb / fa:.2f}x the floor)")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
