from __future__ import annotations


def move(siblings: list, item, offset: int) -> bool:
    """Move `item` by `offset` places among `siblings` (already in display order).

    Renumbers every sibling's `position`, so gaps and ties left by older data disappear.
    Returns False when the item is already at that end.
    """
    index = siblings.index(item)
    target = index + offset
    if not 0 <= target < len(siblings):
        return False
    siblings.insert(target, siblings.pop(index))
    for position, sibling in enumerate(siblings):
        sibling.position = position
    return True
