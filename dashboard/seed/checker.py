"""Reading the seed files and collecting one French message per problem: typed fields from a
small spec language (``code number:int1 kind:SessionKind date:date title host?``), references
between files (``@networks``), unit ranges and uniqueness."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from dashboard.core.i18n import t
from dashboard.services.indicators.value_rules import unit_problem
from models import enums as E

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
# Field kinds of the specs below; any other kind is an enum of models.enums or "@refs".
_KINDS: dict[str, Any] = {
    "text": str,
    "date": dt.date,
    "bool": bool,
    "int": (0, None, True),  # (minimum, maximum, integer)
    "int1": (1, None, True),
    "num": (0, None, False),
    "real": (None, None, False),
    "pct": (0, 100, True),
    "level": (1, 4, True),
}


class Checker:
    """Reads the seed files and collects one French message per problem."""

    def __init__(self, data_dir: Path):
        self.dir = data_dir
        self.errors: list[str] = []
        # Known codes per table → their network (objectives, alliances), family (partners)…
        self.refs: dict[str, dict[str, Any]] = defaultdict(dict)

    def fail(self, where: str, message: str, **values: Any) -> None:
        self.errors.append(t("{where} : {message}", where=where, message=t(message, **values)))

    def not_utf8(self, name: str, error: UnicodeDecodeError) -> None:
        self.fail(
            name,
            "le fichier n'est pas encodé en UTF-8 (octet illisible à la position {pos}) : "
            "enregistrez-le en UTF-8 puis relancez le chargement.",
            pos=error.start,
        )

    def yaml(self, name: str) -> dict:
        path = self.dir / name
        data = None
        try:
            # Strict UTF-8 (a byte-order mark is accepted); any other encoding is refused.
            data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_YAML_LOADER)
        except FileNotFoundError:
            self.fail(name, "fichier introuvable.")
        except UnicodeDecodeError as exc:
            self.not_utf8(name, exc)
        except yaml.YAMLError as exc:
            self.fail(name, "YAML illisible ({error}).", error=exc)
        return data if isinstance(data, dict) else {}

    def rows(self, name: str, key: str = "", label: str = "", id_key: str = "code", data=None):
        """(where, row) for each item of the YAML list ``key``, or each line of a .csv file."""
        if name.endswith(".csv"):
            try:
                with (self.dir / name).open(encoding="utf-8-sig", newline="") as handle:
                    reader = csv.DictReader(handle)
                    return [
                        (t("{file}, ligne {n}", file=name, n=reader.line_num), r) for r in reader
                    ]
            except FileNotFoundError:
                self.fail(name, "fichier introuvable.")
                return []
            except UnicodeDecodeError as exc:
                self.not_utf8(name, exc)
                return []
        data = self.yaml(name) if data is None else data
        if not data:
            return []
        items = data.get(key)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            self.fail(name, "la liste « {key} » est absente ou mal formée.", key=key)
            return []
        return [
            (t("{file}, {label} {id}", file=name, label=label, id=i.get(id_key)), i) for i in items
        ]

    def fields(self, where: str, row: dict, spec: str, scaled: Any = None) -> dict[str, Any]:
        """Read the fields of ``spec`` (``name[?][:kind]``, ``?`` = optional) from ``row``."""
        out = {}
        for token in spec.split():
            name, _, kind = token.partition(":")
            key = name.rstrip("?")
            out[key] = self.value(
                where, row.get(key), key, kind or "text", name.endswith("?"), scaled
            )
        return out

    def value(self, where, raw, key, kind, optional, scaled) -> Any:
        raw = raw.strip() if isinstance(raw, str) else raw
        if kind == "bool":
            if not isinstance(raw, bool):
                self.fail(where, "« {field} » doit valoir true ou false.", field=key)
            return bool(raw)
        if raw is None or raw == "":
            if not optional:
                self.fail(where, "le champ « {field} » est obligatoire.", field=key)
            return None
        spec = scaled if kind == "scaled" else _KINDS.get(kind)
        if spec is str:
            return str(raw)
        if spec is dt.date:
            if isinstance(raw, dt.date):
                return raw
            try:
                return dt.date.fromisoformat(str(raw))
            except ValueError:
                return self.fail(
                    where,
                    "« {field} » : date AAAA-MM-JJ attendue, reçu « {value} ».",
                    field=key,
                    value=raw,
                )
        if isinstance(spec, tuple):
            return self.number(where, key, raw, *spec)
        if kind.startswith("@"):
            if str(raw) not in self.refs[kind[1:]]:
                self.fail(
                    where, "référence inconnue « {value} » dans « {field} ».", value=raw, field=key
                )
                return None
            return str(raw)
        allowed = [m.value for m in getattr(E, kind)]
        if str(raw) not in allowed:
            msg = "code « {value} » inconnu pour « {field} » (codes admis : {allowed})."
            return self.fail(where, msg, value=raw, field=key, allowed=", ".join(allowed))
        return str(raw)

    def number(self, where, key, raw, lo, hi, integer) -> float | int | None:
        try:
            number = math.nan if isinstance(raw, bool) else float(raw)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or (integer and not number.is_integer()):
            kind = "un nombre entier" if integer else "un nombre"
            self.fail(
                where,
                "« {field} » doit être {kind} (reçu « {value} »).",
                field=key,
                kind=t(kind),
                value=raw,
            )
        elif (lo is not None and number < lo) or (hi is not None and number > hi):
            bounds = f"[{'-∞' if lo is None else lo} ; {'+∞' if hi is None else hi}]"
            self.fail(
                where,
                "« {field} » vaut {value}, hors de l'intervalle {bounds}.",
                field=key,
                value=raw,
                bounds=bounds,
            )
        else:
            return int(number) if integer else number
        return None

    def unit_rules(self, where: str, indicator: dict | None, row: dict, keys: tuple) -> None:
        """The services' rules for a value of ``indicator`` (its unit's bounds and range)."""
        if not indicator or not indicator.get("unit"):
            return
        for key in keys:
            if row.get(key) is not None and (problem := unit_problem(indicator, row[key])):
                self.fail(where, "« {field} » : {problem}", field=key, problem=problem)

    def unique(self, where: str, seen: set | dict, value: Any) -> None:
        if value in seen:
            self.fail(where, "« {value} » figure deux fois.", value=value)
        elif isinstance(seen, set):
            seen.add(value)
        else:
            seen[value] = None

    def same_network(self, where: str, row: dict) -> None:
        for key, table in (("objective", "objectives"), ("alliance", "alliances")):
            code, network = row.get(key), row.get("network")
            if code and network and self.refs[table][code] != network:
                self.fail(
                    where,
                    "{code} n'appartient pas au réseau {network}.",
                    code=code,
                    network=network,
                )


def siren_ok(siren: str) -> bool:
    """Nine digits passing the Luhn check."""
    if not re.fullmatch(r"\d{9}", siren):
        return False
    digits = [int(ch) * (2 if i % 2 else 1) for i, ch in enumerate(siren)]
    return sum(x - 9 if x > 9 else x for x in digits) % 10 == 0


def scale_of(indicator: dict | None) -> tuple:
    """Number spec of a value of ``indicator``: its scale, integers for counts and persons."""
    if not indicator:
        return _KINDS["real"]
    integer = indicator["unit"] in (E.Unit.count, E.Unit.persons)
    return (indicator["scale_min"], indicator["scale_max"], integer)
