"""Persons as stable pseudonymous ids: names and phone numbers are personal data.

A person's key (a Telegram user id such as `user123`, or a WhatsApp / CSV display name)
becomes a 63-bit integer by a keyed BLAKE2b hash. The same key under the same secret gives
the same id, so re-importing a newer export of the same chats matches the same persons;
ids are integers, like a run's person ids, so every table keeps a run's schema.

The secret is `QUNSIM_PSEUDONYM_KEY` (or `--key`). Without it a fixed, public default is
used: ids are still stable, but anyone holding the tables and a list of candidate names
could test them. Set a secret of your own before sharing imported tables.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

DEFAULT_KEY = "qunsim-public-default"
ENV = "QUNSIM_PSEUDONYM_KEY"


def secret(key: str | None = None) -> bytes:
    return (key or os.environ.get(ENV) or DEFAULT_KEY).encode("utf-8")[:64]


def pseudonyms(keys: list[str], key: str | None = None) -> np.ndarray:
    """int64 ids, one per key (distinct keys: hash each once)."""
    k = secret(key)
    out = np.empty(len(keys), np.int64)
    for i, name in enumerate(keys):
        h = hashlib.blake2b(name.encode("utf-8"), digest_size=8, key=k).digest()
        out[i] = int.from_bytes(h, "big") & 0x7FFF_FFFF_FFFF_FFFF
    return out
