"""The whole transition table of the exemplar state machine, legal and illegal pairs,
and the rule that ``dankheo/domain`` stays framework-free."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from dankheo.domain.workflow import (
    EDITABLE_STATES,
    FINAL_STATES,
    PUBLIC_STATES,
    TRANSITIONS,
    Action,
    Actor,
    IllegalTransition,
    State,
    advance,
    allowed_actions,
)

EXPECTED = {
    (State.DRAFT, Action.SUBMIT): (State.SUBMITTED, Actor.UNIT),
    (State.SUBMITTED, Action.WITHDRAW): (State.DRAFT, Actor.UNIT),
    (State.RETURNED, Action.RESUBMIT): (State.SUBMITTED, Actor.UNIT),
    (State.SUBMITTED, Action.PASS_STAGE): (State.SUBMITTED, Actor.COUNCIL),
    (State.SUBMITTED, Action.RECOMMEND): (State.RECOMMENDED, Actor.COUNCIL),
    (State.SUBMITTED, Action.REJECT): (State.REJECTED, Actor.COUNCIL),
    (State.SUBMITTED, Action.RETURN_FOR_SUPPLEMENT): (State.RETURNED, Actor.COUNCIL),
    (State.RECOMMENDED, Action.COMMEND): (State.COMMENDED, Actor.SECRETARIAT),
    (State.COMMENDED, Action.REPLICATE): (State.REPLICATED, Actor.SECRETARIAT),
    # The secretariat's recorded correction of a wrong pass: one step back.
    (State.SUBMITTED, Action.CORRECT): (State.SUBMITTED, Actor.SECRETARIAT),
    (State.RECOMMENDED, Action.CORRECT): (State.SUBMITTED, Actor.SECRETARIAT),
    (State.COMMENDED, Action.CORRECT): (State.RECOMMENDED, Actor.SECRETARIAT),
}

ALL_PAIRS = list(itertools.product(State, Action))
LEGAL = [(s, a) for s, a in ALL_PAIRS if (s, a) in EXPECTED]
ILLEGAL = [(s, a) for s, a in ALL_PAIRS if (s, a) not in EXPECTED]


def test_table_is_exactly_the_documented_one():
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("state", "action"), LEGAL)
def test_legal_transition_by_its_actor(state, action):
    target, actor = EXPECTED[(state, action)]
    assert advance(state, action) == target
    assert advance(state.value, action.value, actor.value) == target


@pytest.mark.parametrize(
    ("state", "action", "other"),
    [(s, a, o) for (s, a) in LEGAL for o in Actor if o != EXPECTED[(s, a)][1]],
)
def test_legal_transition_refused_to_other_actors(state, action, other):
    with pytest.raises(IllegalTransition):
        advance(state, action, other)


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
@pytest.mark.parametrize("actor", [None, *Actor])
def test_illegal_pairs_are_refused(state, action, actor):
    with pytest.raises(IllegalTransition) as info:
        advance(state, action, actor)
    assert info.value.state == state and info.value.action == action


@pytest.mark.parametrize(
    ("state", "action"),
    [("nonsense", "submit"), ("draft", "nonsense"), ("", ""), ("DRAFT", "SUBMIT")],
)
def test_unknown_names_are_refused(state, action):
    with pytest.raises(IllegalTransition):
        advance(state, action)


def test_unknown_actor_is_refused():
    with pytest.raises(ValueError):
        advance(State.DRAFT, Action.SUBMIT, "public")


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("actor", [None, *Actor])
def test_allowed_actions_match_table(state, actor):
    expected = [
        a
        for (s, a), (_t, who) in EXPECTED.items()
        if s == state and actor in (None, who)
    ]
    assert allowed_actions(state, actor) == expected


def test_final_states():
    assert {State.REJECTED, State.REPLICATED} == FINAL_STATES


def test_every_state_is_reachable_from_draft():
    seen, frontier = {State.DRAFT}, [State.DRAFT]
    while frontier:
        s = frontier.pop()
        for (src, _a), (dst, _who) in TRANSITIONS.items():
            if src == s and dst not in seen:
                seen.add(dst)
                frontier.append(dst)
    assert seen == set(State)


def test_public_and_editable_states():
    assert {State.RECOMMENDED, State.COMMENDED, State.REPLICATED} == PUBLIC_STATES
    assert {State.DRAFT, State.RETURNED} == EDITABLE_STATES
    assert not PUBLIC_STATES & EDITABLE_STATES


@pytest.mark.parametrize("enum", [State, Action])
def test_every_member_has_a_label(enum):
    for member in enum:
        assert member.label and member.label != member.value


DOMAIN = Path(__file__).resolve().parents[2] / "dankheo" / "domain"


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_imports_neither_flask_nor_sqlalchemy(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.append(node.module)
    roots = {name.split(".")[0] for name in imported}
    assert not roots & {
        "flask",
        "flask_babel",
        "flask_sqlalchemy",
        "sqlalchemy",
        "werkzeug",
    }
