"""The demo's discussion threads (``seed_data/comments.yaml``): read and checked like the other
files — each comment through the discussion service's input model, its item, author and
mentions checked against the other files and the one table of who reads what — then written
with the rows the service would have written (comment, mentions, change log).

A comment is dated a number of days before the seed day, so the threads stay recent whatever
day the demo is laid out on; a thread whose item the storyline has not reached by then is left
out. Problems name the file and the line of the comment (or thread) they are on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from pydantic import BaseModel, Field
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from dashboard.core.i18n import t
from dashboard.core.permissions import Actor, comment_visibilities
from dashboard.seed.checker import Checker, refs
from dashboard.seed.derive import at
from dashboard.services.discussion.comments import LABELS as COMMENT_LABELS
from dashboard.services.discussion.comments import CommentInput
from models import (
    ChangeLog,
    Comment,
    CommentMention,
    Indicator,
    IndicatorValue,
    Lesson,
    Milestone,
    Network,
    User,
)
from models import enums as E
from models.base import saved_id

FILE = "comments.yaml"
_LINE = "__line__"
_REF_TABLE = {
    E.Entity.milestone: "milestones",
    E.Entity.alliance: "alliances",
    E.Entity.lesson: "lessons",
}
_LOGGED = ["target_kind", "target_id", "visibility", "body"]  # as the service logs a comment


class CommentTiming(BaseModel):
    """When the comment was posted: days before the seed day, and the hour (UTC)."""

    days_ago: int = Field(ge=0, le=400)
    hour: int = Field(default=9, ge=0, le=23)


class _LineLoader(yaml.SafeLoader):
    """YAML loader that records the line of every mapping (messages name it)."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    data = loader.construct_mapping(node, deep=True)
    data[_LINE] = node.start_mark.line + 1
    return data


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _where(row: dict) -> str:
    return t("{file}, ligne {n}", file=FILE, n=row.get(_LINE, "?"))


def _load(c: Checker) -> list[dict]:
    path = c.dir / FILE
    if not path.exists():  # the demo may have no threads
        return []
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_LineLoader)
    except UnicodeDecodeError as exc:
        c.not_utf8(FILE, exc)
        return []
    except yaml.YAMLError as exc:
        c.fail(FILE, "YAML illisible ({error}).", error=exc)
        return []
    threads = data.get("threads") if isinstance(data, dict) else None
    if not isinstance(threads, list) or not all(isinstance(i, dict) for i in threads):
        c.fail(FILE, "la liste « {key} » est absente ou mal formée.", key="threads")
        return []
    return threads


def _accounts(d: dict[str, list]) -> dict[str, dict]:
    return {u["username"]: u for u in d["users"] if u.get("username") and u.get("role")}


def _reader(account: dict, numbers: dict[str, int]) -> Actor:
    """The account as the permission table sees it (networks numbered by their code)."""
    return Actor(
        id=0,
        username=account["username"],
        full_name=account.get("full_name") or "",
        role=E.Role(account["role"]),
        network_id=numbers.get(account.get("network") or ""),
    )


def read_comments(c: Checker, d: dict[str, list]) -> None:
    """comments.yaml: threads on known items; authors who may write there, with a visibility
    they read; mentioned people who read the comment; texts within the service's limits."""
    accounts = _accounts(d)
    numbers = {n["code"]: i for i, n in enumerate(d["networks"], 1) if n.get("code")}
    values = {(v["network"], v["indicator"], v["period"]): v for v in d["values"]}
    items = {
        E.Entity.milestone.value: {m["code"]: m for m in d["milestones"]},
        E.Entity.alliance.value: {a["code"]: a for a in d["alliances"]},
        E.Entity.lesson.value: {les["code"]: les for les in d["lessons"]},
    }
    for thread in _load(c):
        where = _where(thread)
        kind, item = _thread_item(c, where, thread, values, items)
        rows = thread.get("comments")
        if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
            c.fail(where, "la liste « {key} » est absente ou mal formée.", key="comments")
            continue
        for n, row in enumerate(rows):
            comment = _read_comment(c, _where(row), row, item, accounts, numbers)
            if comment is not None and row.get("returns"):
                comment["returns"] = _returns(c, _where(row), kind, n, comment, accounts)
            if kind is not None and item is not None and comment is not None:
                d["comments"].append({**item, **comment, "kind": kind})


