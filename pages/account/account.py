"""My account: who I am, changing my password (required after a one-time secret), my
reminders, and downloading everything the app holds about me (JSON)."""

import streamlit as st

from dashboard.auth import accounts as auth
from dashboard.core.clock import today
from dashboard.core.errors import AppError
from dashboard.core.i18n import label, t
from dashboard.services import notifications
from dashboard.services.privacy import personal_data_filename, personal_data_json
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.navigation import spec_for
from models.enums import Role

# Set after a first password is chosen; the home page shows it (see pages/cohort/home.py).
WELCOME = "_at_welcome_flash"

actor = page_setup("Mon compte")
engine = get_engine()
if WELCOME in st.session_state and not actor.must_change_password:
    # The first password is set: the whole app is open now, go on to the home page.
    st.switch_page(str(spec_for("pages/cohort/home.py").path))

if actor.must_change_password and not auth.password_refused_for(actor.role):
    st.warning(
        t(
            "Avant de continuer, choisissez votre propre mot de passe (au moins {n} caractères).",
            n=auth.MIN_PASSWORD_LENGTH,
        )
    )

st.text(t("Nom : {name}", name=actor.full_name))
st.text(t("Identifiant : {username}", username=actor.username))
st.text(t("Rôle : {role}", role=label(actor.role)))

if auth.password_refused_for(actor.role):
    # Passwords are off for this role (OIDC_REQUIRED_ROLES): it signs in at the provider.
    st.subheader(t("Mot de passe"))
    st.info(auth.password_change_refusal())
else:
    # After a one-time-secret login the account has no password yet: nothing to ask for.
    ask_current = auth.requires_current_password(engine, actor)

    st.subheader(t("Changer mon mot de passe"))
    with st.form("change_password", clear_on_submit=True):
        current = st.text_input(t("Mot de passe actuel"), type="password") if ask_current else None
        new = st.text_input(t("Nouveau mot de passe"), type="password")
        confirm = st.text_input(t("Confirmer le nouveau mot de passe"), type="password")
        submitted = st.form_submit_button(t("Enregistrer le nouveau mot de passe"))
    if submitted:
        if new != confirm:
            st.error(t("Les deux saisies du nouveau mot de passe ne sont pas identiques."))
        else:
            try:
                auth.change_password(engine, actor, current, new)
            except AppError as error:
                show_error(error)
            else:
                if actor.must_change_password:
                    st.session_state[WELCOME] = t(
                        "Votre mot de passe est enregistré : utilisez-le désormais pour vous "
                        "connecter. Bienvenue dans Alliances Tracker."
                    )
                    st.rerun()
                st.success(t("Votre mot de passe a été changé."))

if actor.role in (Role.lead, Role.admin) and not actor.must_change_password:
    st.subheader(t("Rappels avant les sessions"))
    enabled = notifications.reminders_enabled(engine, actor)
    wanted = st.toggle(
        t("Recevoir par courriel les rappels avant chaque session"),
        value=enabled,
        key="reminders_enabled",
    )
    if wanted != enabled:
        notifications.set_reminders(engine, actor, wanted)
        st.success(t("Rappels réactivés.") if wanted else t("Vous ne recevrez plus de rappels."))

if not actor.must_change_password:
    st.subheader(t("Mes données personnelles"))
    st.caption(
        t(
            "Tout ce que l'application conserve sur vous, dans un fichier JSON : votre compte, "
            "les modifications que vous avez faites, vos connexions et tentatives de connexion, "
            "les rappels reçus. Pour savoir ce qui est conservé et combien de temps, ou pour "
            "faire rectifier ou effacer vos données, adressez-vous à l'équipe d'animation."
        )
    )
    st.download_button(
        t("Télécharger mes données (JSON)"),
        # Built only when the button is clicked, from the logged-in person's own id.
        data=lambda: personal_data_json(engine, actor),
        file_name=personal_data_filename(actor, today()),
        mime="application/json",
        icon=":material/download:",
        key="download_personal_data",
        on_click="ignore",
    )
