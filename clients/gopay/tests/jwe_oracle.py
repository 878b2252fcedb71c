"""Independent JWE implementation for payspec-gopay's tests (Python joserfc).

`keygen`: prints {"public": JWK, "private": JWK} of a fresh RSA-2048 key.
`decrypt`: reads {"key": private JWK, "tokens": [compact JWE, ...]} on stdin and prints a
list of {"ok": true, "header": {...}, "plaintext": "..."} or {"ok": false, "error": "..."}.
Exit 3 when joserfc is missing.
"""
import json
import sys

try:
    from joserfc import jwe
    from joserfc.jwk import RSAKey
except ImportError as exc:
    print(f"missing Python package: {exc}; install with `python3 -m pip install joserfc`", file=sys.stderr)
    sys.exit(3)


def keygen():
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "enc", "alg": "RSA-OAEP-256"}, private=True)
    print(json.dumps({"public": key.as_dict(private=False), "private": key.as_dict(private=True)}))


def decrypt():
    request = json.load(sys.stdin)
    key = RSAKey.import_key(request["key"])
    results = []
    for token in request["tokens"]:
        try:
            obj = jwe.decrypt_compact(token, key, algorithms=["RSA-OAEP-256", "A256GCM"])
            results.append({"ok": True, "header": obj.protected, "plaintext": obj.plaintext.decode()})
        except Exception as exc:  # every failure is a result, not a crash
            results.append({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    print(json.dumps(results))


if __name__ == "__main__":
    {"keygen": keygen, "decrypt": decrypt}[sys.argv[1]]()
