"""The TaskQueue contract, for the recorder the unit tests share and for Dramatiq in-process and on Redis.

What a worker receives is the oracle: for the Dramatiq queues a real ``dramatiq.Worker`` consumes
the messages with actors named from ``runners.commands.ROUTES``, so a message sent through
``dispatch_many``'s Redis pipeline (``runners.redis_enqueue``, which uses Dramatiq's wire format)
must reach its actor exactly like one sent by ``dispatch``. ``dispatch_many_async`` (the web
process's send, on Redis over ``runners.redis_async``'s own connection) is held to the same.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import dramatiq
import pytest
import uvloop
from dramatiq.brokers.stub import StubBroker

from adapters.config import Config
from adapters.memory.queue import RecordingQueue
from pricing_core.commands import ApplyDecisions, Command, ProcessWebhook
from pricing_core.ports import TaskQueue
from runners.broker import DramatiqQueue, build_broker
from runners.commands import route_of


@attrs.define
class Harness:
    """A queue and what its consumers received, as (actor name, message kwargs), after ``drain()``."""

    queue: TaskQueue
    drain: Callable[[], list[tuple[str, dict[str, Any]]]]


def _webhook(n: int) -> ProcessWebhook:
    return ProcessWebhook(event="app.settings.updated", merchant_id=3_000 + n, created_at=None,
                          data={"settings": {"n": n}}, delivery_id=f"d-{n}")


def _dramatiq_harness(broker: dramatiq.Broker) -> Iterator[Harness]:
    received: list[tuple[str, dict[str, Any]]] = []
    lock = threading.Lock()
    for kind in (ProcessWebhook, ApplyDecisions):
        route = route_of(kind)

        def record(_name: str = route.actor_name, **kwargs: Any) -> None:
            with lock:
                received.append((_name, kwargs))

        # Declared on the broker under the route's names, as ``runners.actors`` declares the real ones.
        dramatiq.Actor(record, broker=broker, actor_name=route.actor_name, queue_name=route.queue_name,
                       priority=0, options={})
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()

    def drain() -> list[tuple[str, dict[str, Any]]]:
        for name in list(broker.get_declared_queues()):
            broker.join(name, timeout=20_000)
        worker.join()
        with lock:
            return sorted(received, key=lambda r: (r[0], str(r[1].get("delivery_id", r[1]))))

    try:
        yield Harness(queue=DramatiqQueue(broker), drain=drain)
    finally:
        worker.stop()
        broker.close()


@pytest.fixture(params=["recording", "dramatiq-in-process", "dramatiq-redis"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    if request.param == "recording":
        queue = RecordingQueue()
        yield Harness(queue=queue, drain=lambda: sorted(
            ((route_of(c).actor_name, c.as_message()) for c in queue.commands),
            key=lambda r: (r[0], str(r[1].get("delivery_id", r[1])))))
        return
    if request.param == "dramatiq-in-process":
        yield from _dramatiq_harness(StubBroker())
        return
    import redis

    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    # A namespace per test: the session's Redis is shared.
    config = Config(dramatiq_namespace=f"test-queue-{uuid.uuid4().hex}")
    yield from _dramatiq_harness(build_broker(config, client))


Send = Callable[[TaskQueue, list[Command]], None]


def _blocking(queue: TaskQueue, commands: list[Command]) -> None:
    queue.dispatch_many(commands)


def _from_a_loop(queue: TaskQueue, commands: list[Command]) -> None:
    asyncio.run(queue.dispatch_many_async(commands))


def _from_uvloop(queue: TaskQueue, commands: list[Command]) -> None:
    uvloop.run(queue.dispatch_many_async(commands))


@pytest.fixture(params=[_blocking, _from_a_loop, _from_uvloop], ids=["blocking", "from-a-loop", "from-uvloop"])
def send(request: pytest.FixtureRequest) -> Send:
    """``dispatch_many``, or ``dispatch_many_async`` awaited in asyncio's loop or uvloop's (as ``serve`` runs)."""
    sender: Send = request.param
    return sender


def test_a_dispatched_command_reaches_its_actor(harness: Harness) -> None:
    harness.queue.dispatch(_webhook(1))
    assert harness.drain() == [("process_webhook", _webhook(1).as_message())]


def test_commands_dispatched_together_each_reach_their_actor_once(harness: Harness, send: Send) -> None:
    webhooks = [_webhook(n) for n in range(40)]
    apply = ApplyDecisions(store_id="7", decision_ids=("a", "b"))
    send(harness.queue, [*webhooks, apply])
    received = harness.drain()
    assert ("apply_decisions", apply.as_message()) in received
    assert [r for r in received if r[0] == "process_webhook"] == [  # drain() sorts by delivery id
        ("process_webhook", w.as_message()) for w in sorted(webhooks, key=lambda w: w.delivery_id)]
    assert len(received) == 41


def test_nothing_to_send_sends_nothing(harness: Harness, send: Send) -> None:
    send(harness.queue, [])
    assert harness.drain() == []


def test_redis_that_lost_its_scripts_still_gets_each_message_once(redis_url: str, send: Send) -> None:
    """After a Redis restart the broker's Lua script is gone: it is loaded again, nothing is sent twice."""
    import redis

    client = redis.Redis.from_url(redis_url)
    broker = build_broker(Config(dramatiq_namespace=f"test-queue-{uuid.uuid4().hex}"), client)
    harnesses = _dramatiq_harness(broker)
    h = next(harnesses)
    try:
        h.queue.dispatch(_webhook(0))  # the script is loaded now
        client.script_flush()
        send(h.queue, [_webhook(n) for n in range(1, 6)])
        received = h.drain()
        assert sorted(r[1]["delivery_id"] for r in received) == [f"d-{n}" for n in range(6)]
    finally:
        harnesses.close()
        client.close()


def test_a_queue_that_is_down_raises(redis_url: str, send: Send) -> None:
    import redis

    broker = build_broker(Config(), redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5))
    commands: list[Command] = [_webhook(1), _webhook(2)]
    with pytest.raises(redis.exceptions.ConnectionError):
        send(DramatiqQueue(broker), commands)


def test_a_redis_user_with_a_password_and_another_database(redis_url: str, send: Send) -> None:
    """The URL's user, password and database hold for the web process's own connection too."""
    import redis

    admin = redis.Redis.from_url(redis_url)
    user, password = f"queue-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin.acl_setuser(user, enabled=True, passwords=[f"+{password}"], keys=["*"], channels=["*"],
                      commands=["+@all"])
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    client = redis.Redis.from_url(f"redis://{user}:{password}@127.0.0.1:{port}/3")
    harnesses = _dramatiq_harness(build_broker(Config(dramatiq_namespace=f"test-queue-{uuid.uuid4().hex}"), client))
    h = next(harnesses)
    try:
        send(h.queue, [_webhook(n) for n in range(3)])
        assert [r[1]["delivery_id"] for r in h.drain()] == ["d-0", "d-1", "d-2"]
    finally:
        harnesses.close()
        client.close()
        admin.acl_deluser(user)
        admin.close()


def test_a_wrong_password_is_a_connection_error(redis_url: str, send: Send) -> None:
    import redis

    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    client = redis.Redis.from_url(f"redis://nobody:wrong@127.0.0.1:{port}/0")
    with pytest.raises(redis.exceptions.RedisError):  # AuthenticationError from redis-py, a ConnectionError here
        send(DramatiqQueue(build_broker(Config(), client)), [_webhook(1)])
    client.close()
