"""People (programme team): invite, edit roles and networks, deactivate, reset passwords,
see and close open sessions, anonymise a departed person. The one-time password is generated
by the app and shown once."""

import pandas as pd
import streamlit as st

from dashboard.core.config import get_settings
from dashboard.core.errors import AppError
from dashboard.core.i18n import fmt_datetime, label_of, labels_for, t
from dashboard.services.admin import user_sessions as admin_user_sessions
from dashboard.services.admin import users as admin_users
from dashboard.services.privacy import anonymise_user
from dashboard.services.reporting import cohorts
from dashboard.ui import get_engine, page_setup, show_error
from dashboard.ui.cohort_picker import pick_cohort
from dashboard.ui.flash import reload_after_save, show_flash
from models.enums import Role

actor = page_setup(
    "Personnes",
    Role.admin,
    caption="Inviter les personnes, gérer leurs rôles, leurs accès et leurs sessions.",
)
engine = get_engine()
roles = labels_for(Role)
provider = get_settings().oidc_provider_name


INVITE_GEN = "_at_invite_form_gen"  # bumped after an invitation: the form starts empty again


# A one-time password is shown once, with the message of the save that made it.
access = show_flash()
if access is not None:
    with st.container(border=True):
        st.markdown(f"**{t('À transmettre à la personne (affiché une seule fois)')}**")
        st.text(t("Identifiant : {username}", username=access.username))
        st.text(t("Mot de passe à usage unique :"))
        st.code(access.secret, language=None)
        st.caption(
            t(
                "Valable jusqu'au {when}, pour une seule connexion ; la personne choisit "
                "ensuite son propre mot de passe. Il ne sera plus affiché : en cas de "
                "perte, réinitialisez le mot de passe.",
                when=fmt_datetime(access.expires_at),
            )
        )

cohort = pick_cohort(engine, actor)
networks = cohorts.cohort_networks(engine, actor, cohort.id) if cohort else pd.DataFrame()
NO_NETWORK = 0  # selectbox value for "no network" (ids start at 1)
network_names = {NO_NETWORK: t("— aucun (rôles autres que référent·e) —")}
network_names |= {int(r.id): f"{r.code} — {r.name}" for r in networks.itertuples(index=False)}

with st.expander(t("Inviter une personne"), expanded=True, icon=":material/person_add:"):
    gen = st.session_state.get(INVITE_GEN, 0)
    with st.form("invite_user"):
        c1, c2 = st.columns(2)
        full_name = c1.text_input(t("Nom complet"), key=f"invite_full_name_{gen}")
        email = c2.text_input(t("Courriel"), key=f"invite_email_{gen}")
        role = c1.selectbox(
            t("Rôle"), list(roles), format_func=roles.__getitem__, key=f"invite_role_{gen}"
        )
        network_id = c2.selectbox(
            t("Réseau (référent·e seulement)"),
            list(network_names),
            format_func=network_names.__getitem__,
            help=t("Réseaux de la cohorte choisie dans le menu latéral."),
            key=f"invite_network_{gen}",
        )
        username = c1.text_input(
            t("Identifiant (facultatif)"),
            help=t("Par défaut : la partie du courriel avant @."),
            key=f"invite_username_{gen}",
        )
        invite = st.form_submit_button(t("Inviter"), type="primary")
    if invite:
        try:
            access = admin_users.invite_user(
                engine,
                actor,
                full_name=full_name,
                email=email,
                role=role,
                network_id=network_id or None,
                username=username,
            )
        except AppError as error:
            show_error(error)
        else:
            st.session_state[INVITE_GEN] = gen + 1
            reload_after_save(
                t("Compte « {username} » créé.", username=access.username), details=access
            )

users = admin_user_sessions.list_users(engine, actor)
st.markdown(f"#### {t('Comptes')}")
shown = pd.DataFrame(
    {
        t("Identifiant"): users["username"],
        t("Nom"): users["full_name"],
        t("Courriel"): users["email"].fillna(""),
        t("Rôle"): users["role"].map(lambda r: label_of(Role, r)),
        t("Réseau"): users["network_code"].fillna(""),
        t("Actif"): [
            t("anonymisé") if not pd.isna(anonymised) else t("oui") if active else t("non")
            for active, anonymised in zip(users["active"], users["anonymised_at"], strict=True)
        ],
        t("Dernière connexion"): users["last_login_at"].map(
            lambda v: fmt_datetime(None if pd.isna(v) else v.to_pydatetime())
        ),
        t("Fournisseur d'identité"): [
            t("Lié à {provider}", provider=provider) if linked else ""
            for linked in users["provider_linked"]
        ],
        t("Sessions ouvertes"): users["open_sessions"],
        t("Invitation valable jusqu'au"): users["secret_expires_at"].map(
            lambda v: "" if pd.isna(v) else fmt_datetime(v.to_pydatetime())
        ),
    }
)
st.dataframe(shown, hide_index=True, width="stretch", placeholder="—")

st.markdown(f"#### {t('Gérer un compte')}")
by_id = {int(r.id): r for r in users.itertuples(index=False)}
chosen = st.selectbox(
    t("Compte"),
    list(by_id),
    format_func=lambda i: f"{by_id[i].username} — {by_id[i].full_name}",
    key="manage_user",
)
user = by_id[chosen]
version = int(user.version)
if not pd.isna(user.anonymised_at):
    st.info(
        t(
            "Compte anonymisé le {when} : il ne peut plus se connecter ni être modifié ; "
            "l'historique l'attribue à « {name} ».",
            when=fmt_datetime(user.anonymised_at.to_pydatetime()),
            name=user.full_name,
        )
    )
    st.stop()