def _thread_item(
    c: Checker, where: str, thread: dict, values: dict, items: dict[str, dict]
) -> tuple[str | None, dict | None]:
    """The thread's kind and its item (``{"network", "ref" | "indicator", "period"}``)."""
    kind = thread.get("item")
    if kind not in E.COMMENT_TARGETS:
        allowed = ", ".join(k.value for k in E.COMMENT_TARGETS)
        c.fail(
            where,
            "code « {value} » inconnu pour « {field} » (codes admis : {allowed}).",
            value=kind,
            field="item",
            allowed=allowed,
        )
        return None, None
    if kind == E.Entity.indicator_value:
        found = refs(c, where, thread, network="networks", indicator="indicators")
        period = str(thread.get("period") or "").strip()
        key = (found["network"], found["indicator"], period)
        if None in key[:2]:
            return kind, None
        if key not in values:
            c.fail(
                where,
                "aucune valeur de {indicator} pour {network} en « {period} » "
                "dans indicator_values.csv.",
                indicator=key[1],
                network=key[0],
                period=period,
            )
            return kind, None
        return kind, {"network": key[0], "indicator": key[1], "period_start": values[key][
            "period_start"]}  # fmt: skip
    code = c.ref(where, thread, "ref", _REF_TABLE[E.Entity(kind)])
    if code is None:
        return kind, None
    found_item = items[kind].get(code)
    if found_item is None:  # refused in its own file (already reported there)
        return kind, None
    return kind, {"network": found_item["network"], "ref": code}


def _read_comment(
    c: Checker,
    where: str,
    row: dict,
    item: dict | None,
    accounts: dict[str, dict],
    numbers: dict[str, int],
) -> dict | None:
    fields = c.model_fields(where, row, CommentInput, labels=COMMENT_LABELS, required=("body",))
    fields |= c.model_fields(where, row, CommentTiming, required=("days_ago",))
    author = accounts.get(str(row.get("author") or ""))
    if author is None:
        c.fail(where, "compte inconnu « {value} » dans « {field} ».", value=row.get("author"),
               field="author")  # fmt: skip
        return None
    mentions = row.get("mentions") or []
    if not isinstance(mentions, list):
        c.fail(where, "« mentions » est une liste d'identifiants.")
        return None
    if item is None or None in (fields["body"], fields["visibility"], fields["days_ago"]):
        return None
    network = numbers.get(item["network"] or "")
    writer = _reader(author, numbers)
    may_write = writer.role is E.Role.admin or (
        writer.role is E.Role.lead and writer.network_id == network
    )
    if not may_write or fields["visibility"] not in comment_visibilities(writer, network):
        c.fail(
            where,
            "{author} ne peut pas écrire un commentaire « {visibility} » sur cet élément.",
            author=author["username"],
            visibility=fields["visibility"],
        )
        return None
    for name in mentions:
        person = accounts.get(str(name))
        if person is None:
            c.fail(where, "compte inconnu « {value} » dans « {field} ».", value=name,
                   field="mentions")  # fmt: skip
        elif fields["visibility"] not in comment_visibilities(_reader(person, numbers), network):
            c.fail(where, "{name} ne peut pas lire ce commentaire : pas de mention.", name=name)
    return {**fields, "author": author["username"], "mentions": [str(m) for m in mentions]}


def _returns(
    c: Checker, where: str, kind: str | None, n: int, comment: dict, accounts: dict
) -> bool:
    """``returns: true``: the programme team's first comment of a value's thread is the reason
    it sent the value back (« Réseau et équipe d'animation », as the validation queue does)."""
    role = accounts[comment["author"]]["role"]
    if kind != E.Entity.indicator_value or n != 0 or role != E.Role.admin:
        c.fail(
            where,
            "« returns » ne vaut que pour le premier commentaire d'un fil de valeur, "
            "écrit par l'équipe d'animation.",
        )
        return False
    if comment["visibility"] != E.CommentVisibility.team:
        c.fail(where, "un motif de renvoi est visible par le réseau et l'équipe (team).")
        return False
    return True


def _send_back(
    session: Session, value_id: int, reason: str, author_id: int, when: dt.datetime
) -> int:
    """The value (awaiting validation on the seed day) returned with ``reason``, logged as the
    validation queue logs it; a value already validated stays as it is. Returns log rows."""
    value = session.get(IndicatorValue, value_id)
    if value is None or value.status == E.ValueStatus.validated:
        return 0
    network = session.get(Network, value.network_id)
    changes = {"status": E.ValueStatus.draft.value, "return_reason": reason}
    logged = 0
    for name, after in changes.items():
        before = getattr(value, name)
        if before == after:
            continue
        session.add(
            ChangeLog(changed_at=when, user_id=author_id, cohort_id=network.cohort_id if network
                      else None, network_id=value.network_id, entity=E.Entity.indicator_value.value,
                      entity_id=value_id, action=E.ChangeAction.update.value, field=name,
                      before=before, after=after, reason=reason)
        )  # fmt: skip
        logged += 1
    value.status, value.return_reason = changes["status"], reason
    return logged


