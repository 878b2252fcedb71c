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
import uuid

import base64
import json

import http_message_signatures as hms
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from http_message_signatures import algorithms as hms_algorithms
from joserfc import jwe
from joserfc.jwk import RSAKey

EXAMPLES = os.environ.get("PAYSPEC_SCHEMATHESIS_EXAMPLES", "25")
# Seconds per provider, so that CI stays bounded whatever schemathesis does (a run
# takes 10-30 s: examples, coverage and fuzzing of every operation, bounded by the
# number of examples; schemathesis's own --max-time would instead fuzz until it ran out,
# and the stateful phase, which chains operations for as long as it is given, is left
# out, so that a run is the same on any machine).
SECONDS = int(os.environ.get("PAYSPEC_SCHEMATHESIS_SECONDS", "300"))


def start(binary):
    """Starts `payspec sandbox`; answers the process and its `export` variables."""
    process = subprocess.Popen(
        # --unsigned: schemathesis cannot sign Nopan's requests (RFC 9421); the token
        # call below is signed (with Python's http-message-signatures), and the sandbox
        # checks every signature that is sent.
        [binary, "sandbox", "--unsigned"], stdout=subprocess.PIPE, text=True, bufsize=1
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


class _Keys(hms.HTTPSignatureKeyResolver):
    def __init__(self, private=None, public=None):
        self.private, self.public = private, public

    def resolve_private_key(self, key_id):
        return self.private

    def resolve_public_key(self, key_id):
        return self.public


class _Answer:
    """A response as http-message-signatures reads it."""

    def __init__(self, response):
        self.status_code = response.status_code
        self.headers = response.headers
        self.request = None


def nopan(env):
    """The token call as a client in another language makes it: signed (RFC 9421) with
    the key the sandbox issued, by Python's http-message-signatures; the answer's
    signature is checked by the same library against the sandbox's JWKS. Either failing
    stops the run."""
    cert = (env["NOPAN_CERT_PEM_FILE"], env["NOPAN_KEY_PEM_FILE"])
    base = env["NOPAN_BASE_URL"]
    session = requests.Session()
    prepared = requests.Request(
        "POST",
        base + "/auth/token",
        data={
            "grant_type": "client_credentials",
            "processing_account_id": env["NOPAN_PROCESSING_ACCOUNT_ID"],
            "scope": "payments:process payments:read data:reports",
        },
    ).prepare()
    with open(env["NOPAN_SIGNING_KEY_PEM_FILE"], "rb") as file:
        private = file.read()
    hms.HTTPMessageSigner(
        signature_algorithm=hms_algorithms.ED25519, key_resolver=_Keys(private=private)
    ).sign(
        prepared,
        key_id=env["NOPAN_SIGNING_KEY_ID"],
        label="nopan_sig",
        include_alg=False,
        covered_component_ids=("@authority", "@method", "@request-target", "content-type", "content-length"),
        body=prepared.body.encode(),
    )
    answer = session.send(prepared, cert=cert, verify=env["NOPAN_CA_PEM_FILE"], timeout=10)
    answer.raise_for_status()
    jwks = session.get(
        base + "/.well-known/jwks.json", cert=cert, verify=env["NOPAN_CA_PEM_FILE"], timeout=10
    ).json()
    x = jwks["keys"][0]["x"]
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
    public_pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    hms.HTTPMessageVerifier(
        signature_algorithm=hms_algorithms.ED25519, key_resolver=_Keys(public=public_pem)
    ).verify(_Answer(answer), max_age=None, require_components=("@status",), body=answer.content)
    print("nopan: the token call signed by http-message-signatures was accepted, and the answer's signature verified")
    token = answer.json()["access_token"]
    # A payment initiated through the API, and the account the token is for, so that
    # schemathesis's capture, refund, cancel and finalize reach the payment instead of
    # "forbidden for this processing account".
    account = env["NOPAN_PROCESSING_ACCOUNT_ID"]
    initiated = session.post(
        base + "/payments/initiate",
        json={
            "processingAccountId": account, "clientTransactionId": "schemathesis",
            "transactionType": "ONE_TIME",
            "paymentDetails": {"amount": 100, "currency": "PLN", "country": "PL", "description": "schemathesis"},
            "providerDetails": {"providerId": "BLIK"},
            "payerDetails": {"payerId": "schemathesis", "oneTimeCode": "123456"},
        },
        headers={"Authorization": f"Bearer {token}"},
        cert=cert, verify=env["NOPAN_CA_PEM_FILE"], timeout=10,
    )
    initiated.raise_for_status()
    params = {
        "body.processingAccountId": account,
        "body.transactionId": initiated.json()["transactionId"],
    }
    return env["NOPAN_BASE_URL"], [f"Authorization: Bearer {token}"], [
        "--request-cert", cert[0], "--request-cert-key", cert[1],
        "--tls-verify", env["NOPAN_CA_PEM_FILE"],
    ], params, {}


def mobilepay(env):
    """A payment the user reserved and the merchant captured and partly refunded, made
    through the API, so that schemathesis reaches the operations on a payment."""
    base = env["MOBILEPAY_BASE_URL"]
    auth = {"Authorization": f"Bearer {env['MOBILEPAY_API_KEY']}"}

    def post(path, body):
        answer = requests.post(base + path, json=body, headers=auth, timeout=10)
        answer.raise_for_status()
        return answer.json() if answer.content else {}

    payment = post("/v1/payments", {
        "amount": 1000, "idempotencyKey": str(uuid.uuid4()),
        "paymentPointId": env["MOBILEPAY_PAYMENT_POINT_ID"],
        "redirectUri": "myapp://done", "reference": "schemathesis",
    })["paymentId"]
    post(f"/v1/integration-test/payments/{payment}/reserve",
         {"paymentSourceId": str(uuid.uuid4()), "userId": str(uuid.uuid4())})
    post(f"/v1/payments/{payment}/capture", {"amount": 1000})
    refund = post("/v1/refunds", {
        "paymentId": payment, "amount": 100, "reference": "schemathesis-refund",
        "idempotencyKey": str(uuid.uuid4()),
    })["refundId"]
    return base, [f"Authorization: Bearer {env['MOBILEPAY_API_KEY']}"], [], {
        "path.paymentid": payment, "path.refundid": refund,
    }, {}


def gopay(env):
    base, goid = env["GOPAY_BASE_URL"], env["GOPAY_GOID"]
    answer = requests.post(
        base + "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "payment:create payment:read payment:write card:write card:read"},
        auth=(env["GOPAY_CLIENT_ID"], env["GOPAY_CLIENT_SECRET"]),
        timeout=10,
    )
    answer.raise_for_status()
    auth = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def made(path, body, field="id"):
        answer = requests.post(base + path, json=body, headers=auth, timeout=10)
        answer.raise_for_status()
        return str(answer.json()[field])

    order = {"amount": 1000, "currency": "CZK", "order_number": "schemathesis"}
    # A card token, as a merchant's page makes one: the card encrypted to GoPay's key
    # (joserfc, not payspec), then handed to /cards/tokens.
    key = requests.get(base + "/encryption/public-key", headers=auth, timeout=10).json()
    card = json.dumps({"card_pan": "4444444444444448", "exp_month": "01", "exp_year": "31", "cvv": "258"})
    jwe_token = jwe.encrypt_compact(
        {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": key["kid"]},
        card,
        RSAKey.import_key(key),
        algorithms=["RSA-OAEP-256", "A256GCM"],
    )
    params = {
        "path.goid": goid,
        "path.payment_id": made(f"/eshops/{goid}/payments", order),
        "path.link_id": made(f"/eshops/{goid}/links", {"payment": order}),
        "path.rec_id": made(f"/eshops/{goid}/recurrences", {"type": "ON_DEMAND", "payment": order}),
        "path.card_id": made("/cards/tokens", {"payload": jwe_token, "permanent": True}, "token"),
    }
    return base, [f"Authorization: Bearer {answer.json()['access_token']}"], [], params, {}


def eastpay(env):
    """A pre-authorization, a stored card and a checkout made through the API (OPP's
    forms). Their ids share one path parameter, `{id}`, so each kind gets a pass of its
    own over the operations that take it, and the rest a pass without ids."""
    base, entity = env["EASTPAY_BASE_URL"], env["EASTPAY_ENTITY_ID"]
    auth = {"Authorization": f"Bearer {env['EASTPAY_ACCESS_TOKEN']}"}

    def made(path, form):
        answer = requests.post(base + path, data={"entityId": entity, **form}, headers=auth, timeout=10)
        answer.raise_for_status()
        return answer.json()["id"]

    card = {
        "paymentBrand": "VISA", "card.number": "4200000000000000", "card.holder": "Jane Jones",
        "card.expiryMonth": "05", "card.expiryYear": "2034", "card.cvv": "123",
    }
    payment = made("/v3/payments", {"amount": "92.00", "currency": "EUR", "paymentType": "PA", **card})
    registration = made("/v3/registrations", card)
    checkout = made("/v3/checkouts", {"amount": "92.00", "currency": "EUR", "paymentType": "DB"})
    ids = lambda id_: {"query.entityId": entity, "path.id": id_}
    passes = [
        ("", ["--exclude-path-regex", r"\{id\}"], {"query.entityId": entity}),
        ("payments", ["--include-path-regex", r"^/v3/(payments|query)/\{id\}$"], ids(payment)),
        ("registrations", ["--include-path-regex", r"^/v3/registrations/\{id\}"], ids(registration)),
        ("checkouts", ["--include-path-regex", r"^/v3/checkouts/\{id\}"], ids(checkout)),
    ]
    return base, [f"Authorization: Bearer {env['EASTPAY_ACCESS_TOKEN']}"], [], passes, {}


def vaiipay(env):
    """Each operation gets the credential its security scheme names (the client token
    for payments, the OAuth token for the dashboard's payment applications), and ids of
    a checkout and an application made through the API."""
    base = env["VAIIPAY_BASE_URL"]

    def post(path, token, body):
        answer = requests.post(
            base + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()

    checkout = post("/api/payment/checkout", env["PAYMENT_CLIENT_TOKEN"], {
        "amount": 10000, "currencyCode": "USD", "reference": "schemathesis",
        "clientId": env["PAYMENT_CLIENT_ID"], "redirectUrl": "https://shop.example/thanks",
    })["data"]["checkoutUrl"]
    payment = checkout.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    # The payer pays it in full on the checkout page: RECEIVED, the one status VaiiPay
    # publishes (the sandbox's names for the states before it and for a wrong amount are
    # not in the spec, and clients read them as unknown values).
    requests.post(checkout, data={"choice": "full"}, allow_redirects=False, timeout=10).raise_for_status()
    application = post("/api/payment-applications", env["VAIIPAY_OAUTH_TOKEN"], {
        "name": "schemathesis", "secret": "schemathesis-secret",
    })
    application = application.get("data", application)["id"]
    return base, [], [], {
        "path.paymentId": payment, "path.applicationId": str(application),
        "path.provider": "tron", "path.method": "usdt",
    }, {"clientToken": env["PAYMENT_CLIENT_TOKEN"], "oauth": env["VAIIPAY_OAUTH_TOKEN"]}


# Where a schema-valid request is refused by design, what the provider answers instead
# (the check stays on; these statuses count as accepted). Each exception says why.
CONFIG = {
    # Nopan answers a step its payment's state does not allow with 422 `5002` ("State
    # transition not allowed"), a capture or refund of more than is left with 400 `4000`
    # (a wrong amount), and a one-time BLIK payment without its code with 400 `4000`: a
    # schema cannot name a payment's state or what is left of it, nor tie the code to the
    # provider. (Which of these a run meets depends on the order it calls in: run alone,
    # capture and refund met the amount rule.)
    "nopan": """
[[operations]]
include-path-regex = "^/payments/(cancel|finalize)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 422]

[[operations]]
include-path-regex = "^/payments/(capture|refund)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 404, 409, 422]

[[operations]]
include-path = "/payments/initiate"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 404, 409, 422]
""",
    # RFC 6749 5.2: an unknown refresh token is `invalid_grant`, HTTP 400; a card JWE
    # that does not decrypt under GoPay's key is refused with 400 (no schema can say
    # "encrypted to this key").
    "gopay": """
[[operations]]
include-path = "/oauth2/token"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401]

[[operations]]
include-path = "/cards/tokens"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 404]

# A charge with a card token GoPay never issued is refused with 400, as /cards/tokens
# refuses a JWE (no schema can name the tokens that exist).
[[operations]]
include-path = "/payments/{payment_id}/charge"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 404, 409]

# An AUTO recurrence without a schedule is refused with 400: the spec's schedule is
# optional because ON_DEMAND has none, and OpenAPI 3.0 cannot tie it to the type.
[[operations]]
include-path = "/eshops/{goid}/recurrences"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 404]
""",
    # OPP answers a request for another entity, and a declined payment, with HTTP 400
    # and a result code (600.200.100, 800.x): the entity is the tenant's, a schema
    # cannot name it.
    "eastpay": """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", 400, 401, 403, 404]
""",
    # A checkout for a clientId other than the application's is refused with 422.
    "vaiipay": """
[[operations]]
include-path = "/api/payment/checkout"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 422]
""",
}

# Operations schemathesis cannot be handed a real target for, and why.
NEVER_FOUND = {
    "mobilepay": {
        # The payment it cancels is named by an idempotency key in the body, and only
        # one that was initiated and never answered can be cancelled this way.
        "POST /v1/payments/cancel": "keyed by the body",
    },
}


def missing_data(output):
    """The operations schemathesis's "Missing test data" warning lists."""
    # From its heading to the next warning's heading or the summary.
    section = re.search(
        r"^Missing test data:.*?(?=^(?:Authentication failed|Schema validation mismatch)|^=+)",
        output + "\n===",
        re.MULTILINE | re.DOTALL,
    )
    if not section:
        return []
    return re.findall(r"^  - ([A-Z]+ \S+)$", section.group(0), re.MULTILINE)


PROVIDERS = {"nopan": nopan, "mobilepay": mobilepay, "gopay": gopay, "eastpay": eastpay, "vaiipay": vaiipay}


def run(provider, specs, env, reports):
    base, headers, extra, params, bearer = PROVIDERS[provider](env)
    # One pass, or several where one set of ids cannot serve every operation (EastPay's
    # `{id}` is a payment, a registration or a checkout): (label, filter, ids).
    passes = params if isinstance(params, list) else [("", [], params)]
    results = [
        run_pass(provider, label, specs, env, reports, base, headers, extra + selection, ids, bearer)
        for label, selection, ids in passes
    ]
    return all(ok for ok, _ in results), [f for _, failures in results for f in failures]


def run_pass(provider, label, specs, env, reports, base, headers, extra, params, bearer):
    name = f"{provider}-{label}" if label else provider
    config = os.path.join(reports, f"{name}.toml")
    with open(config, "w") as file:
        file.write(CONFIG.get(provider, ""))
        # Ids of things that exist, so that schemathesis reaches past "not found".
        file.write("\n[parameters]\n")
        for key, value in params.items():
            file.write(f"{json.dumps(key)} = {json.dumps(value)}\n")
        # A token per security scheme, where the API has several.
        for scheme, token in bearer.items():
            file.write(f"\n[auth.openapi.{scheme}]\nbearer = {json.dumps(token)}\n")
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", config,
        "run", os.path.join(specs, f"{provider}.yaml"),
        "--url", base, "--checks", "all", "--max-examples", EXAMPLES,
        "--generation-deterministic", "--workers", "1",
        "--phases", "examples,coverage,fuzzing",
        "--report", "junit", "--report-junit-path", os.path.join(reports, f"{name}.xml"),
        "--no-color",
    ] + extra
    for header in headers:
        command += ["--header", header]
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **env}, timeout=SECONDS
    )
    output = result.stdout + result.stderr
    failures = re.findall(r"^- (ST\d+ .*)$", output, re.MULTILINE)
    summary = re.findall(r"^=+ (.* in [\d.]+s) =+$", output, re.MULTILINE)
    print(f"{name}: {summary[-1] if summary else 'no summary'}")
    # schemathesis's exit status is not enough: judge by what it reports.
    ok = bool(summary) and not failures and re.search(r"\d+ failures?", summary[-1]) is None
    # An operation that only ever answered 404 was never tested past "not found": the
    # ids made above must reach every one but those NEVER_FOUND names, and why.
    unreached = sorted(set(missing_data(output)) - set(NEVER_FOUND.get(provider, {})))
    if unreached:
        print(f"{name}: only 404 for {', '.join(unreached)}: give schemathesis an id for it")
        ok = False
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