current_network = NO_NETWORK if pd.isna(user.network_id) else int(user.network_id)
options = dict(network_names)
if current_network not in options:
    options[current_network] = f"{user.network_code} — {user.network_name}"

with st.form("edit_user"):
    c1, c2 = st.columns(2)
    edit_name = c1.text_input(t("Nom complet"), value=user.full_name)
    edit_email = c2.text_input(t("Courriel"), value="" if pd.isna(user.email) else user.email)
    edit_role = c1.selectbox(
        t("Rôle"), list(roles), index=list(roles).index(user.role), format_func=roles.__getitem__
    )
    edit_network = c2.selectbox(
        t("Réseau (référent·e seulement)"),
        list(options),
        index=list(options).index(current_network),
        format_func=options.__getitem__,
    )
    save = st.form_submit_button(t("Enregistrer le compte"))
if save:
    try:
        admin_users.update_user(
            engine,
            actor,
            chosen,
            version=version,
            full_name=edit_name,
            email=edit_email,
            role=edit_role,
            network_id=edit_network or None,
        )
    except AppError as error:
        show_error(error)
    else:
        reload_after_save(t("Compte « {username} » enregistré.", username=user.username))

c1, c2 = st.columns(2)
if user.active:
    toggle = c1.button(t("Désactiver le compte"), icon=":material/block:", key="deactivate")
else:
    toggle = c1.button(t("Réactiver le compte"), icon=":material/check_circle:", key="reactivate")
reset = c2.button(t("Réinitialiser le mot de passe"), icon=":material/key:", key="reset")
try:
    if toggle and user.active:
        closed = admin_users.deactivate_user(engine, actor, chosen, version=version)
        reload_after_save(t("Compte désactivé ; {n} session(s) fermée(s).", n=closed))
    elif toggle:
        admin_users.reactivate_user(engine, actor, chosen, version=version)
        reload_after_save(t("Compte réactivé."))
    elif reset:
        access = admin_users.reset_password(engine, actor, chosen, version=version)
        reload_after_save(t("Mot de passe réinitialisé ; sessions fermées."), details=access)
except AppError as error:
    show_error(error)

if user.provider_linked:
    st.markdown(f"##### {t('Connexion avec {provider}', provider=provider)}")
    st.caption(
        t(
            "Ce compte est lié à une identité {provider}. Si l'identité de la personne chez "
            "{provider} a changé, déliez le compte : sa prochaine connexion avec {provider} "
            "le liera à sa nouvelle identité, à condition que son courriel soit le même.",
            provider=provider,
        )
    )
    with st.form("unlink_provider"):
        unlink_confirmed = st.checkbox(
            t(
                "Je confirme délier « {name} » de son identité {provider}",
                name=user.full_name,
                provider=provider,
            ),
            key=f"unlink_confirm_{chosen}",
        )
        unlink = st.form_submit_button(
            t("Délier de {provider}", provider=provider), icon=":material/link_off:"
        )
    if unlink:
        if not unlink_confirmed:
            st.error(t("Cochez la case de confirmation pour délier ce compte."))
        else:
            try:
                admin_users.unlink_provider(engine, actor, chosen, version=version)
            except AppError as error:
                show_error(error)
            else:
                reload_after_save(t("Compte délié de {provider}.", provider=provider))

st.markdown(f"##### {t('Sessions ouvertes')}")
sessions = admin_user_sessions.user_sessions(engine, actor, chosen)
if sessions.empty:
    st.caption(t("Aucune session ouverte."))
else:
    st.dataframe(
        pd.DataFrame(
            {
                t("Ouverte le"): sessions["created_at"].map(lambda v: fmt_datetime(v)),
                t("Dernière activité"): sessions["last_seen_at"].map(lambda v: fmt_datetime(v)),
                t("Navigateur"): sessions["user_agent"].fillna(""),
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder="—",
    )
    if st.button(t("Fermer toutes ses sessions"), icon=":material/logout:", key="revoke_all"):
        try:
            n = admin_user_sessions.revoke_sessions(engine, actor, chosen)
        except AppError as error:
            show_error(error)
        else:
            reload_after_save(t("{n} session(s) fermée(s).", n=n))

st.markdown(f"##### {t('Anonymiser une personne partie')}")
st.caption(
    t(
        "Son nom, son courriel et son identifiant sont remplacés par un pseudonyme stable "
        "(« Personne anonymisée n° … ») partout, historique compris ; le compte ne peut plus "
        "se connecter. L'historique garde toutes ses modifications. C'est définitif."
    )
)
with st.form("anonymise_user"):
    confirmed = st.checkbox(
        t("Je confirme anonymiser définitivement « {name} »", name=user.full_name),
        key=f"anonymise_confirm_{chosen}",
    )
    anonymise = st.form_submit_button(t("Anonymiser"), icon=":material/person_off:")
if anonymise:
    if not confirmed:
        st.error(t("Cochez la case de confirmation pour anonymiser ce compte."))
    else:
        try:
            name = anonymise_user(engine, actor, chosen, version=version)
        except AppError as error:
            show_error(error)
        else:
            reload_after_save(
                t("Compte anonymisé : il apparaît désormais comme « {name} ».", name=name)
            )
