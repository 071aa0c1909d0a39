#!/bin/sh
# enqueue.sh: hand outreachd an account and an event with nothing but
# redis-cli, then read back what it made of them.  See docs/protocol.md.
#
#   REDIS_HOST=127.0.0.1 REDIS_PORT=6379 PREFIX=outreach sh enqueue.sh
#
# For files of many accounts use `outreachctl enqueue FILE` (pipelined).
set -eu

HOST=${REDIS_HOST:-127.0.0.1}
PORT=${REDIS_PORT:-6379}
P=${PREFIX:-outreach}
ACCOUNT=${ACCOUNT:-PE-000123}

rcli() { redis-cli -h "$HOST" -p "$PORT" "$@"; }

# 1. An account.  The body is the document as it is, one line or many;
#    -x takes the last argument from standard input.  Amounts are strings.
rcli -x XADD "$P:inbox" '*' kind account body <<EOF
{
  "account_id": "$ACCOUNT",
  "debtor": {
    "name": "María Quispe Huamán",
    "phone": "+51987654321",
    "email": "maria.quispe@example.pe",
    "locale": "es-PE",
    "timezone": "America/Lima",
    "country": "PE"
  },
  "debt": {
    "amount": "1234.50",
    "currency": "PEN",
    "due_date": "2026-12-01",
    "product": "Préstamo personal"
  },
  "consent": { "sms": true, "email": true, "whatsapp": false },
  "attributes": { "risk_score": 640 }
}
EOF

# 2. An event: a partial payment.  Events refer to an account already sent.
rcli XADD "$P:inbox" '*' kind event \
    body "{\"account_id\":\"$ACCOUNT\",\"type\":\"payment\",\"amount\":\"200.00\"}"

# 3. A document outreachd will refuse (a float amount), to show where it lands.
rcli XADD "$P:inbox" '*' kind account \
    body "{\"account_id\":\"PE-BAD\",\"debtor\":{\"name\":\"X\",\"phone\":\"+51987654321\",\"country\":\"PE\"},\"debt\":{\"amount\":1234.5,\"currency\":\"PEN\",\"due_date\":\"2026-12-01\"}}"

# 4. What became of them (once the daemon has read the inbox):
echo "--- inbox length; the daemon's group (pending, lag)"
rcli XLEN "$P:inbox"
rcli XINFO GROUPS "$P:inbox" 2>/dev/null || echo "(no group yet: outreachd has not started)"
echo "--- newest rejected entries (reason, kind, body, entry)"
rcli XREVRANGE "$P:rejected" + - COUNT 5
echo "--- attempts recorded for $ACCOUNT"
rcli LRANGE "$P:hist:$ACCOUNT" 0 -1
