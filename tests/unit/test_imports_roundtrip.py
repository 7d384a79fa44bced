"""Spreadsheet round trip: an unmodified template changes nothing; edited cells come back
exactly as typed (values, texts, formula-like texts), with a preview before and after and
change-log rows tagged with the import; a second upload of the same file changes nothing; a
row changed in the app since the download is a conflict, a validated value stays locked."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from dashboard.core.i18n import fmt_number
from dashboard.services import imports
from dashboard.services.indicators import values as indicator_values
from tests.unit.import_files import (
    AS_OF,
    actor,
    change_log_count,
    edit_xlsx,
    network_id,
    rows_of,
    stored_milestones,
    stored_values,
    template,
)

MAY = dt.date(2026, 5, 1)


def _preview(engine, who, name, content, **kw):
    return imports.preview_import(engine, who, name, content, as_of=AS_OF, **kw)


def _apply(engine, who, name, content, **kw):
    return imports.apply_import(engine, who, name, content, as_of=AS_OF, **kw)


def test_unmodified_template_xlsx_and_csv_is_a_noop(demo_engine):
    lead = actor(demo_engine, "lead.r01")
    data = template(demo_engine, lead)
    before_log, before_values = change_log_count(demo_engine), stored_values(demo_engine)
    files = {"modele.xlsx": imports.write_xlsx(data)}
    with zipfile.ZipFile(io.BytesIO(imports.write_csv_zip(data))) as archive:
        files |= {name: archive.read(name) for name in archive.namelist()}
    for name, content in files.items():
        plan = _preview(demo_engine, lead, name, content)
        assert plan.errors == [], name
        assert plan.changes == [], name
        assert len(plan.unchanged) == plan.rows_read > 0
        result = _apply(demo_engine, lead, name, content)
        assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert change_log_count(demo_engine) == before_log
    assert stored_values(demo_engine) == before_values


def test_edit_preview_apply_then_same_file_again_changes_nothing(demo_engine):
    lead = actor(demo_engine, "lead.r01")
    content = imports.write_xlsx(template(demo_engine, lead))
    values = rows_of(content, "Valeurs")
    may = [r for r in values if r["Mois"].date() == MAY and r["Statut"] != "Validée"]
    eur = next(r for r in may if r["Code indicateur"] == "ALLIANCE_RESOURCES_EUR")
    old_eur = eur["Valeur"]
    milestone = rows_of(content, "Jalons")[2]
    last_row = len(rows_of(content, "Jalons")) + 2
    edited = edit_xlsx(content, "Valeurs", {
        (eur["_row"], "Valeur"): old_eur + 1234.5,
        (eur["_row"], "Commentaire"): "=SOMME(A1) — saisi hors ligne",
    })  # fmt: skip
    edited = edit_xlsx(edited, "Jalons", {
        (milestone["_row"], "Intitulé"): "Nouvel intitulé du jalon",
        (last_row, "Intitulé"): "Jalon ajouté dans le tableur",
        (last_row, "Échéance"): dt.datetime(2026, 6, 30),
        (last_row, "Statut"): "En cours",
        (last_row, "Avancement (%)"): 40,
    })  # fmt: skip

    plan = _preview(demo_engine, lead, "modele.xlsx", edited)
    assert plan.errors == []
    shown = {(c.sheet, c.row, c.action): c.fields for c in plan.changes}
    assert ("Valeurs", eur["_row"], "update") in shown
    value_fields = dict((f, (b, a)) for f, b, a in shown[("Valeurs", eur["_row"], "update")])
    assert value_fields["Valeur"] == (fmt_number(old_eur, 6), fmt_number(old_eur + 1234.5, 6))
    assert value_fields["Commentaire"] == ("", "=SOMME(A1) — saisi hors ligne")
    assert ("Jalons", milestone["_row"], "update") in shown
    assert ("Jalons", last_row, "create") in shown
    assert stored_values(demo_engine)[("ALLIANCE_RESOURCES_EUR", MAY)][0] == old_eur

    result = _apply(demo_engine, lead, "modele.xlsx", edited, expected_digest=plan.digest)
    assert (result.created, result.updated) == (1, 2)  # one milestone added; a value, a milestone
    stored = stored_values(demo_engine)[("ALLIANCE_RESOURCES_EUR", MAY)]
    assert stored[:2] == (old_eur + 1234.5, "=SOMME(A1) — saisi hors ligne")
    assert stored[3] == "draft"
    titles = {m["title"] for m in stored_milestones(demo_engine).values()}
    assert {"Nouvel intitulé du jalon", "Jalon ajouté dans le tableur"} <= titles
    with demo_engine.connect() as conn:
        reasons = conn.execute(
            text("SELECT DISTINCT reason FROM change_log WHERE reason LIKE 'Import du fichier%'")
        ).scalars().all()  # fmt: skip
    assert reasons == [result.tag]

    log = change_log_count(demo_engine)
    again = _preview(demo_engine, lead, "modele.xlsx", edited)
    assert again.errors == [] and again.changes == []
    _apply(demo_engine, lead, "modele.xlsx", edited)
    assert change_log_count(demo_engine) == log


def test_row_changed_in_app_since_download_is_a_conflict_not_overwritten(demo_engine):
    lead = actor(demo_engine, "lead.r01")
    content = imports.write_xlsx(template(demo_engine, lead))
    row = next(
        r for r in rows_of(content, "Valeurs")
        if r["Mois"].date() == MAY and r["Code indicateur"] == "MEMBERS_INVOLVED"
    )  # fmt: skip
    indicator_id = next(
        int(i["indicator_id"]) for i in indicator_values.value_grid(
            demo_engine, lead, lead.network_id, as_of=AS_OF)["indicators"].to_dict("records")
        if i["code"] == "MEMBERS_INVOLVED"
    )  # fmt: skip
    indicator_values.save_values(
        demo_engine, lead, lead.network_id,
        [{"indicator_id": indicator_id, "period_start": MAY, "value": row["Valeur"] + 1,
          "version": row["Version"]}],
        as_of=AS_OF,
    )  # fmt: skip
    edited = edit_xlsx(content, "Valeurs", {(row["_row"], "Valeur"): row["Valeur"] + 5})
    plan = _preview(demo_engine, lead, "modele.xlsx", edited)
    assert [(i.sheet, i.row, i.column, i.code) for i in plan.errors] == [
        ("Valeurs", row["_row"], "Version", "conflict")
    ]
    assert "Rien n'a été écrasé" in plan.errors[0].message
    with pytest.raises(imports.ImportRefused):
        _apply(demo_engine, lead, "modele.xlsx", edited)
    assert stored_values(demo_engine)[("MEMBERS_INVOLVED", MAY)][0] == row["Valeur"] + 1


def test_validated_value_is_locked_and_nothing_written(demo_engine):
    lead = actor(demo_engine, "lead.r01")
    content = imports.write_xlsx(template(demo_engine, lead))
    row = next(r for r in rows_of(content, "Valeurs") if r["Statut"] == "Validée")
    before = stored_values(demo_engine)
    edited = edit_xlsx(content, "Valeurs", {(row["_row"], "Valeur"): row["Valeur"] + 1})
    plan = _preview(demo_engine, lead, "modele.xlsx", edited)
    assert [(i.row, i.column, i.code) for i in plan.errors] == [
        (row["_row"], "Valeur", "validated_locked")
    ]
    assert "verrouillée" in plan.errors[0].message
    with pytest.raises(imports.ImportRefused):
        _apply(demo_engine, lead, "modele.xlsx", edited)
    assert stored_values(demo_engine) == before


def test_lead_uploading_another_networks_rows_refused_per_row(demo_engine):
    admin = actor(demo_engine, "animation")
    lead = actor(demo_engine, "lead.r01")
    other = imports.write_xlsx(template(demo_engine, admin, "R02"))
    rows = rows_of(other, "Valeurs") + rows_of(other, "Jalons")
    before, log = stored_values(demo_engine, "R02"), change_log_count(demo_engine)
    plan = _preview(demo_engine, lead, "r02.xlsx", other)
    assert plan.network_code == "R01"
    assert len(plan.errors) == len(rows)
    assert {(i.column, i.code, i.value) for i in plan.errors} == {
        ("Réseau", "other_network", "R02")
    }
    assert {(i.sheet, i.row) for i in plan.errors} == {
        ("Valeurs" if "Code indicateur" in r else "Jalons", r["_row"]) for r in rows
    }
    with pytest.raises(imports.ImportRefused):
        _apply(demo_engine, lead, "r02.xlsx", other)
    refused = _preview(
        demo_engine, lead, "r02.xlsx", other, network_id=network_id(demo_engine, "R02")
    )
    assert [i.code for i in refused.errors] == ["refused"]
    assert stored_values(demo_engine, "R02") == before
    assert change_log_count(demo_engine) == log


# Texts a spreadsheet could take for a formula, or that carry the guard's apostrophe.
FORMULA_LIKE = st.sampled_from(
    ["=1+1", "+33 6 12 34 56 78", "-5", "@SOMME(A1)", "'déjà cité", "''deux", "=HYPERLINK(\"x\")",
     "＝plein", "\t"]
)  # fmt: skip
PLAIN = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn"),
    ),
    min_size=1, max_size=40,
)  # fmt: skip
TEXTS = (
    st.one_of(FORMULA_LIKE, PLAIN, st.tuples(FORMULA_LIKE, PLAIN).map("".join))
    .map(str.strip)
    .filter(bool)
)
# What a person types in a spreadsheet: spreadsheets keep 15 significant digits.
AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2).map(float)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(amount=AMOUNTS, comment=TEXTS, title=TEXTS, as_csv=st.booleans())
def test_export_edit_import_gives_back_exactly_the_edited_data(
    demo_engine, amount, comment, title, as_csv
):
    lead = actor(demo_engine, "lead.r01")
    data = template(demo_engine, lead)
    content = imports.write_xlsx(data)
    row = next(
        r for r in rows_of(content, "Valeurs")
        if r["Mois"].date() == MAY and r["Code indicateur"] == "IN_KIND_EUR"
    )  # fmt: skip
    milestone = rows_of(content, "Jalons")[0]
    edited = edit_xlsx(content, "Valeurs", {
        (row["_row"], "Valeur"): amount, (row["_row"], "Commentaire"): comment,
    })  # fmt: skip
    edited = edit_xlsx(edited, "Jalons", {(milestone["_row"], "Intitulé"): title})
    files = {"modele.xlsx": edited}
    if as_csv:  # the same edit made in the excel_fr CSV tables
        values = [
            dict(v, value=amount, comment=comment)
            if v["indicator_code"] == "IN_KIND_EUR" and v["period_start"] == MAY else v
            for v in data.values
        ]  # fmt: skip
        milestones = [dict(data.milestones[0], title=title), *data.milestones[1:]]
        from dashboard.services.imports.template import write_csv

        files = {
            "valeurs.csv": write_csv(imports.VALUES, values),
            "jalons.csv": write_csv(imports.MILESTONES, milestones),
        }
    for name, body in files.items():
        plan = _preview(demo_engine, lead, name, body)
        assert plan.errors == [], (name, plan.errors)
        _apply(demo_engine, lead, name, body)
    stored = stored_values(demo_engine)[("IN_KIND_EUR", MAY)]
    assert (stored[0], stored[1]) == (amount, comment)
    assert stored_milestones(demo_engine)[milestone["N° jalon"]]["title"] == title
