"""The one digest every cache key is made with: equal parts, equal digest."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable


def digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def digest_of(parts: Iterable[str]) -> str:
    """`digest(*parts)`, the parts taken one at a time: for many (the search index's key
    names every page), nothing the size of them all is made, which on this project's
    machine cost more in fresh memory than the hashing."""
    hashed, separator = hashlib.blake2b(digest_size=16), b""
    for part in parts:
        hashed.update(separator + part.encode())
        separator = b"\x1f"
    return hashed.hexdigest()
