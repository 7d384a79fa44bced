"""The whole role × entity × action matrix, written out so that any change shows here."""

from __future__ import annotations

import pytest

from dashboard.core.errors import PermissionDenied
from dashboard.core.permissions import ACTIONS, ENTITIES, Actor, authorize, can, scope_of
from models.enums import Role

# One line per entity; columns in ACTIONS order:
# read create update delete submit validate reopen export  (A = all, O = own network, . = no)
EXPECTED = {
    Role.admin: {e: "AAAAAAAA" for e in ENTITIES},
    Role.lead: {
        "cohort": "A.......",
        "network": "A.......",
        "session": "A.......",
        "user": "........",
        "objective": "AOOO....",
        "partner": "AA......",
        "alliance": "AOOO....",
        "milestone": "AOOO....",
        "indicator": "A.......",
        "indicator_target": "A.......",
        "indicator_value": "AOO.O...",
        "maturity_assessment": "AOOO....",
        "lesson": "AOOO....",
        "snapshot": "A.......",
        "change_log": "O.......",
        "export": "........",
        "comment": "AOOO....",
    },
    Role.steering: {
        **{e: "A......." for e in ENTITIES},
        "user": "........",
        "export": "........",
        "change_log": "A.......",
    },
    Role.ministry: {
        **{e: "A......." for e in ENTITIES},
        "user": "........",
        "change_log": "........",
        "export": "A......A",
    },
}
CODE = {"A": "all", "O": "own", ".": None}


def _actor(role: Role, network_id: int | None = None) -> Actor:
    return Actor(id=1, username="u", full_name="U", role=role, network_id=network_id)


@pytest.mark.parametrize("role", list(Role))
def test_matrix(role):
    actor = _actor(role, 7 if role is Role.lead else None)
    for entity in ENTITIES:
        row = EXPECTED[role][entity]
        for action, code in zip(ACTIONS, row, strict=True):
            got = scope_of(actor, action, entity)
            assert (got.value if got else None) == CODE[code], (role, entity, action)


def test_own_scope_means_own_network_only():
    lead = _actor(Role.lead, network_id=7)
    assert can(lead, "update", "milestone", network_id=7)
    assert not can(lead, "update", "milestone", network_id=8)
    assert not can(lead, "update", "milestone", network_id=None)
    with pytest.raises(PermissionDenied, match="votre propre réseau"):
        authorize(lead, "update", "milestone", network_id=8)


def test_refusals_are_french():
    with pytest.raises(PermissionDenied, match="Votre rôle ne permet pas"):
        authorize(_actor(Role.steering), "update", "milestone", network_id=1)
    with pytest.raises(PermissionDenied, match="connecté"):
        authorize(None, "read", "cohort")


def test_unknown_permission_is_a_programming_error():
    with pytest.raises(ValueError):
        scope_of(_actor(Role.admin), "fly", "milestone")
