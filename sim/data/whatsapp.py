"""WhatsApp's "Export chat" text file (Android or iOS, `.txt` or the `.zip` iOS shares).

Headers, as phones write them:
    Android  12/08/2016, 16:20 - Alice: text          8/12/16, 4:20 PM - Alice: text
    iOS      [12/08/2016, 16:20:05] Alice: text       [8/12/16, 4:20:05 PM] Alice: text
Dates are day/month or month/day (or year first) with `/`, `.` or `-`; the order is found by
scanning the whole file (a field above 12 is the day; if none is, the order in which dates
run forward; `--date-order` settles a file where both read forward). Times are 24 h or 12 h
with `AM`/`PM`, `a.m.`/`p.m.`, `a. m.`/`p. m.` (Spanish) or `上午`/`下午`. A line without a
header continues the message above (multi-line messages).

System lines (English): "X created group ...", "X added Y, Z and W", "Y joined using this
group's invite link", "Y left", "X removed Y" are membership events (people the creator adds
in the minute of creation are the group's first members, `launch`; later adds are `invited`); on iOS they come with
the group's name as sender. Encryption notices, subject/icon/number changes are counted,
not used. A media placeholder (`<Media omitted>`, `image omitted`, `<attached: ...>`) or a
deleted message is a message its sender posted, of kind `media` / `deleted`.

A person's key is the name the exporting phone shows (a contact's name, or the phone
number, spaces removed, when not a contact): the same person under the same name in
several exports of one phone is one person; `You` is the exporter.

Why not whatstk's parser: it reads headers well, but folds system lines into the message
before them (its name field runs across lines), does not convert `a. m.`/`p. m.`, reads a
day/month-ambiguous file as day-first without looking at date order, stops at 50 MB, and is
GPL-3.0 (qunsim is MIT). It is kept as a test oracle for plain messages (tests/test_import_whatsapp.py).
"""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path

from .events import CREATED, INVITED, JOIN, LAUNCH, LEAVE, LEFT, LINK, MESSAGE, REMOVED, Events, Group
from .problems import ImportProblem

AMPM = r"(?:[AaPp]\.?\s?[Mm]\.?|上午|下午)"
DATE = r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})\.?"
TIME = r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s?(" + AMPM + r"))?"
ANDROID = re.compile(DATE + r",?\s" + TIME + r"\s[-–]\s(.*)")
IOS = re.compile(r"\[" + DATE + r",?\s" + TIME + r"\]\s(.*)")
INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u200b\ufeff"))
SPACES = dict.fromkeys(map(ord, "\u202f\u00a0\u2009"), " ")

MEDIA = re.compile(r"^(<Media omitted>|<attached: .*>|(image|video|audio|sticker|GIF|document|Contact card) omitted"
                   r"|.* \(file attached\)|<.* omitted>)$")
DELETED = re.compile(r"^(This message was deleted\.?|You deleted this message\.?)$")
SYSTEM = [  # (pattern on the whole line after the header, what it means)
    (re.compile(r"^(?P<actor>.+?) created (?:group .*|this group)$"), "created"),
    (re.compile(r"^(?P<actor>.+?) added (?P<who>.+)$"), "added"),
    (re.compile(r"^(?P<who>.+?) joined using this group['’]s invite link$"), "link"),
    (re.compile(r"^(?P<who>.+?) joined from the community$"), "link"),
    (re.compile(r"^(?P<who>.+?) left$"), "left"),
    (re.compile(r"^(?P<actor>.+?) removed (?P<who>.+)$"), "removed"),
]
NOTICE = re.compile(r"(end-to-end encrypted|changed the subject|changed this group['’]s (icon|settings)|changed the group "
                    r"description|changed their phone number|security code (with .* )?changed|deleted this group['’]s icon"
                    r"|changed to \+|now an admin|no longer an admin|pinned a message|changed the group name"
                    r"|turned (on|off) disappearing messages|reset this group['’]s invite link|Waiting for this message)")


