"""The pack's charts are exported by an asynchronous engine: a caller already inside an event
loop (a server, or a test session driving a browser with Playwright) must still get them."""

from __future__ import annotations

import asyncio
import concurrent.futures

from dashboard.services.pack import figures


async def _answer() -> int:
    await asyncio.sleep(0)
    return 42


def _in_a_fresh_thread(function):
    """Run ``function`` in a thread with no event loop of its own yet, whatever runs in this
    one (the browser tests leave a loop running in the test session's main thread)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def test_a_coroutine_runs_from_plain_code():
    assert _in_a_fresh_thread(lambda: figures._run(_answer())) == 42


def test_a_coroutine_runs_from_inside_a_running_event_loop():
    async def caller() -> int:
        asyncio.get_running_loop()  # a loop does run here
        return figures._run(_answer())  # synchronous call made while that loop runs

    assert _in_a_fresh_thread(lambda: asyncio.run(caller())) == 42


def test_asyncio_run_alone_is_refused_inside_a_running_loop():
    """The situation ``_run`` exists for: plain ``asyncio.run`` fails there."""

    async def caller() -> str:
        coroutine = _answer()
        try:
            asyncio.run(coroutine)
        except RuntimeError as error:
            coroutine.close()
            return str(error)
        return "ran"

    assert "running event loop" in _in_a_fresh_thread(lambda: asyncio.run(caller()))
