"""A MobilePay payment against `payspec sandbox`, from Python with nothing but the
standard library: what a team that does not write Rust does.

Start the sandboxes and keep them running (their state survives a restart):

    payspec sandbox --port 8700 --state sandbox-state.jsonl

then run this with the `export ...` lines it printed in the environment
(`MOBILEPAY_BASE_URL`, `MOBILEPAY_API_KEY`, `MOBILEPAY_PAYMENT_POINT_ID`).
"""

import json
import os
import sys
import urllib.request
import uuid

BASE = os.environ["MOBILEPAY_BASE_URL"]
KEY = os.environ["MOBILEPAY_API_KEY"]
POINT = os.environ["MOBILEPAY_PAYMENT_POINT_ID"]
REFERENCE = sys.argv[1] if len(sys.argv) > 1 else "order-python-1"


def call(method, path, body=None):
    """One API call: the API key as a bearer token, a fresh CorrelationId."""
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {KEY}",
            "CorrelationId": str(uuid.uuid4()),
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        text = answer.read()
        return json.loads(text) if text else None


# 1. Initiate: the idempotency key makes a repeated call (after a timeout) safe.
payment = call(
    "POST",
    "/v1/payments",
    {
        "amount": 1250,
        "idempotencyKey": str(uuid.uuid4()),
        "paymentPointId": POINT,
        "redirectUri": "https://shop.example/return",
        "reference": REFERENCE,
        "description": "Two coffees",
    },
)
payment_id = payment["paymentId"]
print("initiated", payment_id, "- the user approves at", payment["mobilePayAppRedirectUri"])

# 2. The user approves in the app (in a browser: open the URL above and press Approve;
#    here the sandbox's test endpoint does it).
call(
    "POST",
    f"/v1/integration-test/payments/{payment_id}/reserve",
    {
        "paymentSourceId": "8b1def75-8f77-4a48-8924-bf2ab22251e6",
        "userId": "be1e6d64-b73d-481a-9947-55e57ccbe4cf",
    },
)
print("state after the app:", call("GET", f"/v1/payments/{payment_id}")["state"])

# 3. Capture when the goods ship.
call("POST", f"/v1/payments/{payment_id}/capture", {"amount": 1250})
state = call("GET", f"/v1/payments/{payment_id}")["state"]
print("state after capture:", state)
if state != "captured":
    sys.exit(f"expected captured, got {state}")
print(json.dumps({"paymentId": payment_id, "state": state}))
