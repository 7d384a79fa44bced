"""Avant la prochaine session: everything the network still has to do, each with a link to
the page (and month) that fixes it."""

import pandas as pd
import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_date, fmt_month_long, fmt_number, fmt_value, label_of, t
from dashboard.services.reporting import before_session
from dashboard.ui import escape_markdown, get_engine, link_to, page_setup, show_error
from dashboard.ui.discussion import unread_panel
from dashboard.ui.network_picker import NETWORK_PARAM, pick_network
from models.enums import MilestoneStatus, Role

actor = page_setup(
    "Avant la prochaine session",
    Role.lead,
    Role.admin,
    caption="Ce qu'il reste à mettre à jour, avec le lien le plus court pour le faire.",
)
engine = get_engine()
network_id = pick_network(engine, actor)
if network_id is None:
    st.stop()

try:
    todo = before_session.before_session(engine, actor, network_id)
except AppError as error:
    show_error(error)
    st.stop()

code = todo["network"]["code"]
counts = todo["counts"]
upcoming = todo["next_session"]
if upcoming:
    st.info(
        t(
            "Prochaine session : {code} — {title}, le {date}.",
            code=escape_markdown(upcoming["code"]),
            title=escape_markdown(upcoming["title"]),
            date=fmt_date(upcoming["session_date"]),
        ),
        icon=":material/event_upcoming:",
    )
else:
    st.info(t("Toutes les sessions ont eu lieu : voici ce qui reste à compléter."))

cols = st.columns(5)
cols[0].metric(t("Jalons à mettre à jour"), fmt_number(counts["milestones"]))
cols[1].metric(t("dont en retard"), fmt_number(counts["milestones_late"]))
cols[2].metric(t("Valeurs manquantes"), fmt_number(counts["missing"]))
cols[3].metric(t("Valeurs renvoyées"), fmt_number(counts["returned"]))
cols[4].metric(t("En attente de validation"), fmt_number(counts["awaiting"]))
if not any(counts[k] for k in ("milestones", "missing", "returned", "drafts")):
    st.success(t("Tout est à jour pour la prochaine session."), icon=":material/task_alt:")
if actor.cohort_id is not None:  # a lead: the comments and mentions they have not read
    unread_panel(engine, actor, actor.cohort_id)


def _month_links(frame: pd.DataFrame, text: str) -> None:
    """One link per month to the indicators page with that month preselected."""
    months = before_session.months_of(frame)
    cols = st.columns(min(len(months), 4) or 1)
    for i, month in enumerate(months):
        link_to(
            "pages/lead/indicators.py",
            t(text, month=fmt_month_long(month)),
            container=cols[i % len(cols)],
            query_params={"mois": month.strftime("%Y-%m"), NETWORK_PARAM: code},
        )


# 1. Returned values first: the programme team is waiting for a correction.
returned = todo["returned"]
if not returned.empty:
    st.subheader(t("Valeurs renvoyées par l'équipe d'animation"))
    st.dataframe(
        pd.DataFrame(
            {
                t("Mois"): returned["period_start"].map(fmt_month_long),
                t("Indicateur"): returned["label"],
                t("Valeur"): [
                    fmt_value(v, u)
                    for v, u in zip(returned["value"], returned["unit"], strict=True)
                ],
                t("Motif du retour"): returned["return_reason"],
            }
        ),
        hide_index=True,
        width="stretch",
        key="todo_returned",
        placeholder="—",
    )
    _month_links(returned, "Corriger {month}")

# 2. Milestones due before the next session, or late.
milestones = todo["milestones"]
st.subheader(t("Jalons à mettre à jour"))
if milestones.empty:
    st.caption(t("Aucun jalon ouvert n'arrive à échéance avant la prochaine session."))
else:
    st.dataframe(
        pd.DataFrame(
            {
                t("Jalon"): milestones["title"],
                t("Échéance"): milestones["due_date"].map(fmt_date),
                t("Statut"): milestones["status"].map(lambda s: label_of(MilestoneStatus, s)),
                t("Avancement"): milestones["progress"].map(lambda p: f"{int(p)} %"),
                t("En retard"): milestones["late"].map(lambda late: t("Oui") if late else ""),
                t("Responsable"): milestones["owner"].fillna(""),
            }
        ),
        hide_index=True,
        width="stretch",
        key="todo_milestones",
        placeholder="—",
    )
    link_to(
        "pages/lead/milestones.py",
        "Mettre à jour mes jalons",
        query_params={NETWORK_PARAM: code},
    )
link_to(
    "pages/lead/import.py",
    "Tout mettre à jour dans un tableur (modèle à télécharger, puis import)",
    query_params={NETWORK_PARAM: code},
)

# 3. Months without values.
missing = todo["missing"]
st.subheader(t("Mois sans valeur"))
if missing.empty:
    st.caption(t("Toutes les valeurs des mois écoulés sont saisies."))
else:
    by_month = missing.groupby("period_start", sort=True)["label"].agg(list)
    st.dataframe(
        pd.DataFrame(
            {
                t("Mois"): [fmt_month_long(m) for m in by_month.index],
                t("Indicateurs sans valeur"): [len(v) for v in by_month],
                t("Lesquels"): [", ".join(v) for v in by_month],
            }
        ),
        hide_index=True,
        width="stretch",
        key="todo_missing",
        placeholder="—",
    )
    _month_links(missing, "Saisir {month}")

# 4. Drafts not yet submitted.
drafts = todo["drafts"]
if not drafts.empty:
    st.subheader(t("Brouillons à soumettre"))
    st.dataframe(
        pd.DataFrame(
            {
                t("Mois"): drafts["period_start"].map(fmt_month_long),
                t("Indicateur"): drafts["label"],
                t("Valeur"): [
                    fmt_value(v, u) for v, u in zip(drafts["value"], drafts["unit"], strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        key="todo_drafts",
        placeholder="—",
    )
    _month_links(drafts, "Soumettre {month}")

# 5. Submitted, waiting for the programme team: nothing to do but worth knowing.
awaiting = todo["awaiting"]
st.subheader(t("En attente de validation"))
if awaiting.empty:
    st.caption(t("Aucune valeur en attente de validation."))
else:
    st.caption(t("Rien à faire de votre côté : l'équipe d'animation les valide."))
    st.dataframe(
        pd.DataFrame(
            {
                t("Mois"): awaiting["period_start"].map(fmt_month_long),
                t("Indicateur"): awaiting["label"],
                t("Valeur"): [
                    fmt_value(v, u)
                    for v, u in zip(awaiting["value"], awaiting["unit"], strict=True)
                ],
                t("Soumise le"): awaiting["submitted_at"].map(
                    lambda d: fmt_date(d) if pd.notna(d) else "—"
                ),
            }
        ),
        hide_index=True,
        width="stretch",
        key="todo_awaiting",
        placeholder="—",
    )
