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

from collections import Counter
from pathlib import Path

from .events import CREATED, INVITED, JOIN, LAUNCH, LEAVE, LEFT, LINK, MESSAGE, REMOVED, Events, Group
from .jsonstream import JSONProblem, Stream
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


def read(path: Path, events: Events, keep_text: bool) -> None:
    """Walk result.json with a Stream: messages are decoded one at a time (jsonstream.py)."""
    found = False
    try:
        with path.open("rb") as f:
            s = Stream(f, object_hook=_compact)
            top: dict = {}
            for key in s.keys():
                if key == "messages" and s.peek() == "[":  # one chat: its name, type and id came before
                    found = True
                    _chat(path, s, top, events, keep_text, streamed=True)
                elif key in ("chats", "left_chats") and s.peek() == "{":
                    for sub in s.keys():
                        if sub == "list" and s.peek() == "[":
                            for _ in s.items():
                                found = True
                                _chat(path, s, {}, events, keep_text, streamed=False)
                        else:
                            s.value()
                else:
                    top[key] = s.value()
            if s.peek():
                s.fail("text after the end of the export")
    except JSONProblem as e:
        raise ImportProblem(path, e.line, e.what, "export the chat again with Telegram Desktop (Export chat history, format JSON)") from None
    except UnicodeDecodeError:
        raise ImportProblem(path, None, "not UTF-8 text", "give the result.json Telegram Desktop wrote") from None
    if not found:
        raise ImportProblem(path, 1, "not a Telegram export: no `messages` list and no `chats.list`",
                            "give the result.json written by Telegram Desktop's Export chat history (JSON)")


def _chat(path: Path, s: Stream, fields: dict, ev: Events, keep_text: bool, streamed: bool) -> None:
    """One chat. Its `messages` go into `ev` as they are read; a chat that turns out not to be a
    group (its type may come after its messages) is taken out again."""
    start, n_groups = len(ev), len(ev.groups)
    g = ev.add_group(Group("", "", path.name, "telegram"))
    if streamed:
        _messages(path, s, g, ev, keep_text)
    elif s.peek() != "{":
        s.value()
    else:
        for key in s.keys():
            if key == "messages" and s.peek() == "[":
                _messages(path, s, g, ev, keep_text)
            else:
                fields[key] = s.value()
    kind = fields.get("type", "private_group")
    if kind not in GROUP_TYPES:
        ev.truncate(start, n_groups)
        ev.skip(f"telegram chat of type {kind}")
        return
    ev.groups[g].key, ev.groups[g].name = f"{path.name}#{fields.get('id', g)}", str(fields.get("name") or "")


def _messages(path: Path, s: Stream, g: int, ev: Events, keep_text: bool) -> None:
    pairs: Counter = Counter()
    i = 0
    for _ in s.items():
        s.peek()
        at = s.line()
        m = s.value()
        i += 1
        if not isinstance(m, tuple):
            raise ImportProblem(path, at, f"message {i} has no id, type or date", "give an unmodified Telegram Desktop export")
        _, typ, date, pid, name, action, members, text, kind = m
        if not isinstance(date, str) or len(date) < 16 or date[4] != "-" or date[10] != "T":
            raise ImportProblem(path, at, f"message {i}: unknown date format {date!r}", "Telegram Desktop writes dates as 2024-01-31T18:05:00")
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
