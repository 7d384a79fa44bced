"""Jalons: the network's milestones as a spreadsheet-like grid, saved all at once (every row
or none)."""

import streamlit as st

from dashboard.core import clock
from dashboard.core.errors import AppError, ConflictError
from dashboard.core.i18n import fmt_number, labels_for, t
from dashboard.services.roadmap import milestone_grid, milestones
from dashboard.ui import get_engine, link_to, page_setup, show_error
from dashboard.ui.network_picker import pick_network
from models.enums import MilestoneStatus, Role

FLASH = "_at_lead_milestones_flash"
NONCE = "_at_lead_milestones_nonce"

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

if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))

nonce = st.session_state.setdefault(NONCE, 0)
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

shown = rows.assign(late=[f"⚠️ {t('En retard')}" if late else "" for late in rows["late"]])
statuses = labels_for(MilestoneStatus)
column_order = ["late", *milestone_grid.GRID_COLUMNS]
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
                t("Intitulé"), required=True, max_chars=200, pinned=True
            ),
            "owner": st.column_config.TextColumn(t("Responsable"), max_chars=120),
            "due_date": st.column_config.DateColumn(
                t("Échéance"), format="DD/MM/YYYY", required=True
            ),
            "status": st.column_config.SelectboxColumn(
                t("Statut"),
                options=list(statuses),
                format_func=lambda code: statuses.get(code, code),
                required=True,
                default=MilestoneStatus.planned.value,
            ),
            "progress": st.column_config.NumberColumn(
                t("Avancement (%)"), min_value=0, max_value=100, step=1, default=0, format="%d %%"
            ),
            "done_date": st.column_config.DateColumn(
                t("Réalisé le"), format="DD/MM/YYYY", max_value=today
            ),
            "objective_id": st.column_config.SelectboxColumn(
                t("Objectif"),
                options=list(grid.objectives),
                format_func=lambda i: grid.objectives.get(i, str(i)),
            ),
            "alliance_id": st.column_config.SelectboxColumn(
                t("Alliance"),
                options=list(grid.alliances),
                format_func=lambda i: grid.alliances.get(i, str(i)),
            ),
            "session_id": st.column_config.SelectboxColumn(
                t("Session"),
                options=list(grid.sessions),
                format_func=lambda i: grid.sessions.get(i, str(i)),
            ),
            "evidence_url": st.column_config.LinkColumn(
                t("Preuve (lien)"), max_chars=500, validate=r"^https?://\S+$"
            ),
            "comment": st.column_config.TextColumn(t("Commentaire"), max_chars=4000),
        },
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
            st.info(t("Aucune modification à enregistrer."))
        else:
            st.session_state.pop(base_key, None)
            st.session_state[NONCE] = nonce + 1
            st.session_state[FLASH] = t(
                "Jalons enregistrés : {c} ajouté(s), {u} modifié(s), {d} supprimé(s).",
                c=result.created,
                u=result.updated,
                d=result.deleted,
            )
            st.rerun()

if st.button(
    t("Recharger (abandonner les modifications non enregistrées)"),
    key="milestones_reload",
    icon=":material/refresh:",
):
    st.session_state.pop(base_key, None)
    st.session_state[NONCE] = nonce + 1
    st.rerun()

link_to("pages/lead/before_session.py", "Voir ce qu'il reste à faire avant la prochaine session")
link_to("pages/cohort/history.py", "Voir l'historique des modifications")
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
