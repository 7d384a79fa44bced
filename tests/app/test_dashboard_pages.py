"""The cohort dashboard, network page, snapshots and lessons board through the real entry
point (AppTest) on the demo cohort. Expected figures are read from the database in the test."""

from __future__ import annotations

import json
import re

import pandas as pd
from sqlmodel import select

from dashboard.auth import accounts as auth
from dashboard.core import clock
from dashboard.core.db import session_scope
from dashboard.core.i18n import fmt_number, fmt_percent
from dashboard.services.reporting import cohorts, snapshots
from dashboard.services.roadmap import milestone_grid, milestones
from dashboard.ui import get_engine
from models import Cohort, Milestone, Network
from tests.app.conftest import DEMO_PASSWORDS, page


def _actor(username: str, role: str):
    return auth.login(get_engine(), username, DEMO_PASSWORDS[role]).actor


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _chart(at, title: str) -> dict:
    found = [c for c in _charts(at) if c["layout"].get("title", {}).get("text") == title]
    assert found, f"no chart titled {title!r}"
    return found[0]


def everything_shown(at) -> str:
    """Every text a user could read on the page: texts, tables, widget options, charts."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info",
                 "warning", "error", "success"):  # fmt: skip
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [e.value.to_string() for e in at.dataframe]
    for kind in ("selectbox", "multiselect", "radio"):
        for w in getattr(at, kind):
            parts += [str(o) for o in w.options]
    parts += [e.label for e in at.tabs] + [e.label for e in at.expander]
    parts += [
        json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")
    ]
    parts += [c.proto.spec for c in at.get("arrow_vega_lite_chart")]
    return "\n".join(parts)


def _demo(engine) -> tuple[int, pd.DataFrame]:
    with session_scope(engine) as s:
        cohort_id = s.exec(select(Cohort.id).where(Cohort.code == "AI-2026")).one()
        rows = s.exec(
            select(Network.id, Network.code, Network.name, Network.acronym).where(
                Network.cohort_id == cohort_id
            )
        ).all()
    return cohort_id, pd.DataFrame(rows, columns=["id", "code", "name", "acronym"])


def test_steering_sees_the_cohort_headline_from_the_database(login_as):
    at = login_as("steering")
    at.switch_page(page("cohort/dashboard")).run()
    assert not at.exception, at.exception
    engine = get_engine()
    cohort_id, networks = _demo(engine)
    steering = _actor("copil", "steering")
    figures = cohorts.headline(engine, steering, cohort_id, as_of=clock.today())
    shown = _metrics(at)
    assert shown["Réseaux"] == fmt_number(len(networks))
    assert shown["Jalons réalisés"] == (
        f"{fmt_number(figures['milestones_done'])} / {fmt_number(figures['milestones'])}"
    )
    assert shown["Jalons en retard"] == fmt_number(figures["milestones_late"])
    assert shown["Alliances signées"] == fmt_number(figures["alliances_signed"])
    assert shown["Contrat-alliance"] == fmt_percent(figures["alliance_logic_share"])
    assert shown["Valeurs à valider"] == fmt_number(figures["values_awaiting_validation"])
    heat = _chart(at, "Avancement vers la cible propre de chaque réseau")
    assert set(heat["data"][0]["y"]) == set(networks["name"])
    bars = _chart(at, "Jalons par réseau et par statut")
    done = next(tr for tr in bars["data"] if tr["name"] == "Réalisé")
    assert sum(done["x"]) == figures["milestones_done"]


def test_network_filter_in_the_url_narrows_the_charts(login_as):
    at = login_as("steering", run=False)
    at.query_params["reseaux"] = "R05,R09"
    at.run()
    at.switch_page(page("cohort/dashboard")).run()
    assert not at.exception, at.exception
    _, networks = _demo(get_engine())
    names = dict(zip(networks["code"], networks["name"], strict=True))
    heat = _chart(at, "Avancement vers la cible propre de chaque réseau")
    assert set(heat["data"][0]["y"]) == {names["R05"], names["R09"]}
    assert any(names["R05"] in c.value for c in at.caption)  # the caption says the filter


def test_changing_a_filter_widget_changes_the_charts_and_the_url(login_as):
    at = login_as("steering")
    at.switch_page(page("cohort/dashboard")).run()
    cohort_id, networks = _demo(get_engine())
    names = dict(zip(networks["code"], networks["name"], strict=True))
    at.multiselect(key=f"filter_networks_{cohort_id}").set_value(["R12"]).run()
    assert not at.exception, at.exception
    assert at.query_params["reseaux"] == "R12"
    bars = _chart(at, "Jalons par réseau et par statut")
    assert {y for tr in bars["data"] for y in tr["y"]} == {names["R12"]}
    # Partner family filter: companies only in the pipeline.
    at.multiselect(key=f"filter_families_{cohort_id}").set_value(["company"]).run()
    assert at.query_params["famille"] == "company"
    pipeline = _chart(at, "Alliances par étape et par famille de partenaires")
    assert [tr["name"] for tr in pipeline["data"]] in ([], ["Entreprise"])


def test_steering_opens_a_network_page_from_the_url(login_as):
    at = login_as("steering", run=False)
    at.query_params["reseau"] = "R05"
    at.run()
    at.switch_page(page("cohort/network_detail")).run()
    assert not at.exception, at.exception
    engine = get_engine()
    cohort_id, networks = _demo(engine)
    r05 = networks.set_index("code").loc["R05"]
    assert any(t.value == f"R05 — {r05['name']}" for t in at.text)
    figures = cohorts.headline(
        engine,
        _actor("copil", "steering"),
        cohort_id,
        as_of=clock.today(),
        network_id=int(r05["id"]),
    )
    shown = _metrics(at)
    assert shown["Jalons en retard"] == fmt_number(figures["milestones_late"])
    assert shown["Alliances contractualisées"] == fmt_number(figures["alliances_signed"])
    with session_scope(engine) as s:
        titles = set(s.exec(select(Milestone.title).where(Milestone.network_id == int(r05["id"]))))
    table = next(df.value for df in at.dataframe if "Jalon" in df.value.columns)
    assert set(table["Jalon"]) == titles
    trend_titles = [c["layout"]["title"]["text"] for c in _charts(at)]
    assert any(text.startswith("Part des ressources privées") for text in trend_titles)


def test_a_saved_change_shows_on_the_next_rerun(login_as):
    at = login_as("steering")
    at.switch_page(page("cohort/dashboard")).run()
    before = _metrics(at)["Jalons réalisés"]
    engine = get_engine()
    lead = _actor("lead.r01", "lead")
    with session_scope(engine) as s:
        open_one = s.exec(
            select(Milestone).where(
                Milestone.network_id == lead.network_id, Milestone.status != "done"
            )
        ).first()
        target_id, version = open_one.id, open_one.version
    milestones.save_milestones(
        engine,
        lead,
        lead.network_id,
        milestone_grid.MilestoneChanges(
            edited=[
                milestone_grid.EditedMilestone(
                    target_id,
                    version,
                    {"status": "done", "progress": 100, "done_date": clock.today()},
                )
            ]
        ),
    )
    at.run()
    done, total = (int(x) for x in re.findall(r"\d+", _metrics(at)["Jalons réalisés"]))
    done_before = int(re.findall(r"\d+", before)[0])
    assert done == done_before + 1


def test_snapshot_diff_lists_a_change_made_after_the_snapshot(login_as):
    engine = get_engine()
    cohort_id, networks = _demo(engine)
    admin = _actor("animation", "admin")
    taken = snapshots.take_snapshot(engine, admin, cohort_id, label="Avant le test")
    lead = _actor("lead.r03", "lead")
    with session_scope(engine) as s:
        row = s.exec(
            select(Milestone).where(
                Milestone.network_id == lead.network_id, Milestone.status != "done"
            )
        ).first()
        changed_id, changed_title, version = row.id, row.title, row.version
    milestones.save_milestones(
        engine,
        lead,
        lead.network_id,
        milestone_grid.MilestoneChanges(
            edited=[
                milestone_grid.EditedMilestone(
                    changed_id,
                    version,
                    {"status": "done", "progress": 100, "done_date": clock.today()},
                )
            ]
        ),
    )
    at = login_as("steering")
    at.switch_page(page("cohort/snapshots")).run()
    assert not at.exception, at.exception
    assert at.selectbox(key=f"compare_before_{cohort_id}").value == taken.id
    table = next(df.value for df in at.dataframe if "Changement" in df.value.columns)
    row = table[table["Jalon"] == changed_title]
    assert list(row["Changement"]) == ["Réalisé"]
    assert list(row["Réseau"]) == [networks.set_index("code").loc["R03", "name"]]
    assert _metrics(at)["Jalons réalisés"] == "1"


def test_admin_freezes_a_snapshot_from_the_page(login_as):
    at = login_as("admin")
    at.switch_page(page("cohort/snapshots")).run()
    cohort_id, _ = _demo(get_engine())
    # The demo comes with a snapshot of each session held, the latest one first.
    offered = at.selectbox(key=f"compare_before_{cohort_id}").options
    assert offered[0] == "COPIL du 16/06/2026" and offered[-1] == "S1 du 14/10/2025"
    at.text_input(key="snapshot_label").set_value("Session de test")
    next(b for b in at.button if b.label == "Figer l'état de la cohorte").click().run()
    assert not at.exception, at.exception
    assert any("Session de test" in s.value for s in at.success)
    steering_view = login_as("steering")
    steering_view.switch_page(page("cohort/snapshots")).run()
    assert not [b for b in steering_view.button if b.label == "Figer l'état de la cohorte"]


def test_anonymised_mode_shows_no_other_network_name_to_a_lead(login_as):
    engine = get_engine()
    cohort_id, networks = _demo(engine)
    with session_scope(engine) as s:
        s.get(Cohort, cohort_id).anonymise_for_leads = True
    snapshots.take_snapshot(engine, _actor("animation", "admin"), cohort_id, label="T")
    own = networks.set_index("code").loc["R05"]
    others = networks[networks["code"] != "R05"]
    forbidden = [*others["name"], *others["code"]]
    acronyms = [a for a in others["acronym"] if a]

    at = login_as("lead.r05")
    seen = []
    for name in (
        "cohort/dashboard",
        "cohort/network_detail",
        "cohort/snapshots",
        "cohort/lessons_board",
    ):
        at.switch_page(page(name)).run()
        assert not at.exception, (name, at.exception)
        seen.append((name, everything_shown(at)))
    # The lead's network page on another network: aggregates only.
    at.switch_page(page("cohort/network_detail")).run()
    picker = at.selectbox(key=f"detail_network_{cohort_id}")
    assert picker.options[0] == f"R05 — {own['name']}"
    assert picker.options[1:] == [f"Réseau {chr(ord('A') + i)}" for i in range(len(others))]
    picker.set_value("C").run()
    assert not at.exception, at.exception
    assert any("anonymisé" in i.value for i in at.info)
    assert not [df for df in at.dataframe if "Jalon" in df.value.columns]
    seen.append(("network_detail C", everything_shown(at)))

    for page_name, text in seen:
        for word in forbidden:
            assert not re.search(rf"\b{re.escape(word)}\b", text), (page_name, word)
        for acronym in acronyms:
            assert not re.search(rf"\b{re.escape(acronym)}\b", text), (page_name, acronym)
    assert own["name"] in seen[0][1]  # their own network keeps its name
