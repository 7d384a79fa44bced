"""Jalons: the network's milestones as a spreadsheet-like grid, saved all at once (every row
or none)."""

import streamlit as st

from dashboard.core import clock
from dashboard.core.errors import AppError, ConflictError
from dashboard.core.i18n import fmt_number, labels_for, t
from dashboard.services.roadmap import milestone_grid, milestones
from dashboard.services.shared.forms import limit_help
from dashboard.ui import get_engine, link_to, page_setup, show_error
from dashboard.ui.discussion import item_thread
from dashboard.ui.flash import editor_nonce, flash, reset_editors, show_flash
from dashboard.ui.network_picker import pick_network
from dashboard.ui.typed_inputs import dates_as_text, numbers_as_text
from models import Milestone
from models.enums import MilestoneStatus, Role

actor = page_setup(
    "Jalons",
    Role.lead,
    Role.admin,
    caption="Modifiez les cellules comme dans un tableur, ajoutez ou supprimez des lignes, puis "
    "enregistrez : tout est enregistré d'un coup, ou rien si une ligne pose problème.",
)
engine = get_engine()
network_id = pick_network(engine, actor)
if network_id is None:
    st.stop()
today = clock.today()

show_flash()

nonce = editor_nonce()
editor_key = f"milestones_grid_{network_id}_{nonce}"
base_key = f"_at_base_{editor_key}"
# The grid as first shown, with the versions the user saw: while edits are pending they are
# positions into it, and the save checks those versions, so a row someone else changed meanwhile
# is reported, not lost. Without pending edits, the grid is read afresh.
state = st.session_state.get(editor_key) or {}
pending = any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))
if base_key not in st.session_state or not pending:
    try:
        st.session_state[base_key] = milestones.milestone_grid(
            engine, actor, network_id, as_of=today
        )
    except AppError as error:
        show_error(error)
        st.stop()
grid: milestones.MilestoneGrid = st.session_state[base_key]
rows = grid.rows

late_count = int(rows["late"].sum())
if late_count:
    st.warning(
        t(
            "{n} jalon(s) en retard : échéance passée et ni réalisé(s) ni annulé(s). "
            "Mettez à jour leur statut, leur avancement ou leur échéance.",
            n=fmt_number(late_count),
        ),
        icon=":material/schedule:",
    )

# Dates are shown and typed as text « jj/mm/aaaa » whatever the browser's language (a date
# column follows the browser's locale and empties a date outside its bounds); the service
# parses them and says what is wrong.
shown = rows.assign(
    late=[f"⚠️ {t('En retard')}" if late else "" for late in rows["late"]],
    due_date=dates_as_text(rows["due_date"]),
    done_date=dates_as_text(rows["done_date"]),
    progress=numbers_as_text(rows["progress"]),
)
labels = {c: t(label) for c, label in milestone_grid.LABELS.items()}
date_help = t("Au format jj/mm/aaaa, par exemple 26/11/2026.")
statuses = labels_for(MilestoneStatus)
# What a lead updates before each session (status, progress, dates) comes right after the
# title, so it fits a 1 440-px screen without scrolling sideways.
LEAD_FIRST = ["title", "status", "progress", "due_date", "done_date"]
column_order = [
    "late",
    *LEAD_FIRST,
    *(c for c in milestone_grid.GRID_COLUMNS if c not in LEAD_FIRST),
]
with st.form(f"milestones_form_{network_id}"):
    st.data_editor(
        shown,
        key=editor_key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_order=column_order,
        disabled=["late"],
        column_config={
            "late": st.column_config.TextColumn(t("Retard"), pinned=True),
            "title": st.column_config.TextColumn(
                labels["title"],
                required=True,
                pinned=True,
                help=limit_help(Milestone, "title"),
            ),
            "owner": st.column_config.TextColumn(
                labels["owner"], help=limit_help(Milestone, "owner")
            ),
            "due_date": st.column_config.TextColumn(labels["due_date"], help=date_help),
            "status": st.column_config.SelectboxColumn(
                labels["status"],
                options=list(statuses),
                format_func=lambda code: statuses.get(str(code), str(code)),
                required=True,
                default=MilestoneStatus.planned.value,
            ),
            "progress": st.column_config.TextColumn(
                labels["progress"], default="0", help=t("Un nombre entier de 0 à 100.")
            ),
            "done_date": st.column_config.TextColumn(labels["done_date"], help=date_help),
            "objective_id": st.column_config.SelectboxColumn(
                labels["objective_id"],
                options=list(grid.objectives),
                format_func=lambda i: grid.objectives.get(int(i), str(i)),
            ),
            "alliance_id": st.column_config.SelectboxColumn(
                labels["alliance_id"],
                options=list(grid.alliances),
                format_func=lambda i: grid.alliances.get(int(i), str(i)),
            ),
            "session_id": st.column_config.SelectboxColumn(
                labels["session_id"],
                options=list(grid.sessions),
                format_func=lambda i: grid.sessions.get(int(i), str(i)),
            ),
            "evidence_url": st.column_config.LinkColumn(
                labels["evidence_url"],
                help=limit_help(Milestone, "evidence_url"),
            ),
            "comment": st.column_config.TextColumn(
                labels["comment"], help=limit_help(Milestone, "comment")
            ),
        },
        placeholder="",
    )
    st.caption(
        t(
            "« + » en bas du tableau ajoute un jalon ; cochez une ligne puis la corbeille pour la "
            "supprimer. Un jalon « Réalisé » demande sa date de réalisation (avancement mis à "
            "100 %). Rien n'est enregistré avant « Enregistrer les jalons »."
        )
    )
    save = st.form_submit_button(
        t("Enregistrer les jalons"), type="primary", icon=":material/save:"
    )

if save:
    try:
        changes = milestone_grid.changes_from_editor(rows, st.session_state.get(editor_key))
        result = (
            None
            if changes.is_empty()
            else milestones.save_milestones(engine, actor, network_id, changes, as_of=today)
        )
    except AppError as error:
        show_error(error)
        if isinstance(error, ConflictError):
            st.info(
                t(
                    "Vos modifications sont toujours affichées. Notez-les, cliquez sur "
                    "« Recharger » pour voir la version enregistrée, puis réappliquez-les."
                )
            )
    else:
        if result is None:
            st.info(t("Aucune modification : rien à enregistrer."))
        else:
            st.session_state.pop(base_key, None)
            reset_editors()
            flash(
                t(
                    "Jalons enregistrés : {c} ajouté(s), {u} modifié(s), {d} supprimé(s).",
                    c=result.created,
                    u=result.updated,
                    d=result.deleted,
                )
            )
            st.rerun()

if st.button(
    t("Recharger (abandonner les modifications non enregistrées)"),
    key="milestones_reload",
    icon=":material/refresh:",
):
    st.session_state.pop(base_key, None)
    reset_editors()
    st.rerun()

link_to("pages/lead/before_session.py", "Voir ce qu'il reste à faire avant la prochaine session")
link_to("pages/cohort/history.py", "Voir l'historique des modifications")
item_thread(
    engine,
    actor,
    "milestone",
    {int(r.id): str(r.title) for r in rows.itertuples()},
    key=f"milestone_thread_{network_id}",
    label="Discussion sur le jalon",
)
if rows.empty:
    st.caption(t("Aucun jalon pour l'instant : ajoutez le premier avec « + »."))
else:
    done = int((rows["status"] == MilestoneStatus.done.value).sum())
    st.caption(
        t(
            "{done} jalon(s) réalisé(s) sur {n}.",
            done=fmt_number(done),
            n=fmt_number(len(rows)),
        )
    )
