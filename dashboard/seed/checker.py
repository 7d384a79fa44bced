"""Reading the seed files and collecting one French message per problem: each row's fields
through the services' input models (:mod:`dashboard.seed.rows`), and by hand only what spans
files: references (``network: R01``), an indicator's scale and unit, uniqueness."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, get_args

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from dashboard.core.i18n import t
from dashboard.services.indicators.value_rules import unit_problem
from dashboard.services.shared.forms import field_error, pydantic_problem
from models import enums as E

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


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

    def model_fields(
        self,
        where: str,
        row: dict,
        model: type[BaseModel],
        keys: dict[str, str] | None = None,
        *,
        labels: dict[str, str] | None = None,
        required: tuple[str, ...] = (),
        by_hand: tuple[str, ...] = (),
        fixed: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The fields of the input model ``model`` read from ``row``, keyed as in the file.

        ``keys`` maps a file's key to the model's field when they differ; ``labels`` are the
        service's French labels (named next to the file's key); ``required`` fields must be
        in the file even where the app has a default; ``fixed`` fills model fields the file
        does not hold (references, resolved by the checker); ``by_hand`` fields are refused
        by the checker in its own words. Codes come back as plain strings."""
        key_of = {field: key for key, field in (keys or {}).items()}
        fixed = fixed or {}
        data: dict[str, Any] = dict(fixed)
        missing: set[str] = set()
        for field in model.model_fields:
            if field in fixed:
                continue
            key = key_of.get(field, field)
            raw = row.get(key)
            raw = raw.strip() if isinstance(raw, str) else raw
            if raw is None or raw == "":
                if field in required:
                    missing.add(field)
                    self.errors.append(
                        field_error(where, self._label(key, field, labels), t("obligatoire"))
                    )
                continue
            data[field] = raw
        try:
            checked = model.model_validate(data)
        except ValidationError as exc:
            bad = missing | self._refusals(where, exc, model, key_of, labels, by_hand, fixed)
            return {
                key_of.get(f, f): None if f in bad else _loose(model, f, data.get(f))
                for f in model.model_fields
                if f not in fixed
            }
        return {
            key_of.get(f, f): None if f in missing else _plain(getattr(checked, f))
            for f in model.model_fields
            if f not in fixed
        }

    @staticmethod
    def _label(key: str, field: str, labels: dict[str, str] | None) -> str:
        label = t(labels[field]) if labels and field in labels else key
        return key if label == key else f"{key} ({label})"

    def _refusals(self, where, exc, model, key_of, labels, by_hand, fixed) -> set[str]:
        """One message per refused field (the app's French words; codes listed for a code);
        returns the refused fields."""
        refused: set[str] = set()
        for error in exc.errors(include_url=False):
            field = str(error["loc"][0]) if error.get("loc") else ""
            refused.add(field)
            if field in by_hand or field in fixed:
                continue
            if not field:  # a rule across fields (an end before its start…)
                problem = pydantic_problem(error, {})
                self.errors.append(t("{where} : {message}", where=where, message=problem))
                continue
            key = key_of.get(field, field)
            enum = _enum_of(model, field)
            if error["type"] == "enum" and enum is not None:
                allowed = [m.value for m in enum]
                self.fail(
                    where,
                    "code « {value} » inconnu pour « {field} » (codes admis : {allowed}).",
                    value=error.get("input"),
                    field=key,
                    allowed=", ".join(allowed),
                )
                continue
            problem = pydantic_problem(error, {})
            self.errors.append(field_error(where, self._label(key, field, labels), problem))
        return refused

    def ref(self, where: str, row: dict, key: str, table: str, optional: bool = False) -> Any:
        """A reference to a row of another file (``table``: its codes), checked by hand."""
        raw = row.get(key)
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw is None or raw == "":
            if not optional:
                self.fail(where, "le champ « {field} » est obligatoire.", field=key)
            return None
        if str(raw) not in self.refs[table]:
            self.fail(
                where, "référence inconnue « {value} » dans « {field} ».", value=raw, field=key
            )
            return None
        return str(raw)

    def in_scale(self, where: str, key: str, row: dict, number: Any, indicator: dict | None):
        """A number within the scale of ``indicator`` (read from indicators.yaml), whole for
        counts and persons; returns it, or None once refused."""
        if number is None or not indicator:
            return number
        lo, hi = indicator["scale_min"], indicator["scale_max"]
        if indicator["unit"] in (E.Unit.count, E.Unit.persons) and not float(number).is_integer():
            self.fail(
                where,
                "« {field} » doit être {kind} (reçu « {value} »).",
                field=key,
                kind=t("un nombre entier"),
                value=row.get(key),
            )
            return None
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            bounds = f"[{'-∞' if lo is None else lo} ; {'+∞' if hi is None else hi}]"
            self.fail(
                where,
                "« {field} » vaut {value}, hors de l'intervalle {bounds}.",
                field=key,
                value=row.get(key),
                bounds=bounds,
            )
            return None
        return number

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


def refs(c: Checker, where: str, row: dict, **tables: str) -> dict[str, Any]:
    """References to the other files' codes (``table?``: optional), checked by hand."""
    return {
        key: c.ref(where, row, key, table.rstrip("?"), optional=table.endswith("?"))
        for key, table in tables.items()
    }


def in_order(row: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The row's fields in the file's order (the order the writers and the change log use)."""
    return {key: row[key] for key in keys}


def file_numbers(row: dict, *keys: str) -> dict:
    """``row`` with the numbers of ``keys`` read as the files write them (a decimal point, an
    exponent allowed: « 1e308 » is a number, refused for its unit rather than as text)."""
    out = dict(row)
    for key in keys:
        try:
            out[key] = float(row[key])
        except (KeyError, TypeError, ValueError):
            continue
    return out


def _plain(value: Any) -> Any:
    """A code as the plain string the writers store."""
    return value.value if isinstance(value, Enum) else value


def _enum_of(model: type[BaseModel], field: str) -> type[Enum] | None:
    info = model.model_fields.get(field)
    if info is None:
        return None
    for kind in (info.annotation, *get_args(info.annotation)):
        if isinstance(kind, type) and issubclass(kind, Enum):
            return kind
    return None


def _loose(model: type[BaseModel], field: str, raw: Any) -> Any:
    """A field of a refused row read on its own (its type's checks, not the model's), so the
    later checks of the file still see dates as dates; None when it fails too."""
    if raw is None:
        return None
    try:
        return _plain(_adapter(model, field).validate_python(raw))
    except ValidationError:
        return None


@cache
def _adapter(model: type[BaseModel], field: str) -> TypeAdapter:
    info = model.model_fields[field]
    annotation: Any = info.annotation
    if info.metadata:  # constraints (max_length…) and validators of an Annotated type
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation)
