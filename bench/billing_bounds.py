"""What bounds the billing benchmark's figures, in sentences that quote them."""

from __future__ import annotations

from bench.billing_report import per_process
from bench.harness.docs import fmt


def _span(values: list[float | None], digits: int = 0) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "—"
    low, high = fmt(min(present), digits), fmt(max(present), digits)
    return low if low == high else f"{low}–{high}"


def bounds(result: dict) -> list[str]:
    """What the measured figures say bounds them; each sentence quotes its own numbers."""
    notes = []
    modes = result.get("modes", {})
    render_cpu = (result.get("pdf_in_process") or {}).get("cpu_ms_median")
    emb = modes.get("embedded")
    if emb and emb.get("status") == "ok":
        pay = emb["summary"]["payments"]
        cpus = [row["server_cpu_pct"] for row in pay.values()]
        busy = [row["machine_cpu_busy_pct"] for row in pay.values()]
        per_payment = [row["server_cpu_ms_per_payment"] for row in pay.values()]
        rates = ", ".join(f"{fmt(r['payments_per_s'])}/s at {c}" for c, r in pay.items())
        p50s = ", ".join(f"{fmt(r['p50'], 0)} ms at {c}" for c, r in pay.items())
        saturated = all(c is not None and c >= 85 for c in cpus)
        notes.append(
            "Embedded payments: each one is a write transaction (the invoice row locked and "
            "updated, the payment, a journal entry with two lines, the outbox row) through "
            "SQLite's single writer, in the one `pulse serve` process that also runs the "
            f"consumers. That process was at {_span(cpus)} % of a core during the payment "
            f"points (the machine {_span(busy)} % busy). "
            + (
                "So the rate is bound by that one process's CPU (one event loop, one "
                "writer), not by any invoice row: "
                if saturated
                else "Rates and latencies: "
            )
            + f"{rates}; p50 {p50s} — more concurrency only lengthens the queue."
        )
        if render_cpu and all(per_payment):
            notes.append(
                f"A payment costs {_span(per_payment, 1)} ms of server CPU; no PDF is rendered "
                "for it (the paid version renders on request, about "
                f"{fmt(render_cpu, 1)} ms of CPU, in a render process)."
            )
    svc = modes.get("services")
    if svc and svc.get("status") == "ok":
        pay = svc["summary"]["payments"]
        busy = [row["machine_cpu_busy_pct"] for row in pay.values()]
        per = "; ".join(f"at {c}: {per_process(r)} %" for c, r in pay.items())
        waiting = [row.get("waiting_for_cpu_pct") for row in pay.values()]
        idle_tx = [row.get("pg_idle_in_transaction") for row in pay.values()]
        lock_wait = [row.get("pg_lock_wait") for row in pay.values()]
        active = [row.get("pg_active") for row in pay.values()]
        full = all(b is not None and b >= 90 for b in busy)
        text = (
            "Services payments: the Pulse processes' CPU (per process) was "
            f"{per}; the whole machine was {_span(busy)} % busy and the busiest Pulse "
            f"process waited for a CPU {_span(waiting)} % of the time. "
        )
        if any(v is not None for v in idle_tx):
            text += (
                "PostgreSQL mostly waited for the Pulse processes: sampled every 50 ms, "
                f"{_span(idle_tx, 1)} of its sessions were on average idle inside a "
                "transaction (waiting for a Pulse process to send the next statement), "
                f"{_span(lock_wait, 2)} waiting for a lock and {_span(active, 1)} running. "
            )
        text += (
            "Both cores were busy with PostgreSQL, NATS, the three Pulse processes and the "
            "load generator, so CPU bounds the rate here, not a lock."
            if full
            else "The two cores were not both saturated."
        )
        tail = pay.get("100") or pay[max(pay, key=int)]
        if tail["p95"] and tail["p50"] and tail["p95"] > 2.5 * tail["p50"]:
            text += (
                f" At the highest concurrency the tail is long (p50 {fmt(tail['p50'], 0)} "
                f"ms, p95 {fmt(tail['p95'], 0)} ms, p99 {fmt(tail['p99'], 0)} ms)"
                + (
                    " although no two payments in flight shared an invoice."
                    if tail.get("sharing_an_invoice") == 0
                    else f"; {tail.get('sharing_an_invoice')} payments there started while "
                    "another on the same invoice was in flight."
                )
            )
        notes.append(text)
        ul = svc["summary"]["order_to_invoice"]
        one = svc["summary"]["one_at_a_time"]
        if ul and one and ul["p50"] and one["p50"] and ul["p50"] > 5 * one["p50"]:
            notes.append(
                f"Services order → invoice under load: {fmt(ul['p50'])} ms p50 against "
                f"{fmt(one['p50'])} ms one at a time (p50 stages under load: created → "
                f"confirmed {fmt(ul['to_confirmed_p50'])} ms, confirmed → invoice issued "
                f"{fmt(ul['confirmed_to_invoice_p50'])} ms). The API accepted "
                f"{fmt(ul['orders_per_s'])} orders/s but invoices were issued at "
                f"{fmt(ul['invoices_per_s'])}/s (first order to last invoice): the "
                "consumers (reservation, confirmation, invoicing, PDF render) in the one "
                "`pulse worker all` process fell behind, "
                f"and the last invoice came {fmt(ul['drain_s'], 1)} s after the load "
                "stopped. This is not a steady state — the backlog, and with it the latency, "
                f"grows for as long as the load lasts ({result['settings']['duration_s']:g} s "
                f"measured here). CPU during the load: {per_process(ul)} %, machine "
                f"{fmt(ul['machine_cpu_busy_pct'], 0)} % busy."
            )
    if emb and emb.get("status") == "ok":
        ul = emb["summary"]["order_to_invoice"]
        one = emb["summary"]["one_at_a_time"]
        if ul and one and ul["p50"] and one["p50"]:
            notes.append(
                f"Embedded order → invoice: {fmt(one['p50'])} ms p50 one at a time, "
                f"{fmt(ul['p50'])} ms under the order load at concurrency {ul['concurrency']} "
                f"({fmt(ul['orders_per_s'])} orders/s accepted, "
                f"{fmt(ul['invoices_per_s'])} invoices/s issued; the last invoice "
                f"{fmt(ul['drain_s'], 2)} s after the load stopped): "
                + (
                    "the consumers keep up, but they "
                    if (ul["drain_s"] or 0) < 1
                    else "the consumers "
                )
                + "share the one process and the one writer with the requests, so each "
                "event waits its turn."
            )
    return notes
