"""Content continued over a page break, moved into the block where it starts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ocrvl.types import Block

# Picks the block that ends page k and the one that starts page k + 1, or None when nothing continues.
EdgePicker = Callable[[Sequence[Block], Sequence[Block]], "tuple[Block, Block] | None"]
# Joins the content so far with the continuation's, or None when they do not belong together.
Joiner = Callable[[str, str], "str | None"]


def join_across_page_breaks(
    pages: Sequence[Sequence[Block]], page_indexes: Sequence[int], edges: EdgePicker, join: Joiner
) -> int:
    """Join, in place, each continuation into the block where its content starts; returns the number of joins.

    The continuation keeps its place with empty content and ``merged_into`` naming the block that took it, so
    content running over several pages ends up whole in its first block. Pages that were not parsed between
    two others break the chain.
    """
    holder: dict[int, tuple[Block, int]] = {}  # id(emptied part) -> (block holding its content, its page index)
    joins = 0
    for k in range(len(pages) - 1):
        if page_indexes[k + 1] != page_indexes[k] + 1:
            continue
        pair = edges(pages[k], pages[k + 1])
        if pair is None:
            continue
        end, start = pair
        root, root_page = holder.get(id(end), (end, page_indexes[k]))
        joined = join(root.content, start.content)
        if joined is None:
            continue
        root.content = joined
        start.content = ""
        start.merged_into = (root_page, root.block_id)
        holder[id(start)] = (root, root_page)
        joins += 1
    return joins
