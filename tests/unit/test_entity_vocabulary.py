"""One vocabulary of what things are (models.enums.Entity): the permission table, the change
log and the history labels all speak it."""

from __future__ import annotations

from sqlmodel import select

from dashboard.core.db import session_scope
from dashboard.core.permissions import ENTITIES, PERMISSIONS, Actor, can
from dashboard.services.reporting import history_labels
from models import ChangeLog
from models.enums import Entity, Role


def test_the_permission_table_covers_exactly_the_entities():
    assert set(ENTITIES) == set(Entity)
    for table in PERMISSIONS.values():
        assert set(table) <= set(Entity)


def test_every_entity_has_a_french_label_in_the_history():
    for entity in ENTITIES:
        assert history_labels.entity_label(entity) != entity, entity
    assert history_labels.entity_label(Entity.maturity) == "Diagnostic de maturité"


def test_a_maturity_diagnostic_is_permitted_and_logged_under_the_same_name():
    lead = Actor(id=1, username="l", full_name="L", role=Role.lead, network_id=7)
    assert can(lead, "update", Entity.maturity, network_id=7)
    assert can(lead, "update", "maturity_assessment", network_id=7)
    assert not can(lead, "update", Entity.maturity, network_id=8)


def test_every_entity_in_the_demo_change_log_is_in_the_vocabulary(demo_engine):
    with session_scope(demo_engine) as s:
        logged = set(s.exec(select(ChangeLog.entity).distinct()).all())
    assert logged
    assert logged <= {e.value for e in Entity}, logged - {e.value for e in Entity}
