"""Each enum keeps its own labels, even where two enums share a value."""

from __future__ import annotations

from dankheo.domain.enums import LabelledEnum
from dankheo.domain.tally import Outcome
from dankheo.domain.workflow import State


def test_members_with_the_same_value_keep_their_own_labels():
    # Both are the string "returned": keyed by the member alone, one label replaced
    # the other, and which one a page showed depended on import order.
    assert State.RETURNED == Outcome.RETURNED
    assert State.RETURNED.label == "Cần bổ sung"
    assert Outcome.RETURNED.label == "Trả lại để bổ sung"


def test_every_member_of_every_labelled_enum_has_a_label():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    import dankheo.models  # noqa: F401  (every package's enums)

    def labelled(member) -> bool:
        try:
            return bool(member.label)
        except KeyError:
            return False

    missing = [
        f"{enum.__name__}.{member.name}"
        for enum in subclasses(LabelledEnum)
        for member in enum
        if not labelled(member)
    ]
    assert not missing, missing
