"""Restates the request and response examples of a provider's published OpenAPI spec as
payspec's own test data: the structure, keys, numbers, booleans, codes and enum values
(the facts a client must parse) are kept; free text, ids, URLs, e-mails, phone numbers
and timestamps are replaced by values of the same shape that payspec made up. The
published file itself is not kept in the repository; this script is how the fixture
was made, and can make it again from a new revision.

Usage: python3 extract.py PUBLISHED_SPEC OUT_JSON [SECURITY_JSON]

Each entry of the output: {"method", "path", "kind": "request" | "response",
"status" (responses), "media", "name", "value"}. With SECURITY_JSON, also each
operation's security requirements, as facts: {"method", "path", "security": [{scheme:
[scope, ...]}, ...]} (an operation without its own takes the spec's).
"""

import hashlib
import json
import re
import sys
import urllib.parse

import yaml

TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9_:./\-]{0,30}$")
CODE = re.compile(r"^[A-Z0-9_.:\-]{1,40}$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
HEX = re.compile(r"^[0-9a-f]{12,}$")
DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})([T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
DECIMAL = re.compile(r"^\d{1,10}\.\d{1,3}$")
DIGITS = re.compile(r"^\+?\d+$")


def stream(seed):
    """A deterministic stream of bytes from `seed`."""
    counter = 0
    while True:
        for byte in hashlib.sha256(f"payspec:{seed}:{counter}".encode()).digest():
            yield byte
        counter += 1


def own(text):
    """A value of the same shape as `text`, made up by payspec."""
    if CODE.match(text) or DECIMAL.match(text):
        return text  # codes, enum values, currencies, amounts: facts
    rng = stream(text)
    if UUID.match(text):
        digits = "".join("0123456789abcdef"[next(rng) % 16] for _ in range(32))
        return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:]}"
    if HEX.match(text):
        return "".join("0123456789abcdef"[next(rng) % 16] for _ in text)
    match = DATE.match(text)
    if match:
        _, time, seconds, fraction, zone = match.groups()
        out = "2026-12-01"
        if time:
            out += time[0] + "08:30" + (":15" if seconds else "") + (fraction or "")
        return out + (zone or "")
    if text.startswith(("http://", "https://")):
        return "https://shop.example.test/p/" + "".join(
            "abcdefghijklmnopqrstuvwxyz"[next(rng) % 26] for _ in range(8)
        )
    if "@" in text and "." in text.split("@")[-1]:
        return "buyer@example.test"
    if DIGITS.match(text):
        if len(text.lstrip("+")) <= 2 or re.match(r"^(19|20)\d{2}$", text):
            return text  # months, years, small codes
        head = "+" if text.startswith("+") else ""
        body = text.lstrip("+")
        digits = str(1 + next(rng) % 9) + "".join(str(next(rng) % 10) for _ in body[1:])
        return head + digits
    if TOKEN.match(text) and not any(c.isdigit() for c in text):
        return text  # scopes, token types, grant types, media types: facts
    out = []
    for c in text:
        if c.islower():
            out.append("abcdefghijklmnopqrstuvwxyz"[next(rng) % 26])
        elif c.isupper():
            out.append("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[next(rng) % 26])
        elif c.isdigit():
            out.append(str(next(rng) % 10))
        else:
            out.append(c)
    return "".join(out)


def restate(value):
    if isinstance(value, dict):
        return {key: restate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [restate(item) for item in value]
    if isinstance(value, str):
        return own(value)
    return value


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def synthesize(spec, schema, depth=0):
    """A value built from the schema's own `example`s (property by property), or None."""
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or depth > 8:
        return None
    if "example" in schema:
        return schema["example"]
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if "allOf" in schema:
        merged = {}
        for part in schema["allOf"]:
            value = synthesize(spec, part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged or None
    for key in ("oneOf", "anyOf"):
        for part in schema.get(key) or []:
            value = synthesize(spec, part, depth + 1)
            if value is not None:
                return value
    if "properties" in schema:
        built = {}
        for name, prop in schema["properties"].items():
            value = synthesize(spec, prop, depth + 1)
            if value is not None:
                built[name] = value
        return built or None
    if schema.get("type") == "array" and "items" in schema:
        item = synthesize(spec, schema["items"], depth + 1)
        return None if item is None else [item]
    return None


def examples(spec, media):
    media = resolve(spec, media) or {}
    found = False
    if "example" in media:
        found = True
        yield "example", media["example"]
    for name, example in (media.get("examples") or {}).items():
        example = resolve(spec, example)
        if isinstance(example, dict) and "value" in example:
            found = True
            yield name, example["value"]
    if not found and "schema" in media:
        value = synthesize(spec, media["schema"])
        if value is not None:
            yield "from the schema's property examples", value


def main():
    spec_path, out_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as file:
        spec = yaml.safe_load(file)
    entries = []
    for path, item in sorted((spec.get("paths") or {}).items()):
        for method, operation in sorted(item.items()):
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            body = resolve(spec, operation.get("requestBody")) or {}
            for media_type, media in sorted((body.get("content") or {}).items()):
                for name, value in examples(spec, media):
                    if media_type.startswith("application/x-www-form-urlencoded") and isinstance(value, str):
                        value = dict(urllib.parse.parse_qsl(value))
                    entries.append({"method": method.upper(), "path": path, "kind": "request",
                                    "media": media_type, "name": name, "value": restate(value)})
            for status, response in sorted((operation.get("responses") or {}).items()):
                response = resolve(spec, response) or {}
                for media_type, media in sorted((response.get("content") or {}).items()):
                    for name, value in examples(spec, media):
                        entries.append({"method": method.upper(), "path": path, "kind": "response",
                                        "status": str(status), "media": media_type, "name": name,
                                        "value": restate(value)})
    with open(out_path, "w") as file:
        json.dump(entries, file, indent=1, sort_keys=True)
        file.write("\n")
    print(f"{len(entries)} examples -> {out_path}")
    if len(sys.argv) > 3:
        security = []
        for path, item in sorted((spec.get("paths") or {}).items()):
            for method, operation in sorted(item.items()):
                if method in ("get", "post", "put", "patch", "delete"):
                    requirements = operation.get("security", spec.get("security", []))
                    security.append({"method": method.upper(), "path": path,
                                     "security": requirements})
        with open(sys.argv[3], "w") as file:
            json.dump(security, file, indent=1, sort_keys=True)
            file.write("\n")
        print(f"{len(security)} operations' security -> {sys.argv[3]}")


main()
