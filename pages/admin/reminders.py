"""Rappels avant les sessions (programme team): the days before each session when reminders
go out, a preview of each person's message, sending by hand, and what was sent."""

import streamlit as st

from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_datetime, t
from dashboard.services import notifications
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.flash import reload_after_save, show_flash
from models.enums import Role

actor = page_setup(
    "Rappels avant les sessions",
    Role.admin,
    caption="Chaque référent·e reçoit ce qui manque à son réseau avant chaque session ; "
    "l'équipe d'animation reçoit la complétude de tous les réseaux. La commande "
    "« python -m dashboard remind » les envoie chaque jour ; ici, vous pouvez les prévisualiser "
    "et en envoyer un à la main.",
)
engine = get_engine()
show_flash()

cohort = pick_cohort(engine, actor)
if cohort is None:
    st.info(t("Aucune cohorte n'est encore configurée."))
    st.stop()

try:
    days, version = notifications.reminder_days(engine, actor, cohort.id)
    due = notifications.preview(engine, actor, cohort.id)
    sent = notifications.sent_log(engine, actor, cohort.id)
except AppError as error:
    show_error(error)
    st.stop()

st.subheader(t("Quand les rappels partent"))
with st.form("reminder_days"):
    typed = st.text_input(
        t("Jours avant chaque session"),
        value=days,
        max_chars=40,
        help=t("Nombres de jours séparés par des virgules, par exemple « 10, 3 »."),
    )
    if st.form_submit_button(t("Enregistrer")):
        try:
            stored = notifications.set_reminder_days(
                engine, actor, cohort.id, typed, version=version
            )
        except AppError as error:
            show_error(error)
        else:
            reload_after_save(t("Jours de rappel enregistrés : {days}.", days=stored))

st.subheader(t("Aperçu et envoi à la main"))
if not due:
    st.info(t("Aucune session à venir dans cette cohorte : aucun rappel à prévoir."))
    st.stop()

by_user = {r.user_id: r for r in due}
chosen = st.selectbox(
    t("Destinataire"),
    list(by_user),
    format_func=lambda uid: (
        f"{by_user[uid].message.recipient_name} <{by_user[uid].message.recipient}>"
    ),
)
reminder = by_user[chosen]
st.text(t("Objet : {subject}", subject=reminder.message.subject))
st.text(reminder.message.text)
if st.button(t("Envoyer ce rappel maintenant"), type="primary"):
    try:
        report = notifications.send_by_hand(engine, actor, cohort.id, user_ids=[chosen])
    except AppError as error:
        show_error(error)
    else:
        if report.sent:
            reload_after_save(
                t(
                    "Rappel envoyé à {to} ({where}).",
                    to=reminder.message.recipient,
                    where=report.transport,
                )
            )
        elif report.already_sent:
            st.warning(
                t("Ce rappel a déjà été envoyé à cette personne : il ne part pas deux fois.")
            )
        else:
            st.error(
                t(
                    "Le rappel n'a pas pu partir : {error}",
                    error="; ".join(error for _r, error in report.failed),
                )
            )

st.subheader(t("Rappels envoyés"))
if sent.empty:
    st.info(t("Aucun rappel n'a encore été envoyé pour cette cohorte."))
else:
    shown = sent.assign(sent_at=[fmt_datetime(v) for v in sent["sent_at"]])
    shown["kind"] = shown["kind"].map({"lead": t("Référent·e"), "digest": t("Synthèse")})
    shown["sent_by"] = shown["sent_by"].fillna(t("Envoi automatique"))
    st.dataframe(
        shown.rename(
            columns={
                "sent_at": t("Envoyé le"),
                "full_name": t("Personne"),
                "recipient": t("Adresse"),
                "session_code": t("Session"),
                "days_before": t("Jours avant"),
                "kind": t("Type"),
                "subject": t("Objet"),
                "sent_by": t("Envoyé par"),
            }
        ),
        hide_index=True,
        placeholder="—",
    )
