"""Report answers shared by the requests that ask the same question of the same store.

Dashboards ask the same few reports over and over, and the store changes only when the
projector commits a batch. An answer is kept under its question (the report, its format
and every input the endpoint passes: days, limit, today's date) and the store's generation
(`AnalyticsStore.generation`, which moves on after every write), so it is reused only while
no write has happened since it was computed. Requests that ask while it is being computed
wait for that one computation instead of starting their own. A failed computation is not
kept: each waiting request gets its error and the next one tries again.

After a batch the projector calls `warm` before it sends the live push: the questions asked
in the last `hot_seconds` are computed again at once, on the reader threads, while the
answers of the generation before go on being served. Only when they are ready (or after
`warm_timeout`) do the new answers replace the old and the push go out. So a request never
waits for a report someone asked recently, and a dashboard that refetches after a push gets
figures that include the batch the push announced. An answer served while the next is being
warmed is at most one batch behind the store, which a request that came a moment earlier
would have had anyway.

Only what a request cannot change is shared: the endpoints check the reader's permission
before they ask, and no report depends on who reads it. The encoded body, type and headers
are kept (a response object itself is not: the middlewares add headers to the one they
send), small ones only, for the current generation only.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from fastapi.responses import Response
from prometheus_client import Counter

# At most this many answers are kept, each at most this large (a dashboard's reports are a
# few KiB; large exports are computed each time).
MAX_ANSWERS = 64
MAX_BODY_BYTES = 256 * 1024
# A question asked within this long is computed again after each batch (`warm`), at most
# this many of them, and the push waits at most this long for them.
HOT_SECONDS = 10.0
MAX_WARMED = 16
WARM_TIMEOUT_SECONDS = 1.0

ANSWERS = Counter(
    "pulse_report_answers_total",
    "Report answers by how they were had: computed for a request, shared from one computed "
    "for the same question since the analytics store last changed, or warmed (computed "
    "after a batch, before anyone asked again)",
    ["how"],
)
_COMPUTED, _SHARED = ANSWERS.labels("computed"), ANSWERS.labels("shared")
_WARMED = ANSWERS.labels("warmed")


@dataclass(frozen=True, slots=True)
class _Answer:
    body: bytes
    status: int
    media_type: str | None
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, response: Response) -> _Answer:
        headers = tuple(
            (k, v)
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-type")
        )
        return cls(bytes(response.body), response.status_code, response.media_type, headers)

    def response(self) -> Response:
        return Response(
            self.body,
            status_code=self.status,
            media_type=self.media_type,
            headers=dict(self.headers),
        )


Compute = Callable[[], Awaitable[Response]]


class SharedAnswers:
    def __init__(
        self,
        *,
        max_answers: int = MAX_ANSWERS,
        max_body: int = MAX_BODY_BYTES,
        hot_seconds: float = HOT_SECONDS,
        warm_timeout: float = WARM_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_answers = max_answers
        self.max_body = max_body
        self.hot_seconds = hot_seconds
        self.warm_timeout = warm_timeout
        self._clock = clock
        # The generation whose answers are kept, and the one being warmed (None: none).
        self._generation: int | None = None
        self._warming: int | None = None
        self._kept: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._next: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._running: dict[tuple[Hashable, int], asyncio.Future[_Answer]] = {}
        # Each question recently asked, when, and how to compute it (for `warm`).
        self._asked: OrderedDict[Hashable, tuple[float, Compute]] = OrderedDict()
        self._last_asked = float("-inf")
        self.computed = 0
        self.shared = 0
        self.warmed = 0

    async def get(self, question: Hashable, generation: int, compute: Compute) -> Response:
        """The answer to `question` at `generation`: kept, being computed, or computed now.
        While `generation` is being warmed, the answer kept from the generation before."""
        self._last_asked = self._clock()
        self._asked[question] = (self._last_asked, compute)
        self._asked.move_to_end(question)
        while len(self._asked) > self.max_answers:
            self._asked.popitem(last=False)
        if generation not in (self._generation, self._warming):
            # The store moved on without a warm-up: nothing kept answers for it any more.
            self._reset(generation)
        kept = self._kept.get(question)
        if kept is not None:
            self._kept.move_to_end(question)
            self._count_shared()
            return kept.response()
        running = self._running.get((question, generation))
        if running is not None:
            try:
                answer = await asyncio.shield(running)
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # this request was cancelled, not the computation
                # The request computing it went away: ask again.
                return await self.get(question, generation, compute)
            self._count_shared()
            return answer.response()
        response = await self._compute(question, generation, compute)
        _COMPUTED.inc()
        self.computed += 1
        return response

    def hot(self) -> bool:
        """Whether any question was asked in the last `hot_seconds`: whether `warm` has
        anything to do. One read of a number, safe from another thread."""
        return self._last_asked >= self._clock() - self.hot_seconds

    async def warm(self, generation: int) -> None:
        """Compute the questions asked in the last `hot_seconds` at `generation` (the store's
        after a write), serving the answers kept before until they are ready or
        `warm_timeout` has passed; then keep only answers of `generation`."""
        if self._generation is not None and generation <= self._generation:
            return  # nothing new, or a request has already seen a newer write
        self._warming, self._next = generation, OrderedDict()
        since = self._clock() - self.hot_seconds
        hot = [(q, c) for q, (at, c) in reversed(self._asked.items()) if at >= since]
        tasks = [
            asyncio.ensure_future(self._compute(q, generation, c))
            for q, c in hot[:MAX_WARMED]
            if (q, generation) not in self._running
        ]
        if tasks:
            done, _ = await asyncio.wait(tasks, timeout=self.warm_timeout)
            for task in done:
                if not task.cancelled() and task.exception() is None:
                    self.warmed += 1
                    _WARMED.inc()
        if self._warming == generation:
            # Still the newest: its answers (those ready) replace the last generation's.
            kept, self._next = self._next, OrderedDict()
            self._reset(generation)
            self._kept = kept

    def _reset(self, generation: int) -> None:
        self._generation, self._warming = generation, None
        self._kept, self._next = OrderedDict(), OrderedDict()
        for key in [k for k in self._running if k[1] != generation]:
            del self._running[key]

    def _count_shared(self) -> None:
        self.shared += 1
        _SHARED.inc()

    async def _compute(self, question: Hashable, generation: int, compute: Compute) -> Response:
        """Compute, let requests asking meanwhile share it, and keep the answer if its
        generation is still kept or being warmed."""
        key = (question, generation)
        future: asyncio.Future[_Answer] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            response = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        finally:
            if self._running.get(key) is future:
                del self._running[key]
        answer = _Answer.of(response)
        if not future.done():
            future.set_result(answer)
        if len(answer.body) <= self.max_body:
            into = {self._generation: self._kept, self._warming: self._next}.get(generation)
            if into is not None:
                into[question] = answer
                while len(into) > self.max_answers:
                    into.popitem(last=False)
        return response
