"""What every reader yields: one flat, time-ordered list of a community's events.

An event is a message, a join or a leave of one person in one group at a local time (the
export's own clock: Telegram's `date`, WhatsApp's header — never converted to UTC, since
a community's day is the day its members see). Readers append to `Events` column by column,
so a million messages cost a few lists, not a million objects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MESSAGE, JOIN, LEAVE = 0, 1, 2

# how a membership began (memberships.how) and why it ended (memberships.why_left)
LAUNCH = "launch"  # already a member when the record starts (first seen posting or leaving)
CREATED = "created"  # created the group
INVITED = "invited"  # added by a member (Telegram invite_members, WhatsApp "X added Y", CSV inviter)
LINK = "link"  # joined by an invite link (the arrival channel of an export)
JOINED = "joined"  # a join whose channel the export does not say (CSV without inviter)
UNRECORDED = "unrecorded"  # posted again after leaving, with no join in the record
LEFT, REMOVED = "left", "removed"


@dataclass
class Group:
    """One chat of the community as its export names it."""

    key: str  # unique across the import: file, and chat id in an all-chats export
    name: str
    source: str  # file name
    platform: str  # telegram, whatsapp, csv
    created: bool = False  # the record holds its creation (Telegram create_group, WhatsApp "created group")


@dataclass
class Events:
    """Column lists; index i of every list is event i."""

    groups: list[Group] = field(default_factory=list)
    group: list[int] = field(default_factory=list)  # index into groups
    time: list[str] = field(default_factory=list)  # local ISO time, YYYY-MM-DDTHH:MM[:SS]
    person: list[str] = field(default_factory=list)  # the person's key (see pseudonym.py)
    event: list[int] = field(default_factory=list)  # MESSAGE, JOIN, LEAVE
    how: list[str] = field(default_factory=list)  # join: LAUNCH/CREATED/INVITED/LINK...; leave: LEFT/REMOVED; message: its kind
    inviter: list[str] = field(default_factory=list)  # key of who added them, or ""
    length: list[int] = field(default_factory=list)  # characters of a message's text
    text: list[str] = field(default_factory=list)  # kept only with --keep-text
    ignored: dict[str, int] = field(default_factory=dict)  # service/system lines that are not membership events
    aliases: Counter = field(default_factory=Counter)  # (display name, key) pairs seen, to resolve names to keys

    def add_group(self, group: Group) -> int:
        self.groups.append(group)
        return len(self.groups) - 1

    def add(self, group: int, time: str, person: str, event: int, how: str, inviter: str = "", length: int = 0, text: str = "") -> None:
        self.group.append(group)
        self.time.append(time)
        self.person.append(person)
        self.event.append(event)
        self.how.append(how)
        self.inviter.append(inviter)
        self.length.append(length)
        self.text.append(text)

    def skip(self, what: str) -> None:
        self.ignored[what] = self.ignored.get(what, 0) + 1

    def truncate(self, events: int, groups: int) -> None:
        """Forget everything from event `events` and group `groups` on (a chat that is not a group)."""
        for column in (self.group, self.time, self.person, self.event, self.how, self.inviter, self.length, self.text):
            del column[events:]
        del self.groups[groups:]

    def __len__(self) -> int:
        return len(self.event)
