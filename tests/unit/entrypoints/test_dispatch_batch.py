"""DispatchBatcher: concurrent requests' commands go out together, each request resumes once its own are in."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from adapters.memory.queue import RecordingQueue
from entrypoints.web.dispatch_batch import DispatchBatcher
from pricing_core.commands import Command, ProcessWebhook


def _webhook(n: int) -> ProcessWebhook:
    return ProcessWebhook(event="app.settings.updated", merchant_id=1, created_at=None, data={}, delivery_id=str(n))


class SlowQueue(RecordingQueue):
    """Records each ``dispatch_many_async`` call; the first one waits until released (a Redis round trip)."""

    def __init__(self, fail: set[str] | None = None, *, hold_first: bool = True) -> None:
        super().__init__()
        self.calls: list[list[str]] = []
        self.hold_first = hold_first
        self.release: asyncio.Event | None = None  # made in the test's loop
        self.fail = fail or set()

    async def dispatch_many_async(self, commands: Sequence[Command]) -> None:
        ids = [c.delivery_id for c in commands if isinstance(c, ProcessWebhook)]
        self.calls.append(ids)
        if len(self.calls) == 1 and self.hold_first:
            assert self.release is not None
            await asyncio.wait_for(self.release.wait(), 5)
        if self.fail & set(ids):
            raise ConnectionError("redis went away")
        self.dispatch_many(commands)


def test_requests_arriving_during_a_send_go_out_together_in_the_next() -> None:
    queue = SlowQueue()
    batcher = DispatchBatcher(queue)

    async def scenario() -> None:
        queue.release = asyncio.Event()
        first = asyncio.create_task(batcher.dispatch(_webhook(0)))
        await asyncio.sleep(0.05)  # the first send is under way
        rest = [asyncio.create_task(batcher.dispatch(_webhook(n))) for n in range(1, 30)]
        await asyncio.sleep(0.01)
        queue.release.set()
        await asyncio.wait_for(asyncio.gather(first, *rest), 5)

    asyncio.run(scenario())
    assert queue.calls[0] == ["0"]
    assert [i for call in queue.calls for i in call] == [str(n) for n in range(30)]
    assert len(queue.calls) == 2  # 29 requests, one round trip
    assert [c.delivery_id for c in queue.of(ProcessWebhook)] == [str(n) for n in range(30)]


def test_a_failed_send_fails_each_request_of_its_batch_and_the_next_batch_still_goes() -> None:
    queue = SlowQueue(fail={"1"}, hold_first=False)
    batcher = DispatchBatcher(queue, max_batch=5)

    async def scenario() -> list[BaseException | None]:
        tasks = [asyncio.create_task(batcher.dispatch(_webhook(n))) for n in range(12)]
        done = await asyncio.gather(*tasks, return_exceptions=True)
        return [r if isinstance(r, BaseException) else None for r in done]

    outcomes = asyncio.run(scenario())
    assert queue.calls == [["0", "1", "2", "3", "4"], ["5", "6", "7", "8", "9"], ["10", "11"]]
    assert all(isinstance(o, ConnectionError) for o in outcomes[:5])
    assert outcomes[5:] == [None] * 7


def test_a_second_event_loop_gets_its_own_batches() -> None:
    """A test client may run the app in a new loop each time: nothing of the first loop is reused."""
    queue = RecordingQueue()
    batcher = DispatchBatcher(queue)
    asyncio.run(batcher.dispatch(_webhook(1)))
    asyncio.run(batcher.dispatch(_webhook(2)))
    assert [c.delivery_id for c in queue.of(ProcessWebhook)] == ["1", "2"]


def test_a_cancelled_send_fails_its_requests_instead_of_leaving_them_waiting() -> None:
    """At shutdown the sending task may be cancelled mid-send: its requests get an error (a 503), not a hang."""

    class Stuck(RecordingQueue):
        async def dispatch_many_async(self, commands: Sequence[Command]) -> None:
            await asyncio.sleep(3600)  # a send that never answers

    batcher = DispatchBatcher(Stuck())

    async def scenario() -> BaseException | None:
        request = asyncio.create_task(batcher.dispatch(_webhook(1)))
        await asyncio.sleep(0.01)
        loop_batch = next(iter(batcher._batches.values()))
        assert loop_batch.sender is not None
        loop_batch.sender.cancel()
        done = await asyncio.wait_for(asyncio.gather(request, return_exceptions=True), 2)
        return done[0] if isinstance(done[0], BaseException) else None

    assert isinstance(asyncio.run(scenario()), ConnectionAbortedError)
