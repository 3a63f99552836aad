"""`troly zalo menu [--set]`: show the OA's persistent menu, or set it through the OA API."""

from __future__ import annotations

import typer

from bot.cli.common import load_settings, open_app, print_json, run
from bot.texts import zalo as T

zalo_app = typer.Typer(no_args_is_help=True, help="Zalo Official Account: the persistent menu.")


@zalo_app.command("menu")
def menu_command(
    set_it: bool = typer.Option(False, "--set", help="set the menu on the OA (OA API call)"),
    as_json: bool = typer.Option(False, "--json", help="print the request body as JSON"),
) -> None:
    """Show the menu troly sets on the OA (each item sends a command); --set sets it."""
    # the Zalo client (aiohttp) is loaded only for this command, as `troly run` does
    from bot.channels.zalo.api import ZaloError
    from bot.channels.zalo.menu import BODY_KEYS, MENU, menu_body, set_menu, unknown_commands
    from bot.channels.zalo.tokens import ZaloTokenError
    from bot.channels.zalo.wiring import build_client, zalo_configured

    settings = load_settings()
    if settings.zalo_menu_body_key not in BODY_KEYS:
        raise typer.BadParameter(f"TROLY_ZALO_MENU_BODY_KEY must be one of {', '.join(BODY_KEYS)}")
    body = menu_body(settings.zalo_menu_body_key)
    url = settings.zalo_api_url.rstrip("/") + "/" + settings.zalo_menu_path.lstrip("/")
    if as_json:
        print_json({"url": url, "body": body})
    else:
        typer.echo(T.CLI_MENU_HEADER)
        for item in MENU:
            typer.echo(T.CLI_MENU_ITEM.format(title=item.title, command=item.command))
        typer.echo(T.CLI_MENU_REQUEST.format(url=url))
    if not set_it:
        return
    if not zalo_configured(settings):
        typer.echo(T.CLI_NOT_CONFIGURED, err=True)
        raise typer.Exit(1)

    async def _set() -> str | None:
        async with open_app(load_demo=False, index=False) as app:
            missing = unknown_commands(app.router)
            if missing:  # a renamed command: never install a menu that answers "unknown command"
                return f"unknown command(s) {', '.join(missing)}"
            api, tokens = build_client(app.settings, app.sessionmaker, app.clock)
            try:
                await set_menu(api, tokens, path=settings.zalo_menu_path,
                               body_key=settings.zalo_menu_body_key)
            except (ZaloError, ZaloTokenError) as exc:
                return str(exc)
            finally:
                await api.close()
            return None

    error = run(_set)
    if error is not None:
        typer.echo(T.CLI_MENU_REFUSED.format(error=error), err=True)
        raise typer.Exit(1)
    typer.echo(T.CLI_MENU_SET.format(count=len(MENU)))


def register(app: typer.Typer) -> None:
    """Add `zalo …` to the CLI."""
    app.add_typer(zalo_app, name="zalo")
