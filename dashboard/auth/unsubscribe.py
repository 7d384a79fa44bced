"""The unsubscribe link of the reminders: ``/auth/desabonnement?jeton=…``.

The signed token is the only credential (no login needed). Opening the link shows a button;
only the POST turns reminders off, so a mail scanner that follows links changes nothing. The
POST also answers RFC 8058 one-click requests (``List-Unsubscribe=One-Click``).
"""

from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from dashboard.core.i18n import t

PATH = "/auth/desabonnement"


def _text(value: str) -> str:
    """Text for an element's content (quotes are harmless there, and stay readable)."""
    return html.escape(value, quote=False)


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><main>"
        f"<h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    response = HTMLResponse(page, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    return response


def _invalid() -> HTMLResponse:
    return _page(
        t("Lien de désabonnement invalide"),
        "<p>"
        + _text(
            t(
                "Ce lien n'est pas valide. Vous pouvez couper les rappels depuis la page "
                "« Mon compte » de l'application."
            )
        )
        + "</p>",
        status_code=400,
    )


async def unsubscribe_form(request: Request) -> Response:
    from dashboard.services import notifications  # the reminder code loads on first use

    token = request.query_params.get("jeton", "")
    if notifications.user_of_token(token) is None:
        return _invalid()
    return _page(
        t("Rappels avant les sessions"),
        f'<form method="post" action="{PATH}">'
        f'<input type="hidden" name="jeton" value="{html.escape(token, quote=True)}">'
        f"<p>{html.escape(t('Vous ne recevrez plus les rappels envoyés avant chaque session.'))}"
        f'</p><button type="submit">{html.escape(t("Ne plus recevoir les rappels"))}</button>'
        "</form>",
    )


async def unsubscribe_submit(request: Request) -> Response:
    from dashboard.auth.routes import _bounded_form, _engine
    from dashboard.services import notifications

    form = await _bounded_form(request)
    token = (form or {}).get("jeton") or request.query_params.get("jeton", "")
    name = await run_in_threadpool(notifications.unsubscribe, _engine(), token)
    if name is None:
        return _invalid()
    return _page(
        t("Rappels désactivés"),
        "<p>"
        + _text(
            t(
                "C'est fait : vous ne recevrez plus de rappels. Vous pouvez les réactiver "
                "depuis la page « Mon compte »."
            )
        )
        + "</p>",
    )
