"""The ASGI application: Streamlit (``app.py``) plus the login routes, the middleware that
sends a browser without a valid session to the login form, and the one that adds security
headers and refuses anonymous websockets and downloads (``dashboard/auth/routes.py``).

Run with ``python -m dashboard run`` (``streamlit run dashboard/server.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from dashboard.auth.routes import (  # noqa: E402
    ROUTES,
    LoginRedirectMiddleware,
    SecurityMiddleware,
)
from dashboard.ui.index_page import FrenchIndexMiddleware  # noqa: E402

# Outermost first: the security headers and the session-only addresses cover every answer,
# the login redirect's and Streamlit's included.
MIDDLEWARE = [
    Middleware(SecurityMiddleware),
    Middleware(LoginRedirectMiddleware),
    Middleware(FrenchIndexMiddleware),
]

# An absolute path: the same app whatever the working directory (tests serve it too).
app = st.App(str(Path(__file__).resolve().parent / "app.py"), routes=ROUTES, middleware=MIDDLEWARE)
