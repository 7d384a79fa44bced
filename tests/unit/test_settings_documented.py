"""Every setting the application reads is documented in ``.env.example`` and the README."""

from __future__ import annotations

import re

from dashboard.core.config import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "dashboard" / "core" / "config.py"


def _settings_read() -> set[str]:
    source = CONFIG.read_text(encoding="utf-8")
    return set(re.findall(r'(?:os\.environ\.get|_int|_days)\(\s*"([A-Z][A-Z0-9_]+)"', source))


def test_every_setting_is_in_env_example_and_readme():
    names = _settings_read()
    assert {"TRUSTED_PROXIES", "LOGIN_MAX_PER_MINUTE", "LOGIN_MAX_FAILURES_PER_ADDRESS"} <= names
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert sorted(n for n in names if not re.search(rf"^{n}=", example, re.M)) == []
    assert sorted(n for n in names if f"`{n}`" not in readme) == []
