"""Report answers shared by the requests that ask the same question of the same store.

Dashboards ask the same few reports over and over, and the store changes only when the
projector commits a batch. An answer is kept under its question (the report, its format
and every input the endpoint passes: days, limit, today's date) and the store's generation
(`AnalyticsStore.generation`, which moves on before and after every write), so it is
reused only while no write has happened since it was computed. Requests that ask while it
is being computed wait for that one computation instead of starting their own. A failed
computation is not kept: each waiting request gets its error and the next one tries again.

Only what a request cannot change is shared: the endpoints check the reader's permission
before they ask, and no report depends on who reads it. The encoded body, type and headers
are kept (a response object itself is not: the middlewares add headers to the one they
send), small ones only, for the current generation only.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from fastapi.responses import Response
from prometheus_client import Counter

# At most this many answers are kept, each at most this large (a dashboard's reports are a
# few KiB; large exports are computed each time).
MAX_ANSWERS = 64
MAX_BODY_BYTES = 256 * 1024

ANSWERS = Counter(
    "pulse_report_answers_total",
    "Report answers by how they were had: computed, or shared from one computed for the same "
    "question since the analytics store last changed",
    ["how"],
)
_COMPUTED, _SHARED = ANSWERS.labels("computed"), ANSWERS.labels("shared")


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


class SharedAnswers:
    def __init__(self, *, max_answers: int = MAX_ANSWERS, max_body: int = MAX_BODY_BYTES) -> None:
        self.max_answers = max_answers
        self.max_body = max_body
        self._generation: int | None = None
        self._kept: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._running: dict[Hashable, asyncio.Future[_Answer]] = {}
        self.computed = 0
        self.shared = 0

    async def get(
        self, question: Hashable, generation: int, compute: Callable[[], Awaitable[Response]]
    ) -> Response:
        """The answer to `question` at `generation`: kept, being computed, or computed now."""
        if generation != self._generation:
            # The store moved on: nothing kept answers for it any more.
            self._generation = generation
            self._kept.clear()
            self._running.clear()
        key = question
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            self.shared += 1
            _SHARED.inc()
            return kept.response()
        running = self._running.get(key)
        if running is not None:
            try:
                answer = await asyncio.shield(running)
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # this request was cancelled, not the computation
                # The request computing it went away: ask again.
                return await self.get(question, generation, compute)
            self.shared += 1
            _SHARED.inc()
            return answer.response()
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
        self.computed += 1
        _COMPUTED.inc()
        answer = _Answer.of(response)
        if not future.done():
            future.set_result(answer)
        if generation == self._generation and len(answer.body) <= self.max_body:
            self._kept[key] = answer
            while len(self._kept) > self.max_answers:
                self._kept.popitem(last=False)
        return response
