"""`oai serve` (the web app under gunicorn) and `oai request` (one request in-process)."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from oai.cli.context import Context, pass_context
from oai.errors import ConfigError
from oai.refresh import refresh_stale_renderings
from oai.settings import Settings
from oai.web.security import require_base_url

__all__ = ["GunicornApplication", "request_command", "serve_command"]


class GunicornApplication(BaseApplication):  # type: ignore[misc]
    """Gunicorn running oaihub: every worker builds its own app with `create_app`."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # start-up time: the web app (Flask, every view) is imported by the commands
        # that serve it, not by every `oai` command
        from oai.app import create_app

        return create_app(self.settings)


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    # sync workers: a page is CPU work of a few milliseconds, so threads would only
    # contend for the GIL (measured: gthread was ~20% slower in bench/provider_bench.py)
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "accesslog": None,
        "errorlog": "-",
        "timeout": 120,
    }


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option(
    "--refresh/--no-refresh",
    default=True,
    show_default=True,
    help="Re-render records whose stored XML is from an older crosswalk before serving.",
)
@pass_context
def serve_command(ctx: Context, host: str, port: int, workers: int, refresh: bool) -> None:
    """Serve /oai (and the rest of the web app) with gunicorn."""
    try:
        require_base_url(ctx.settings, host)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    hub = ctx.hub(migrate=True)
    if refresh:
        summary = refresh_stale_renderings(hub)
        for failure in summary.failures:
            click.echo(f"error: {failure} (stored without this format)", err=True)
        if summary.refreshed or summary.failures:
            click.echo(summary.describe(), err=True)
    # the secret is read (or made) before forking, so every worker signs tokens alike
    settings = replace(served(ctx.settings, host, port), secret_key=hub.secret_key)
    hub.close()
    click.echo(f"serving http://{host}:{port}/oai with {workers} workers", err=True)
    GunicornApplication(settings, gunicorn_options(host, port, workers)).run()


def served(settings: Settings, host: str, port: int) -> Settings:
    """Settings whose base URL is the address served when the configuration sets none
    (`require_base_url` allows that on a loopback address only), rather than whatever
    Host a client sends."""
    if settings.repository.base_url:
        return settings
    shown = f"[{host}]" if ":" in host else host
    repository = replace(settings.repository, base_url=f"http://{shown}:{port}/oai")
    return replace(settings, repository=repository)


@click.command("request")
@click.argument("query")
@click.option("--post", is_flag=True, help="Send the arguments as a form POST.")
@pass_context
def request_command(ctx: Context, query: str, post: bool) -> None:
    """Run one OAI-PMH request in-process and print the response, e.g. 'verb=Identify'."""
    from oai.app import create_app  # start-up time, as in GunicornApplication.load

    query = urlsplit(query).query or query.lstrip("?")
    app = create_app(hub=ctx.hub())
    client = app.test_client()
    if post:
        content_type = "application/x-www-form-urlencoded"
        response = client.post("/oai", data=query, content_type=content_type)
    else:
        response = client.get(f"/oai?{query}")
    sys.stdout.write(response.get_data(as_text=True))
    sys.stdout.write("\n")
    if response.status_code != 200:
        raise click.ClickException(f"HTTP {response.status_code}")
