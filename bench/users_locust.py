"""The locustfile of `python -m bench.users`: clerks and accountants with think time.

Run by bench/users.py as `locust -f bench/users_locust.py --headless …` in a process of its
own (locust patches the standard library with gevent on import, so it never shares a
process with the asyncio driver). The driver writes the accounts and order bodies to a JSON
file and names it in BENCH_USERS_CONFIG.

A clerk logs in, then loops: list orders, place an order, open it, look at the dashboard.
An accountant logs in, then loops: list the unpaid invoices, find the invoice of the oldest
order a clerk placed, record a payment of its balance, look at the dashboard. Between two
actions a user thinks 0.5–1.5 s, so each user does about one action a second. Each action is
one request, named after the action in the statistics.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from collections import deque
from typing import Any

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

CONFIG = json.loads(open(os.environ["BENCH_USERS_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
PAYLOADS: list[str] = CONFIG["payloads"]
CLERKS = itertools.cycle(CONFIG["clerks"])
ACCOUNTANTS = itertools.cycle(CONFIG["accountants"])
JSON = {"Content-Type": "application/json"}
THINK = between(0.5, 1.5)
# Each user's own client address, sent in X-Forwarded-For (the server trusts 127.0.0.1).
ADDRESSES = itertools.count()

# Orders the clerks placed, oldest first, waiting for an accountant to pay their invoice.
# Locust runs every user in this one process (gevent), so a deque is shared safely.
TO_PAY: deque[str] = deque()
# Pay attempts that found the order not yet invoiced (the flow behind the clerks).
COUNTERS = {"not_yet_invoiced": 0, "paid": 0, "placed": 0}


@events.quitting.add_listener
def _write_counters(environment, **_kwargs) -> None:  # noqa: ANN001 - locust's signature
    path = CONFIG.get("counters_path")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(COUNTERS | {"left_to_pay": len(TO_PAY)}, handle)


class _Staff(FastHttpUser):
    abstract = True
    wait_time = THINK
    accounts = CLERKS

    def on_start(self) -> None:
        username, password = next(self.accounts)
        n = next(ADDRESSES)
        address = {"X-Forwarded-For": f"10.11.{n // 250}.{n % 250 + 1}"}
        body = json.dumps({"username": username, "password": password})
        for _ in range(10):  # a busy answer (429) is a failure, then retried as a client would
            with self.client.post(
                "/auth/login",
                data=body,
                headers=JSON | address,
                name="log in",
                catch_response=True,
            ) as resp:
                if resp.status_code == 200:
                    token = resp.json()["access_token"]
                    self.headers = {"Authorization": f"Bearer {token}"} | address
                    return
                resp.failure(f"login answered {resp.status_code}: {resp.text[:200]}")
                retry = resp.headers.get("Retry-After") if resp.status_code == 429 else None
            if retry is None:
                break
            gevent.sleep(float(retry))
        self.stop()

    def call(self, method: str, path: str, name: str, expect: int, **how: Any) -> Any:
        """One request (`how`: its body, more headers), a failure unless answered `expect`;
        answers the JSON answer, or None after a failure."""
        headers = self.headers | JSON | how.pop("headers", {})
        with self.client.request(
            method, path, headers=headers, name=name, catch_response=True, **how
        ) as resp:
            if resp.status_code != expect:
                resp.failure(f"answered {resp.status_code}: {resp.text[:200]}")
                return None
            return resp.json()

    def dashboard(self) -> None:
        self.client.get("/query/kpis?days=30", headers=self.headers, name="dashboard")


class Clerk(_Staff):
    """Places the orders (role clerk)."""

    weight = 3
    accounts = CLERKS

    @task
    def shift(self) -> None:
        self.client.get("/orders?limit=20", headers=self.headers, name="list orders")
        self.wait()
        body = random.choice(PAYLOADS)
        order = self.call("POST", "/orders", "place order", 201, data=body)
        if order is None:
            return
        order_id = order["id"]
        COUNTERS["placed"] += 1
        TO_PAY.append(order_id)
        self.wait()
        self.client.get(f"/orders/{order_id}", headers=self.headers, name="open order")
        self.wait()
        self.dashboard()


class Accountant(_Staff):
    """Records the payments (role accountant)."""

    fixed_count = int(CONFIG["accountant_count"])
    accounts = ACCOUNTANTS

    @task
    def shift(self) -> None:
        self.client.get(
            "/billing/invoices?status=issued&limit=20", headers=self.headers, name="list invoices"
        )
        self.wait()
        if not TO_PAY:
            self.dashboard()
            return
        order_id = TO_PAY.popleft()
        found = self.call(
            "GET", f"/billing/invoices?order_id={order_id}&limit=1", "find invoice", 200
        )
        if found is None:
            return
        items = found["items"]
        self.wait()
        if not items:  # not invoiced yet: back to the front of the queue, try it next time
            TO_PAY.appendleft(order_id)
            COUNTERS["not_yet_invoiced"] += 1
            self.dashboard()
            return
        invoice = items[0]
        payment = {"amount": invoice["balance"], "method": "card", "reference": order_id[:8]}
        paid = self.call(
            "POST",
            f"/billing/invoices/{invoice['id']}/pay",
            "record payment",
            201,
            data=json.dumps(payment),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if paid is not None:
            COUNTERS["paid"] += 1
        self.wait()
        self.dashboard()
