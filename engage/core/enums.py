from __future__ import annotations

import enum


class LabelledEnum(enum.Enum):
    """An enum whose members carry a translatable label: `CITIZEN = "citizen", _l("Citizen")`.

    The value is what the database stores; the label is what people read.
    """

    def __new__(cls, value: str, label):
        member = object.__new__(cls)
        member._value_ = value
        member.label = label
        return member
