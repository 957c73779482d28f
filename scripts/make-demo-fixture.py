#!/usr/bin/env python3
"""Writes fixtures/demo.json, the data set `cargo run --release` serves with no --fixtures.

Deterministic (seeded): running it again gives the same bytes. Three apps in two orgs,
instances moving through the app lifecycle (created, Task_1, maybe Task_2 and a substatus
change, completed), parties with valid mod-11 identity numbers. Registration order is time
order, as it is in production.

Usage: python3 scripts/make-demo-fixture.py > fixtures/demo.json
"""
import datetime as dt
import json
import random
import sys
import uuid

rng = random.Random(1)

APPS = [
    # org, app, source host, instances
    ("ttd", "apps-test", "https://ttd.apps.at22.altinn.cloud", 62),
    ("ttd", "endring-av-navn-v2", "https://ttd.apps.tt02.altinn.no", 30),
    ("skd", "mva-melding", "https://skd.apps.tt02.altinn.no", 32),
]
START = dt.datetime(2026, 10, 1, 6, 0, 0, tzinfo=dt.timezone.utc)


def check_digit(digits, weights):
    rest = 11 - sum(d * w for d, w in zip(digits, weights)) % 11
    return 0 if rest == 11 else (None if rest == 10 else rest)


def person_number():
    while True:
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 80 * 365))
        individual = rng.randrange(0, 500)
        digits = [int(c) for c in born.strftime("%d%m%y") + f"{individual:03d}"]
        k1 = check_digit(digits, [3, 7, 6, 1, 8, 9, 4, 5, 2])
        if k1 is None:
            continue
        k2 = check_digit(digits + [k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
        if k2 is None:
            continue
        return "".join(map(str, digits + [k1, k2]))


def org_number():
    while True:
        digits = [rng.choice([8, 9])] + [rng.randrange(10) for _ in range(7)]
        k = check_digit(digits, [3, 2, 7, 6, 5, 4, 3, 2])
        if k is not None:
            return "".join(map(str, digits + [k]))


def guid():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso(t):
    ticks = t.microsecond * 10 + rng.randrange(10)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ticks:07d}Z"


parties = []
for i in range(48):
    parties.append({"partyId": 50001000 + i * 7, "person": person_number()})
for i in range(16):
    parties.append({"partyId": 51002000 + i * 11, "unit": org_number()})
# A party the register knows but no event names: querying it gives [] rather than 404.
parties.append({"partyId": 50999999, "person": person_number()})


def alternative(party):
    return f"/person/{party['person']}" if "person" in party else f"/org/{party['unit']}"


events = []
for org, app, host, instances in APPS:
    for _ in range(instances):
        party = rng.choice(parties[:-1])
        instance = guid()
        source = f"{host}/{org}/{app}/instances/{party['partyId']}/{instance}"
        t = START + dt.timedelta(seconds=rng.randrange(0, 40 * 24 * 3600), microseconds=rng.randrange(10**6))
        steps = ["app.instance.created", "app.instance.process.movedTo.Task_1"]
        if rng.random() < 0.5:
            steps.append("app.instance.process.movedTo.Task_2")
        if rng.random() < 0.3:
            steps.append("app.instance.substatus.changed")
        if rng.random() < 0.8:
            steps.append("app.instance.process.completed")
        for step in steps:
            events.append((t, {
                "specversion": "1.0",
                "id": guid(),
                "time": iso(t),
                "type": step,
                "source": source,
                "subject": f"/party/{party['partyId']}",
                "resource": f"urn:altinn:resource:app_{org}_{app}",
                "resourceinstance": f"{party['partyId']}/{instance}",
                "alternativesubject": alternative(party),
            }))
            t += dt.timedelta(seconds=rng.randrange(5, 6 * 3600), microseconds=rng.randrange(10**6))

events.sort(key=lambda pair: pair[0])
out = {"events": [e for _, e in events], "parties": parties}
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
