"""Holds every payspec sandbox to its provider's spec with schemathesis (an OpenAPI
fuzzer nobody at payspec wrote): starts `payspec sandbox`, gets each provider's
credentials the way an application would, runs `schemathesis run` against each sandbox
with every check on, a fixed number of examples and a deterministic generator, and
exits non-zero when any check fails.

Usage: python3 run.py PAYSPEC_BINARY SPECS_DIR [provider ...]
"""

import os
import re
import subprocess
import sys
import tempfile

import requests

EXAMPLES = os.environ.get("PAYSPEC_SCHEMATHESIS_EXAMPLES", "25")
# Seconds per provider, so that CI stays bounded whatever schemathesis finds.
SECONDS = os.environ.get("PAYSPEC_SCHEMATHESIS_SECONDS", "120")


def start(binary):
    """Starts `payspec sandbox`; answers the process and its `export` variables."""
    process = subprocess.Popen(
        [binary, "sandbox"], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    env = {}
    for line in process.stdout:
        if line.startswith("export "):
            for pair in line[len("export "):].split():
                name, _, value = pair.partition("=")
                env[name] = value
        if line.startswith("# fault injection"):
            break
    else:
        raise SystemExit("payspec sandbox stopped before printing its environment")
    return process, env


def nopan(env):
    cert = (env["NOPAN_CERT_PEM_FILE"], env["NOPAN_KEY_PEM_FILE"])
    answer = requests.post(
        env["NOPAN_BASE_URL"] + "/auth/token",
        data={
            "grant_type": "client_credentials",
            "processing_account_id": env["NOPAN_PROCESSING_ACCOUNT_ID"],
            "scope": "payments:process payments:read",
        },
        cert=cert,
        verify=env["NOPAN_CA_PEM_FILE"],
        timeout=10,
    )
    answer.raise_for_status()
    token = answer.json()["access_token"]
    return env["NOPAN_BASE_URL"], [f"Authorization: Bearer {token}"], [
        "--request-cert", cert[0], "--request-cert-key", cert[1],
        "--tls-verify", env["NOPAN_CA_PEM_FILE"],
    ]


def mobilepay(env):
    return env["MOBILEPAY_BASE_URL"], [f"Authorization: Bearer {env['MOBILEPAY_API_KEY']}"], []


def gopay(env):
    answer = requests.post(
        env["GOPAY_BASE_URL"] + "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "payment:create payment:read payment:write card:write card:read"},
        auth=(env["GOPAY_CLIENT_ID"], env["GOPAY_CLIENT_SECRET"]),
        timeout=10,
    )
    answer.raise_for_status()
    return env["GOPAY_BASE_URL"], [f"Authorization: Bearer {answer.json()['access_token']}"], []


def eastpay(env):
    return env["EASTPAY_BASE_URL"], [f"Authorization: Bearer {env['EASTPAY_ACCESS_TOKEN']}"], []


def vaiipay(env):
    return env["VAIIPAY_BASE_URL"], [f"Authorization: Bearer {env['PAYMENT_CLIENT_TOKEN']}"], []


PROVIDERS = {"nopan": nopan, "mobilepay": mobilepay, "gopay": gopay, "eastpay": eastpay, "vaiipay": vaiipay}


def run(provider, specs, env, reports):
    base, headers, extra = PROVIDERS[provider](env)
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", os.path.join(specs, f"{provider}.yaml"),
        "--url", base, "--checks", "all", "--max-examples", EXAMPLES,
        "--generation-deterministic", "--max-time", SECONDS, "--workers", "1",
        "--report", "junit", "--report-junit-path", os.path.join(reports, f"{provider}.xml"),
        "--no-color",
    ] + extra
    for header in headers:
        command += ["--header", header]
    result = subprocess.run(command, capture_output=True, text=True)
    output = result.stdout + result.stderr
    failures = re.findall(r"^- (ST\d+ .*)$", output, re.MULTILINE)
    summary = re.findall(r"^=+ (.* in [\d.]+s) =+$", output, re.MULTILINE)
    print(f"{provider}: {summary[-1] if summary else 'no summary'}")
    # schemathesis's exit status is not enough: judge by what it reports.
    ok = bool(summary) and not failures and re.search(r"\d+ failures?", summary[-1]) is None
    if not ok:
        sys.stdout.write(output)
    return ok, failures


def main():
    binary, specs = sys.argv[1], sys.argv[2]
    chosen = sys.argv[3:] or list(PROVIDERS)
    process, env = start(binary)
    try:
        with tempfile.TemporaryDirectory() as reports:
            results = {p: run(p, specs, env, reports) for p in chosen}
    finally:
        process.terminate()
        process.wait(timeout=10)
    failed = [p for p, (ok, _) in results.items() if not ok]
    for provider, (ok, failures) in results.items():
        for failure in sorted(set(failures)):
            print(f"  {provider}: {failure}")
    if failed:
        raise SystemExit(f"schemathesis found failures in: {', '.join(failed)}")
    print("schemathesis: every sandbox answers as its spec says")


if __name__ == "__main__":
    main()
