"""Telegram Desktop's JSON export (`result.json`): one chat, or every chat under `chats.list`.

A person's key is their Telegram user id (`from_id` / `actor_id`, e.g. `user123`), the same
in every chat and every export, so one person is matched across groups. Service actions
name the members they add or remove only by display name: those names are resolved to
user ids over all Telegram files of the import (the id most often seen with that name);
a name never seen with an id keys as `name:<display name>`.

Read: messages (text as a string or a list of parts; media, stickers, polls ... are messages
of their sender) and the membership actions `create_group` (actor: created; members:
launch), `invite_members` (invited by the actor; the actor adding themself has joined),
`join_group_by_link` / `join_group_by_request` (link), `remove_members` (removed — a member
removing themself has left). `migrate_to_supergroup` / `migrate_from_group` continue the
same group (Telegram Desktop exports the basic group's history with the supergroup's).
Other service actions (pins, title changes, calls) are counted in observed.json, not used.
Personal chats, bots, saved messages and channels are not groups and are skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from .events import CREATED, INVITED, JOIN, LAUNCH, LEAVE, LEFT, LINK, MESSAGE, REMOVED, Events, Group
from .problems import ImportProblem

GROUP_TYPES = ("private_group", "private_supergroup", "public_supergroup", "group", "supergroup")
JOIN_ACTIONS = {"join_group_by_link": LINK, "join_group_by_request": LINK}
MEDIA = ("media_type", "photo", "file", "poll", "contact_information", "location_information", "sticker_emoji")


def _compact(d: dict) -> dict | tuple:
    """json object_hook: a message becomes a small tuple as soon as it is decoded, so a
    million-message export never holds a million dicts (see benchmarks/README.md)."""
    if "date" in d and "type" in d and "id" in d:
        text = d.get("text", "")
        if isinstance(text, list):  # parts: plain strings and {"type": ..., "text": ...}
            text = "".join(p if isinstance(p, str) else p.get("text", "") for p in text)
        kind = "text"
        for m in MEDIA:
            if m in d:
                kind = d.get("media_type") or m
                break
        return ("msg", d["type"], d["date"], d.get("from_id") or d.get("actor_id") or "", d.get("from") or d.get("actor") or "",
                d.get("action", ""), d.get("members") or (), text, kind)
    return d


def _line_of(raw: bytes, pos: int) -> int:
    return raw.count(b"\n", 0, pos) + 1


def read(path: Path, events: Events, keep_text: bool) -> None:
    raw = path.read_bytes()
    try:
        doc = json.loads(raw, object_hook=_compact)
    except UnicodeDecodeError as e:
        raise ImportProblem(path, _line_of(raw, e.start), "not UTF-8 text", "give the result.json Telegram Desktop wrote") from None
    except json.JSONDecodeError as e:
        cut = e.pos >= len(raw.rstrip()) or not raw.rstrip().endswith(b"}")  # an export always ends its object
        raise ImportProblem(path, e.lineno, "the JSON ends early (truncated file?)" if cut else f"not valid JSON ({e.msg})",
                            "export the chat again with Telegram Desktop (Export chat history, format JSON)") from None
    chats = _chats(doc)
    if chats is None:
        raise ImportProblem(path, 1, "not a Telegram export: no `messages` list and no `chats.list`",
                            "give the result.json written by Telegram Desktop's Export chat history (JSON)")
    for chat in chats:
        if chat.get("type", "private_group") not in GROUP_TYPES:
            events.skip(f"telegram chat of type {chat.get('type')}")
            continue
        label = f"{path.name}#{chat.get('id', '')}"
        g = events.add_group(Group(label, str(chat.get("name") or ""), path.name, "telegram"))
        _read_chat(path, chat, g, events, keep_text, raw)


def _chats(doc) -> list[dict] | None:
    if isinstance(doc, dict) and isinstance(doc.get("messages"), list):
        return [doc]
    chats = doc.get("chats") if isinstance(doc, dict) else None
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return [c for c in chats["list"] if isinstance(c, dict) and isinstance(c.get("messages"), list)]
    return None


def _read_chat(path: Path, chat: dict, g: int, ev: Events, keep_text: bool, raw: bytes) -> None:
    pairs: Counter = Counter()
    for i, m in enumerate(chat["messages"]):
        if not isinstance(m, tuple):
            raise ImportProblem(path, None, f"message {i + 1} of chat {chat.get('name')!r} has no id, type or date",
                                "give an unmodified Telegram Desktop export")
        _, typ, date, pid, name, action, members, text, kind = m
        if not isinstance(date, str) or len(date) < 16 or date[4] != "-" or date[10] != "T":
            at = raw.find(json.dumps(date).encode()) if isinstance(date, str) else -1
            raise ImportProblem(path, _line_of(raw, at) if at >= 0 else None,
                                f"message {i + 1} of chat {chat.get('name')!r}: unknown date format {date!r}",
                                "Telegram Desktop writes dates as 2024-01-31T18:05:00")
        if pid and name:
            pairs[(name, pid)] += 1
        if typ == "message":
            ev.add(g, date, pid or f"name:{name}", MESSAGE, kind, length=len(text), text=text if keep_text else "")
        elif typ != "service":
            ev.skip(f"telegram message type {typ}")
        elif action == "create_group":
            ev.groups[g].created = True
            ev.add(g, date, pid, JOIN, CREATED)
            for who in members:
                if who != name:
                    ev.add(g, date, f"name:{who}", JOIN, LAUNCH, inviter=pid)
        elif action == "invite_members":
            for who in members:
                ev.add(g, date, pid if who == name else f"name:{who}", JOIN, LINK if who == name else INVITED,
                       inviter="" if who == name else pid)
        elif action in JOIN_ACTIONS:
            ev.add(g, date, pid, JOIN, JOIN_ACTIONS[action])
        elif action == "remove_members":
            for who in members:
                ev.add(g, date, pid if who == name else f"name:{who}", LEAVE, LEFT if who == name else REMOVED)
        else:
            ev.skip(f"telegram service action {action or '?'}")
    ev.aliases.update(pairs)


def resolve_names(events: Events) -> None:
    """Give members named only by a service action the user id seen most often with that name."""
    seen: dict[str, Counter] = {}
    tg = {i for i, g in enumerate(events.groups) if g.platform == "telegram"}
    for (name, key), n in events.aliases.items():
        seen.setdefault(name, Counter())[key] += n
    best = {f"name:{n}": c.most_common(1)[0][0] for n, c in seen.items()}
    for i, (g, p) in enumerate(zip(events.group, events.person)):
        if g in tg and p.startswith("name:") and p in best:
            events.person[i] = best[p]
        if g in tg and events.inviter[i].startswith("name:") and events.inviter[i] in best:
            events.inviter[i] = best[events.inviter[i]]
