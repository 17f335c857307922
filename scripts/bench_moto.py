"""What the benchmarks against moto share: moto on a free loopback port, a home of their own
with the AWS files, an organization with one member account (`bench-dev`), and alice, an IAM
user with a key and a virtual MFA device (code 123456)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def find(name, env_var):
    if os.environ.get(env_var):
        return os.environ[env_var]
    venv = ROOT / ".venv" / "bin" / name
    if venv.exists():
        return str(venv)
    found = shutil.which(name)
    if not found:
        sys.exit(f"{name} not found: run scripts/test once (it installs it) or set {env_var}")
    return found


class Bench:
    """Started by `with Bench() as b:`; moto stops and the home goes at the end."""

    def __enter__(self):
        self.moto, self.aws = find("moto_server", "MOTO_SERVER"), find("aws", "AWS_CLI")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.server = subprocess.Popen([self.moto, "-H", "127.0.0.1", "-p", str(port)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.home = home = Path(tempfile.mkdtemp(prefix="awsnav-bench-"))
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        (home / ".aws").mkdir()
        (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
        self.base = {
            "HOME": str(home), "PATH": os.environ["PATH"], "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
            "AWSNAV_CONFIG": str(home / "awsnav.toml"),
            "AWSNAV_CACHE_DIR": str(home / "cache"), "AWSNAV_LOG_DIR": str(home / "log"),
        }
        self.admin = dict(self.base, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        self.cli("organizations", "create-organization", "--feature-set", "ALL")
        self.account = self.cli(
            "organizations", "create-account", "--email", "bench@example.test",
            "--account-name", "bench-dev")["CreateAccountStatus"]["AccountId"]
        self.cli("iam", "create-user", "--user-name", "alice")
        key = self.cli("iam", "create-access-key", "--user-name", "alice")["AccessKey"]
        serial = self.cli(
            "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "alice",
            "--outfile", str(home / "qr.png"), "--bootstrap-method", "QRCodePNG",
        )["VirtualMFADevice"]["SerialNumber"]
        self.cli("iam", "enable-mfa-device", "--user-name", "alice", "--serial-number", serial,
                 "--authentication-code1", "123456", "--authentication-code2", "654321")
        self.alice = dict(self.base, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                          AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
        return self

    def cli(self, *args, env=None):
        """The AWS CLI as moto's admin (or `env`), its JSON answer."""
        out = subprocess.run([self.aws, *args, "--output", "json"], env=env or self.admin,
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out) if out.strip() else {}

    def __exit__(self, *_):
        self.server.terminate()
        self.server.wait()
        shutil.rmtree(self.home, ignore_errors=True)
