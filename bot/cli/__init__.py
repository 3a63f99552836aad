"""The `troly` command line: run the bot, chat in a terminal, manage guides, people, plans, reminders.

Each feature adds its commands from its own module (`register(app)`), listed in _register_all().
"""

from __future__ import annotations

import typer

from bot.cli import (
    accounts,
    core,
    guides,
    people,
    periods,
    reminders,
    schedule,
    unanswered,
    zalo,
)
from bot.cli.failures import describe_failure


def _register_all(app: typer.Typer) -> None:
    core.register(app)
    guides.register(app)
    unanswered.register(app)
    people.register(app)
    accounts.register(app)
    periods.register(app)
    reminders.register(app)
    schedule.register(app)
    zalo.register(app)


def build_cli() -> typer.Typer:
    """The typer application with every command registered."""
    app = typer.Typer(no_args_is_help=True, add_completion=False,
                      help="troly (trợ lý): chat assistant for Vietnamese public officials.")
    _register_all(app)
    return app


def main() -> None:
    """Console-script entry point: a file-system failure is one clear line and exit code 1."""
    try:
        build_cli()()
    except Exception as exc:
        message = describe_failure(exc)
        if message is None:
            raise
        typer.echo(message, err=True)
        raise SystemExit(1) from None
