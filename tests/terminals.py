"""A terminal enrolled at Tamashima and a ticket it issued, for the tests that walk every route."""

from __future__ import annotations

from kakehashi.terminal import actions
from kakehashi.terminal.models import Terminal, Ticket
from tests.world import World


def enrolled_terminal(world: World, name: str = "入口の端末") -> Terminal:
    terminal = actions.do_register_terminal(world.tamashima, name, acting_user=world.hiro)
    return actions.do_enrol(terminal.code)


def terminal_and_ticket(world: World) -> tuple[Terminal, Ticket]:
    terminal = enrolled_terminal(world)
    return terminal, actions.do_issue_ticket(terminal, [world.posting.pk])