def _text(path: Path) -> str:
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if n.endswith(".txt")]
                if not names:
                    raise ImportProblem(path, None, "the zip holds no chat .txt", "give the _chat.txt WhatsApp exported")
                return z.read(names[0]).decode("utf-8-sig")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportProblem(path, None, f"not UTF-8 text (byte {e.start})", "give the .txt WhatsApp wrote") from None
    except zipfile.BadZipFile:
        raise ImportProblem(path, None, "not a readable zip file", "give the .txt or .zip WhatsApp wrote") from None


def _names(text: str) -> list[str]:
    """'Y', 'Y, Z and W', 'Y and Z' -> names."""
    parts = re.split(r",\s|\s(?:and|&)\s", text)
    return [p.strip() for p in parts if p.strip()]


@lru_cache(maxsize=1 << 16)
def _key(name: str) -> str:
    name = name.strip()
    if name.lower() == "you":  # "You added Bob", "Bob added you": the exporting phone's owner
        return "name:You"
    if re.fullmatch(r"\+?[\d\s\-()]{6,}", name):
        name = re.sub(r"[\s\-()]", "", name)
    return f"name:{name}"


def read(path: Path, events: Events, keep_text: bool, date_order: str = "auto") -> None:
    text = _text(path)
    lines = text.splitlines()
    heads: list[tuple] = []  # (line number, match groups)
    bodies: list[list[str]] = []
    style = None
    for n, raw in enumerate(lines, 1):
        line = raw.translate(INVISIBLE).translate(SPACES) if ("\u200e" in raw or "\u202f" in raw or "\u00a0" in raw
                                                               or "\u200f" in raw or "\ufeff" in raw) else raw
        m = (style or ANDROID).match(line) if style else (ANDROID.match(line) or IOS.match(line))
        if m is None and style is None and line.strip():
            raise ImportProblem(path, n, "not a WhatsApp export: the first line has no date and time header",
                                "expected e.g. '12/08/2016, 16:20 - Name: text' (Android) or '[12/08/2016, 16:20:05] Name: text' (iOS)")
        if m is not None:
            if style is None:
                style = ANDROID if m.re is ANDROID else IOS
            heads.append((n, m.groups(), "\u200e" in raw))
            bodies.append([m.group(8)])
        elif heads:
            bodies[-1].append(raw)
    if not heads:
        raise ImportProblem(path, 1, "empty file: no messages", "give the .txt WhatsApp wrote")
    order = _date_order(path, heads, date_order)
    g = events.add_group(Group(path.name, path.stem.removeprefix("WhatsApp Chat with ").strip(), path.name, "whatsapp"))
    _events(path, heads, bodies, order, g, events, keep_text, ios=style is IOS)


def _date_order(path: Path, heads: list[tuple], wanted: str) -> tuple[int, int, int]:
    """Positions (day, month, year) of the three date fields, by scanning every header."""
    a = [int(h[1][0]) for h in heads]
    b = [int(h[1][1]) for h in heads]
    c = [h[1][2] for h in heads]
    if len(heads[0][1][0]) == 4:  # 2016-08-12
        return 2, 1, 0
    if wanted == "day-first":
        return 0, 1, 2
    if wanted == "month-first":
        return 1, 0, 2
    big_a, big_b = max(a), max(b)
    if big_a > 31 or big_b > 31 or min(a + b) < 1:
        i = next(i for i, (x, y) in enumerate(zip(a, b)) if x > 31 or y > 31 or min(x, y) < 1)
        raise ImportProblem(path, heads[i][0], f"unknown date format {heads[i][1][0]}/{heads[i][1][1]}/{c[i]}",
                            "expected day/month/year, month/day/year or year-month-day")
    if big_a > 12 and big_b > 12:
        i = next(i for i, x in enumerate(b) if x > 12)
        raise ImportProblem(path, heads[i][0], "unknown date format: both the first and second date fields go above 12",
                            "a WhatsApp export uses one date order throughout; give one chat's export unchanged")
    if big_a > 12:
        return 0, 1, 2
    if big_b > 12:
        return 1, 0, 2

    def backwards(day: list[int], month: list[int]) -> int:
        keys = [(y, mo, d) for y, mo, d in zip(c, month, day)]
        return sum(k2 < k1 for k1, k2 in zip(keys, keys[1:]))

    if backwards(b, a) < backwards(a, b):  # month/day runs forward where day/month would not
        return 1, 0, 2
    return 0, 1, 2  # both read forward (or neither): day-first, the more common order; --date-order overrides


