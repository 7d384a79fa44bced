"""Fixtures shared by the service tests: ``w``, the small roadmap world of
:mod:`tests.unit.roadmap_world` (two networks with their leads, the programme team, the steering
committee, and a second cohort to forge ids from), built fresh for each test."""

from __future__ import annotations

import pytest

from tests.unit.roadmap_world import World, make_world


@pytest.fixture
def w(engine) -> World:
    return make_world(engine)
