"""An aiosmtpd handler for the peer tests (tests/test_it_smtp.c).

aiosmtpd's own Mailbox handler re-serialises each message through Python's
email package, which rewrites line endings; this one keeps the bytes the
client sent (after SMTP dot-unstuffing): DIR/<n>.eml, and the envelope as
DIR/<n>.json.  Each file is written under a temporary name and renamed, so
a reader never sees half a message.

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c rawmaildir.RawMaildir DIR
"""
import json
import os


class RawMaildir:
    def __init__(self, directory):
        self.dir = directory
        self.n = 0
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("RawMaildir takes one argument: the directory")
        return cls(args[0])

    def _put(self, name, data):
        tmp = os.path.join(self.dir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.dir, name))

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        raw = envelope.original_content
        if raw is None:
            raw = envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        env = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        self._put("%d.json" % self.n, json.dumps(env).encode())
        self._put("%d.eml" % self.n, raw)
        return "250 2.0.0 OK queued as %d" % self.n
