"""Report answers shared while the store stands still: one computation for the requests that
ask the same at once, a new one after any write, none kept after an error."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.responses import Response

from pulse.analytics.answers import SharedAnswers


class Reports:
    """A report that counts its computations and can be held open or made to fail."""

    def __init__(self) -> None:
        self.runs = 0
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def compute(self) -> Response:
        self.runs += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("the store went away")
        return Response(
            f'{{"run": {self.runs}}}'.encode(),
            media_type="application/json",
            headers={"X-Execution-Time-Ms": "1.5"},
        )


async def test_one_computation_for_requests_asking_the_same_at_once() -> None:
    shared, reports = SharedAnswers(), Reports()
    reports.gate = asyncio.Event()
    asking = [asyncio.create_task(shared.get(("kpis", 30), 7, reports.compute)) for _ in range(5)]
    await asyncio.sleep(0)
    reports.gate.set()
    answers = await asyncio.gather(*asking)
    assert reports.runs == 1
    assert {a.body for a in answers} == {b'{"run": 1}'}
    # Each request gets a response of its own, with the headers the computation gave.
    assert len({id(a) for a in answers}) == 5
    assert all(a.headers["x-execution-time-ms"] == "1.5" for a in answers)
    assert all(a.media_type == "application/json" for a in answers)


async def test_kept_while_the_store_stands_and_computed_again_after_a_write() -> None:
    shared, reports = SharedAnswers(), Reports()
    first = await shared.get(("kpis", 30), 7, reports.compute)
    again = await shared.get(("kpis", 30), 7, reports.compute)
    assert (first.body, again.body, reports.runs) == (b'{"run": 1}', b'{"run": 1}', 1)
    other = await shared.get(("kpis", 7), 7, reports.compute)
    assert other.body == b'{"run": 2}'  # other inputs, another answer
    after_write = await shared.get(("kpis", 30), 9, reports.compute)
    assert after_write.body == b'{"run": 3}'


async def test_an_error_reaches_every_waiter_and_is_not_kept() -> None:
    shared, reports = SharedAnswers(), Reports()
    reports.gate, reports.fail = asyncio.Event(), True
    asking = [asyncio.create_task(shared.get("q", 1, reports.compute)) for _ in range(3)]
    await asyncio.sleep(0)
    reports.gate.set()
    results = await asyncio.gather(*asking, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    reports.gate, reports.fail = None, False
    assert (await shared.get("q", 1, reports.compute)).body == b'{"run": 2}'


async def test_a_waiter_computes_when_the_request_computing_goes_away() -> None:
    shared, reports = SharedAnswers(), Reports()
    reports.gate = asyncio.Event()
    first = asyncio.create_task(shared.get("q", 1, reports.compute))
    await asyncio.sleep(0)
    second = asyncio.create_task(shared.get("q", 1, reports.compute))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    reports.gate.set()
    assert (await second).body == b'{"run": 2}'


async def test_large_answers_and_many_questions_stay_bounded() -> None:
    shared, reports = SharedAnswers(max_answers=3, max_body=12), Reports()
    for question in range(5):
        await shared.get(question, 1, reports.compute)
    assert reports.runs == 5
    await shared.get(0, 1, reports.compute)  # the oldest was dropped
    assert reports.runs == 6
    big = SharedAnswers(max_body=4)
    await big.get("q", 1, reports.compute)
    await big.get("q", 1, reports.compute)
    assert reports.runs == 8  # too large to keep


async def turns() -> None:
    """Let the tasks just created run to their first wait."""
    for _ in range(5):
        await asyncio.sleep(0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_warm_computes_the_questions_asked_lately_and_serves_the_old_meanwhile() -> None:
    clock, reports = Clock(), Reports()
    shared = SharedAnswers(hot_seconds=10, clock=clock)
    await shared.get("kpis", 1, reports.compute)
    clock.now += 30
    await shared.get("top", 1, reports.compute)  # runs 1 and 2; "kpis" is no longer hot
    reports.gate = asyncio.Event()
    warming = asyncio.create_task(shared.warm(2))
    await turns()
    assert reports.runs == 3  # "top" only
    # While it runs, a request at the new generation gets the answer of the one before.
    assert (await shared.get("top", 2, reports.compute)).body == b'{"run": 2}'
    assert not warming.done()
    reports.gate.set()
    await warming
    computed = shared.computed
    assert (await shared.get("top", 2, reports.compute)).body == b'{"run": 3}'
    assert shared.computed == computed  # warmed, not computed for the request
    assert shared.warmed == 1
    # "kpis" was not warmed: nothing of generation 1 is served any more.
    assert (await shared.get("kpis", 2, reports.compute)).body == b'{"run": 4}'


async def test_a_question_first_asked_while_warming_shares_and_is_kept() -> None:
    shared, reports = SharedAnswers(), Reports()
    await shared.get("kpis", 1, reports.compute)
    reports.gate = asyncio.Event()
    warming = asyncio.create_task(shared.warm(2))
    await turns()
    new = [asyncio.create_task(shared.get("new", 2, reports.compute)) for _ in range(3)]
    await turns()
    reports.gate.set()
    await warming
    assert {a.body for a in await asyncio.gather(*new)} == {b'{"run": 3}'}
    assert (await shared.get("new", 2, reports.compute)).body == b'{"run": 3}'
    assert reports.runs == 3


async def test_warm_stops_serving_old_answers_after_its_timeout() -> None:
    shared, reports = SharedAnswers(warm_timeout=0.05), Reports()
    await shared.get("kpis", 1, reports.compute)
    reports.gate = asyncio.Event()
    await shared.warm(2)  # the computation hangs past the timeout
    # Waiting for the computation of generation 2, not the old answer.
    asking = asyncio.create_task(shared.get("kpis", 2, reports.compute))
    await asyncio.sleep(0.01)
    assert not asking.done()
    reports.gate.set()
    assert (await asking).body == b'{"run": 2}'
    assert reports.runs == 2


async def test_a_failed_warm_is_not_kept_and_an_older_generation_is_ignored() -> None:
    shared, reports = SharedAnswers(), Reports()
    await shared.get("kpis", 1, reports.compute)
    reports.fail = True
    await shared.warm(2)
    reports.fail = False
    assert shared.warmed == 0
    assert (await shared.get("kpis", 2, reports.compute)).body == b'{"run": 3}'
    await shared.get("kpis", 5, reports.compute)  # a newer write seen by a request
    runs = reports.runs
    await shared.warm(4)
    assert reports.runs == runs
    assert (await shared.get("kpis", 5, reports.compute)).body == f'{{"run": {runs}}}'.encode()


async def test_hot_while_a_question_was_asked_lately() -> None:
    clock, reports = Clock(), Reports()
    shared = SharedAnswers(hot_seconds=10, clock=clock)
    assert not shared.hot()  # nothing asked yet
    await shared.get("kpis", 1, reports.compute)
    assert shared.hot()
    clock.now += 9
    assert shared.hot()
    clock.now += 2
    assert not shared.hot()  # the projector need not hand its batches over
    await shared.get("kpis", 1, reports.compute)
    assert shared.hot()
