"""Cut a stream of recipients or records into batches: the one batcher of the package."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

REQUEST_SIZE = 100
"""Recipients TextioPro takes in one request."""


def batched(items: Iterable[T], size: int = REQUEST_SIZE) -> Iterator[list[T]]:
    """Yield consecutive batches of at most ``size`` items, the last never a single one of several.

    TextioPro sends a one-recipient request at once even when it has a ``schedule_time``, so an
    item left alone at the end moves in with the batch before it (100 + 1 becomes 99 + 2).
    Streams: at most two batches are held at a time.
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    iterator = iter(items)
    held = list(islice(iterator, size))
    while held:
        following = list(islice(iterator, size))
        if len(following) == 1 and len(held) > 1:
            following.insert(0, held.pop())
        yield held
        held = following
