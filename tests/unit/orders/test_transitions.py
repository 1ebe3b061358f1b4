"""The order status table: which moves exist, which are final, which only the system makes."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from pulse.orders.schemas import OrderStatus as S
from pulse.orders.service import SYSTEM_ONLY, TRANSITIONS, _illegal

HAPPY_PATH = [S.PLACED, S.CONFIRMED, S.INVOICED, S.PAID, S.SHIPPED, S.COMPLETED]


def reachable(start: S) -> set[S]:
    seen, todo = set(), [start]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_status_has_a_row() -> None:
    assert set(TRANSITIONS) == set(S)
    assert all(targets <= set(S) for targets in TRANSITIONS.values())


def test_the_happy_path_is_a_chain_of_legal_moves() -> None:
    for current, nxt in zip(HAPPY_PATH, HAPPY_PATH[1:], strict=False):
        assert nxt in TRANSITIONS[current], (current, nxt)


@pytest.mark.parametrize("final", [S.REJECTED, S.COMPLETED, S.CANCELLED])
def test_final_states_go_nowhere(final: S) -> None:
    assert TRANSITIONS[final] == set()


def test_cancel_is_possible_exactly_before_shipping() -> None:
    before_shipping = {S.PLACED, S.CONFIRMED, S.INVOICED, S.PAID}
    assert {s for s, targets in TRANSITIONS.items() if S.CANCELLED in targets} == before_shipping


def test_no_move_goes_backwards_or_skips_ahead() -> None:
    order = {status: i for i, status in enumerate(HAPPY_PATH)}
    for current, targets in TRANSITIONS.items():
        for target in targets & set(HAPPY_PATH):
            assert order[target] == order[current] + 1, (current, target)
    assert S.PLACED not in reachable(S.PLACED)  # no cycles back to the start


def test_confirmation_and_rejection_only_follow_placing() -> None:
    assert SYSTEM_ONLY == {S.CONFIRMED, S.REJECTED, S.INVOICED, S.PAID}
    for status in (S.CONFIRMED, S.REJECTED):  # from the stock reservation
        assert {s for s, targets in TRANSITIONS.items() if status in targets} == {S.PLACED}
    # from billing: the invoice of a confirmed order, the last payment of an invoiced one
    assert {s for s, targets in TRANSITIONS.items() if S.INVOICED in targets} == {S.CONFIRMED}
    assert {s for s, targets in TRANSITIONS.items() if S.PAID in targets} == {S.INVOICED}


def test_every_status_can_end_somewhere_final() -> None:
    finals = {s for s, targets in TRANSITIONS.items() if not targets}
    for status in S:
        assert status in finals or reachable(status) & finals, status


def test_the_illegal_move_message_lists_what_a_user_may_do() -> None:
    order = SimpleNamespace(id=uuid.uuid4(), number="SO-000007", status="confirmed")
    error = _illegal(order, S.SHIPPED)  # type: ignore[arg-type]
    assert error.status == 409 and error.code == "illegal_transition"
    assert "SO-000007" in error.detail and "'shipped'" in error.detail
    assert error.extra["allowed"] == ["cancelled"]  # invoicing is billing's move
    done = _illegal(SimpleNamespace(number="SO-1", status="completed"), S.PAID)  # type: ignore[arg-type]
    assert done.extra["allowed"] == [] and "final" in done.detail
