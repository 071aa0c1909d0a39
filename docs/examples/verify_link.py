#!/usr/bin/env python3
"""Verify an outreachd payment link: verify_link.py KEY_FILE URL|TOKEN (docs/payment-links.md)."""
import base64, hashlib, hmac, json, struct, sys, time

def verify(key, token):
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    payload, sig = raw[:-16], raw[-16:]
    if len(raw) < 2 or raw[0] != 1:
        raise ValueError("not a version 1 token")
    k = raw[1]; kid = payload[2:2 + k].decode(); i = 2 + k
    ref = payload[i:i + 8].hex(); kind, olen = payload[i + 8], payload[i + 9]; i += 10
    offer = payload[i:i + olen].decode(); i += olen
    amount, cur, iat, exp, alen = struct.unpack(">Q3sIIB", payload[i:i + 20]); i += 20
    attempt = payload[i:i + alen].decode()
    if i + alen != len(payload):
        raise ValueError("malformed")
    good = hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest()[:16], sig)
    return {"key_id": kid, "ref": ref, "kind": ["balance", "offer", "named"][kind],
            "offer": offer, "amount_minor": amount, "currency": cur.decode(), "issued": iat,
            "expires": exp, "attempt": attempt, "signature_valid": good,
            "expired": time.time() >= exp}

key = open(sys.argv[1], "rb").read().rstrip(b"\r\n")
fields = verify(key, sys.argv[2].split("/p/")[-1])
print(json.dumps(fields, indent=1))
sys.exit(0 if fields["signature_valid"] and not fields["expired"] else 1)
