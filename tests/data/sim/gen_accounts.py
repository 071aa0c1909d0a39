#!/usr/bin/env python3
"""Writes N random Peruvian accounts as JSON lines, for timing
`outreachctl simulate` (docs/simulate.md):
    gen_accounts.py 100000 2026-03-01 > /tmp/accounts.jsonl"""
import datetime, json, random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
start = datetime.date.fromisoformat(sys.argv[2] if len(sys.argv) > 2 else "2026-03-01")
rnd = random.Random(42)
names = ["María Quispe", "José Huamán", "Rosa Mamani", "Luis Flores", "Ana Torres"]
for i in range(n):
    due = start + datetime.timedelta(days=rnd.randint(0, 60))
    debtor = {"name": rnd.choice(names), "phone": "+519%08d" % rnd.randint(0, 99999999),
              "email": "d%d@example.pe" % i, "country": "PE", "locale": "es-PE"}
    if rnd.random() < 0.5:
        debtor["whatsapp"] = debtor["phone"]
    if rnd.random() < 0.7:
        debtor["timezone"] = "America/Lima"
    amount = "%d.%02d" % (rnd.randint(50, 5000), rnd.randint(0, 99))
    print(json.dumps({"account_id": "B-%07d" % i, "debtor": debtor,
                      "debt": {"amount": amount, "currency": "PEN", "due_date": due.isoformat(),
                               "product": "consumer_loan"},
                      "consent": {"sms": rnd.random() < 0.9, "email": rnd.random() < 0.8,
                                  "whatsapp": rnd.random() < 0.5}}, ensure_ascii=False))
