#!/usr/bin/env python3
"""Writes assets/demo-org.json: the fictional organization `awsnav --demo` shows.

Deterministic: run it again and the file does not change.
"""
import json
import random
from pathlib import Path

rng = random.Random(20261121)
ROOT = "r-d3m0"
ous, accounts = [], []
serial = [100000000000]


def ou(name, parent):
    oid = f"ou-d3m0-{rng.randrange(16**8):08x}"
    ous.append({"id": oid, "name": name, "parent_id": parent})
    return oid


def account(name, parent, status="ACTIVE", **tags):
    serial[0] += rng.randrange(1_000_000, 90_000_000)
    year = rng.randrange(2017, 2026)
    joined = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(7, 19):02d}:{rng.randrange(60):02d}:00Z"
    accounts.append({
        "id": f"{serial[0]:012d}",
        "name": name,
        "email": f"aws+{name}@acme-corp.example",
        "status": status,
        "joined": joined,
        "parent_id": parent,
        "tags": {k.replace("_", "-"): v for k, v in tags.items()},
    })


account("acme-management", ROOT, env="shared", team="cloud-platform", owner="cloud@acme-corp.example")

security = ou("Security", ROOT)
account("security-tooling", security, env="prod", team="security", owner="secops@acme-corp.example")
account("log-archive", security, env="prod", team="security", owner="secops@acme-corp.example")
account("audit", security, env="prod", team="security", owner="secops@acme-corp.example")
account("security-sandbox", security, env="dev", team="security", owner="secops@acme-corp.example")

infra = ou("Infrastructure", ROOT)
for name, env in [("shared-services", "shared"), ("network-hub", "prod"), ("ci-cd", "shared"),
                  ("dns", "prod"), ("backup-vault", "prod"), ("observability", "prod")]:
    account(name, infra, env=env, team="cloud-platform", owner="cloud@acme-corp.example",
            cost_center="CC-1000")

workloads = ou("Workloads", ROOT)
prod = ou("Prod", workloads)
nonprod = ou("NonProd", workloads)
teams = ["payments", "checkout", "search", "identity", "mobile-api", "notifications",
         "web-frontend", "inventory", "shipping", "pricing", "recommendations", "support-tools",
         "partner-api", "billing", "reporting"]
for i, team in enumerate(teams):
    cc = f"CC-{2000 + i * 10}"
    owner = f"{team}@acme-corp.example"
    title = team.replace("-", " ").title().replace(" ", "")
    account(f"{team}-prod", ou(title, prod), env="prod", team=team, owner=owner, cost_center=cc)
    np = ou(title, nonprod)
    account(f"{team}-staging", np, env="staging", team=team, owner=owner, cost_center=cc)
    account(f"{team}-dev", np, env="dev", team=team, owner=owner, cost_center=cc)

data = ou("Data", ROOT)
for name, env in [("data-lake-prod", "prod"), ("data-lake-dev", "dev"), ("analytics-prod", "prod"),
                  ("analytics-dev", "dev"), ("ml-training", "dev"), ("ml-inference-prod", "prod")]:
    account(name, data, env=env, team="data-platform", owner="data@acme-corp.example",
            cost_center="CC-3000")

sandbox = ou("Sandbox", ROOT)
for person in ["alice", "bob", "chen", "dmitri", "esra", "fatima", "gustavo", "hana", "ines", "jonas"]:
    account(f"sandbox-{person}", sandbox, env="sandbox", owner=f"{person}@acme-corp.example",
            expires="2026-12-31")

suspended = ou("Suspended", ROOT)
account("legacy-marketing", suspended, status="SUSPENDED", team="marketing")
account("acquired-startup-old", suspended, status="PENDING_CLOSURE", team="corp-dev")
account("hackathon-2019", suspended, status="SUSPENDED")

org = {
    "root_id": ROOT,
    "org_id": "o-d3m0acme42",
    "management_account_id": accounts[0]["id"],
    "org_units": ous,
    "accounts": accounts,
}
out = Path(__file__).resolve().parent.parent / "assets" / "demo-org.json"
out.write_text(json.dumps(org, indent=1) + "\n")
print(f"{out}: {len(ous)} OUs, {len(accounts)} accounts")