def _item_ids(session: Session, d: dict[str, Any], networks: dict, alliances: dict) -> dict:
    """The stored id of every item a thread may hang on, by its seed key."""
    ids: dict[tuple, int] = {}
    for code, row in alliances.items():
        ids[(E.Entity.alliance.value, code)] = saved_id(row)
    by_title = {
        (nid, title): mid
        for mid, nid, title in session.execute(
            sa_select(col(Milestone.id), col(Milestone.network_id), col(Milestone.title))
        ).all()
    }
    for m in d["milestones"]:
        key = (networks[m["network"]].id, m["title"])
        if key in by_title:
            ids[(E.Entity.milestone.value, m["code"])] = by_title[key]
    by_statement = {
        (nid, text): lid
        for lid, nid, text in session.execute(
            sa_select(col(Lesson.id), col(Lesson.network_id), col(Lesson.statement))
        ).all()
    }
    for les in d["lessons"]:
        net = networks[les["network"]].id if les["network"] else None
        if (net, les["statement"]) in by_statement:
            ids[(E.Entity.lesson.value, les["code"])] = by_statement[(net, les["statement"])]
    return ids


def write_comments(
    session: Session,
    d: dict[str, Any],
    *,
    cohort_id: int,
    networks: dict,
    alliances: dict,
) -> dict[str, int]:
    """The threads whose item exists on the seed day, dated from it; returns rows per table."""
    as_of: dt.date = d.get("as_of") or d["cohort"]["start_date"]
    items = _item_ids(session, d, networks, alliances)
    value_ids = {
        (nid, code, start): vid
        for vid, nid, code, start in session.execute(
            sa_select(
                col(IndicatorValue.id),
                col(IndicatorValue.network_id),
                col(Indicator.code),
                col(IndicatorValue.period_start),
            )
            .join(Indicator, col(Indicator.id) == IndicatorValue.indicator_id)
            .where(col(IndicatorValue.network_id).in_([n.id for n in networks.values()]))
        ).all()
    }
    users = {
        name: uid
        for uid, name in session.execute(sa_select(col(User.id), col(User.username))).all()
    }
    counts = {"comment": 0, "comment_mention": 0, "change_log": 0}
    for row in d.get("comments", []):
        if row["kind"] == E.Entity.indicator_value:
            key = (networks[row["network"]].id, row["indicator"], row["period_start"])
            target = value_ids.get(key)
        else:
            target = items.get((row["kind"], row["ref"]))
        if target is None:
            continue  # not reached yet by the storyline on the seed day
        when = at(as_of - dt.timedelta(days=row["days_ago"]), row["hour"])
        network_id = networks[row["network"]].id if row["network"] else None
        comment = Comment(target_kind=row["kind"], target_id=target, network_id=network_id,
                          cohort_id=cohort_id, author_id=users[row["author"]], body=row["body"],
                          visibility=row["visibility"], created_at=when)  # fmt: skip
        session.add(comment)
        session.flush()
        comment_id = saved_id(comment)
        counts["comment"] += 1
        for name in _LOGGED:
            session.add(_log(comment, name, when, network_id, cohort_id))
            counts["change_log"] += 1
        if row.get("returns"):
            counts["change_log"] += _send_back(session, target, row["body"], comment.author_id,
                                               when)  # fmt: skip
        for name in dict.fromkeys(row["mentions"]):
            session.add(CommentMention(comment_id=comment_id, user_id=users[name]))
            counts["comment_mention"] += 1
    return counts


def _log(
    comment: Comment, name: str, when: dt.datetime, network_id: int | None, cohort_id: int
) -> ChangeLog:
    return ChangeLog(
        changed_at=when,
        user_id=comment.author_id,
        cohort_id=cohort_id,
        network_id=network_id,
        entity=E.Entity.comment.value,
        entity_id=comment.id,
        action=E.ChangeAction.create.value,
        field=name,
        before=None,
        after=str(getattr(comment, name)),
    )