def _hour(h: int, ampm: str | None) -> int:
    if not ampm:
        return h
    pm = ampm[0] in "Pp" or ampm == "下午"
    return (h % 12) + (12 if pm else 0)


def _events(path: Path, heads, bodies, order, g: int, ev: Events, keep_text: bool, ios: bool) -> None:
    di, mi, yi = order
    chat_sender = None  # iOS: the group's own name, the sender of its system lines
    creation = None  # (minute, creator) of "X created group"
    add = ev.add
    dates: dict[tuple, str] = {}
    for (n, f, lrm), body in zip(heads, bodies):
        dk = (f[di], f[mi], f[yi])
        date = dates.get(dk)
        if date is None:
            y = int(f[yi])
            y += 2000 if y < 100 else 0
            d, mo = int(f[di]), int(f[mi])
            if not (1 <= mo <= 12 and 1 <= d <= 31):
                raise ImportProblem(path, n, f"unknown date format {f[0]}/{f[1]}/{f[2]}", "expected day/month/year or month/day/year")
            date = dates[dk] = f"{y:04d}-{mo:02d}-{d:02d}"
        h = _hour(int(f[3]), f[6])
        if h > 23 or int(f[4]) > 59:
            raise ImportProblem(path, n, f"unknown time format {f[3]}:{f[4]}", "expected 16:20, 4:20 PM or 4:20 p. m.")
        time = f"{date}T{h:02d}:{f[4]}:{f[5] or '00'}"
        rest = body[0]
        who, sep, said = rest.partition(": ")
        line = rest  # the system line, if this is one
        if sep:
            plain = said.strip()
            if ios:
                system = not MEDIA.match(plain) and (lrm or who == chat_sender) and (NOTICE.search(plain) or _system(plain))
                line = plain
            else:
                system = bool(NOTICE.search(who))  # 'X changed the subject from "a: b"'
            if not system:
                content = said if len(body) == 1 else "\n".join([said, *body[1:]])
                kind = "media" if MEDIA.match(plain) else "deleted" if DELETED.match(plain) else "text"
                add(g, time, _key(who), MESSAGE, kind, length=len(content) if kind == "text" else 0,
                    text=content if keep_text else "")
                continue
            if ios and chat_sender is None:
                chat_sender = who
        hit = _system(line.strip())
        if hit is None:
            ev.skip("whatsapp notice" if NOTICE.search(line) else "whatsapp system line not understood")
            continue
        what, m = hit
        if what == "created":
            ev.groups[g].created = True
            creation = (time[:16], _key(m["actor"]))
            add(g, time, creation[1], JOIN, CREATED)
        elif what == "added":  # the creator adding people in the minute of creation: the group's first members
            actor = _key(m["actor"])
            how = LAUNCH if creation == (time[:16], actor) else INVITED
            for name in _names(m["who"]):
                add(g, time, _key(name), JOIN, how, inviter=actor)
        elif what == "link":
            add(g, time, _key(m["who"]), JOIN, LINK)
        elif what == "left":
            add(g, time, _key(m["who"]), LEAVE, LEFT)
        elif what == "removed":
            for name in _names(m["who"]):
                add(g, time, _key(name), LEAVE, REMOVED)


def _system(line: str):
    if NOTICE.search(line):
        return None
    for pattern, what in SYSTEM:
        m = pattern.match(line)
        if m:
            return what, m
    return None
