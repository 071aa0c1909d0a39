"""Parses one message as a mail client would (Python's email package) and
prints what tests/test_it_smtp.c asserts, as JSON: the decoded From, To and
Subject (RFC 2047), Message-ID, the List-Unsubscribe headers, whether every
line ends in CRLF, and each MIME part decoded.

    python3 parse_mail.py MESSAGE.eml
"""
import email
import email.header
import email.policy
import json
import re
import sys


def unfolded(msg, name):
    """A header's value unfolded (RFC 5322 2.2.3: CRLF before WSP removed)."""
    v = msg.get(name)
    if v is None:
        return None
    return re.sub(r"\r?\n(?=[ \t])", "", v).strip()


def decoded(msg, name):
    v = msg.get(name)
    if v is None:
        return None
    return str(email.header.make_header(email.header.decode_header(v)))


def main():
    raw = open(sys.argv[1], "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    lines = raw.split(b"\n")
    out = {
        "from": decoded(msg, "From"),
        "to": decoded(msg, "To"),
        "subject": decoded(msg, "Subject"),
        "subject_raw": msg.get("Subject"),
        "message_id": unfolded(msg, "Message-ID"),
        "mime_version": unfolded(msg, "MIME-Version"),
        "list_unsubscribe": unfolded(msg, "List-Unsubscribe"),
        "list_unsubscribe_post": unfolded(msg, "List-Unsubscribe-Post"),
        "content_type": msg.get_content_type(),
        "crlf_only": raw.endswith(b"\r\n") and all(l.endswith(b"\r") for l in lines[:-1]),
        "max_line": max(len(l.rstrip(b"\r")) for l in lines),
        "defects": len(msg.defects),
        "parts": [],
    }
    for part in msg.walk():
        if part.is_multipart():
            continue
        out["parts"].append({
            "type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "encoding": part.get("Content-Transfer-Encoding"),
            "text": part.get_payload(decode=True).decode(part.get_content_charset() or "ascii"),
        })
    json.dump(out, sys.stdout, ensure_ascii=False)


main()
