"""Independent RFC 9421 implementation for payspec-core's tests: Python's
`http-message-signatures` (keys from `cryptography`).

Reads one JSON command on stdin, prints one JSON answer:
- {"op": "keygen", "alg": ...}: {"private": PKCS#8 PEM, "public": SPKI PEM}
- {"op": "sign", "alg", "private", "key_id", "label", "components", "created",
   "message": {...}, "body": text}: the message's headers with the signature (and
   Content-Digest) added
- {"op": "verify", "alg", "public", "label", "require", "message": {...}, "body": text}:
   {"ok": true, "covered": [...]} or {"ok": false, "error": "..."}
A message is {"method", "url", "headers": [[name, value], ...]} or {"status", "headers"}.
Exit 3 when the package is missing.
"""
import datetime
import json
import sys

try:
    import http_message_signatures as hms
    from http_message_signatures import algorithms
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
except ImportError as exc:
    print(
        f"missing Python package: {exc}; install with "
        "`python3 -m pip install http-message-signatures`",
        file=sys.stderr,
    )
    sys.exit(3)

ALGORITHMS = {
    "ed25519": algorithms.ED25519,
    "ecdsa-p256-sha256": algorithms.ECDSA_P256_SHA256,
    "ecdsa-p384-sha384": algorithms.ECDSA_P384_SHA384,
    "rsa-pss-sha512": algorithms.RSA_PSS_SHA512,
}


class Headers:
    """Field lines in order (repeats kept), writable by name."""

    def __init__(self, pairs):
        self.pairs = [(n, v) for n, v in pairs]

    def items(self):
        return list(self.pairs)

    def __iter__(self):
        return iter(dict.fromkeys(n for n, _ in self.pairs))

    def __contains__(self, name):
        return any(n.lower() == name.lower() for n, _ in self.pairs)

    def __setitem__(self, name, value):
        del self[name]
        self.pairs.append((name, value))

    def __delitem__(self, name):
        self.pairs = [(n, v) for n, v in self.pairs if n.lower() != name.lower()]


class Request:
    def __init__(self, m):
        self.method = m["method"]
        self.url = m["url"]
        self.headers = Headers(m["headers"])


class Response:
    def __init__(self, m):
        self.status_code = m["status"]
        self.headers = Headers(m["headers"])
        self.request = None


def message(m):
    return Response(m) if "status" in m else Request(m)


class Keys(hms.HTTPSignatureKeyResolver):
    def __init__(self, public=None, private=None):
        self.public = public
        self.private = private

    def resolve_public_key(self, key_id):
        return self.public.encode()

    def resolve_private_key(self, key_id):
        return self.private.encode()


def keygen(alg):
    if alg == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif alg == "ecdsa-p256-sha256":
        key = ec.generate_private_key(ec.SECP256R1())
    elif alg == "ecdsa-p384-sha384":
        key = ec.generate_private_key(ec.SECP384R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return {"private": private, "public": public}


def sign(cmd):
    msg = message(cmd["message"])
    signer = hms.HTTPMessageSigner(
        signature_algorithm=ALGORITHMS[cmd["alg"]], key_resolver=Keys(private=cmd["private"])
    )
    body = cmd.get("body")
    signer.sign(
        msg,
        key_id=cmd["key_id"],
        label=cmd["label"],
        created=datetime.datetime.fromtimestamp(cmd["created"], datetime.timezone.utc),
        include_alg=False,
        covered_component_ids=cmd["components"],
        body=body.encode() if body is not None else None,
    )
    return {"headers": msg.headers.items()}


def verify(cmd):
    msg = message(cmd["message"])
    verifier = hms.HTTPMessageVerifier(
        signature_algorithm=ALGORITHMS[cmd["alg"]], key_resolver=Keys(public=cmd["public"])
    )
    verifier.allow_label_only_selection = True
    body = cmd.get("body")
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = verifier.verify(
                msg,
                max_age=None,
                expect_label=cmd["label"],
                require_components=cmd.get("require", []),
                body=body.encode() if body is not None else None,
            )
    except hms.HTTPMessageSignaturesException as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "covered": [str(c) for c in results[0].covered_components]}


def main():
    cmd = json.load(sys.stdin)
    if cmd["op"] == "keygen":
        answer = keygen(cmd["alg"])
    elif cmd["op"] == "sign":
        answer = sign(cmd)
    else:
        answer = verify(cmd)
    print(json.dumps(answer))


main()
