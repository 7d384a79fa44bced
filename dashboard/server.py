"""The ASGI application: Streamlit (``app.py``) plus the login routes and the middleware that
sends a browser without a valid session to the login form (``dashboard/auth/routes.py``).

Run with ``python -m dashboard run`` (``streamlit run dashboard/server.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from dashboard.auth.routes import ROUTES, LoginRedirectMiddleware  # noqa: E402

app = st.App("app.py", routes=ROUTES, middleware=[Middleware(LoginRedirectMiddleware)])
