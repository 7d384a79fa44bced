"""The pack's charts are exported by an asynchronous engine: a caller already inside an event
loop (a server, or a test session driving a browser with Playwright) must still get them."""

from __future__ import annotations

import asyncio

from dashboard.services.pack import figures


async def _answer() -> int:
    await asyncio.sleep(0)
    return 42


def test_a_coroutine_runs_from_plain_code():
    assert figures._run(_answer()) == 42


def test_a_coroutine_runs_from_inside_a_running_event_loop():
    async def caller() -> int:
        return figures._run(_answer())  # synchronous call made while a loop runs here

    assert asyncio.run(caller()) == 42
