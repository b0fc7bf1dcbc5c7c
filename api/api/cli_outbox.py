"""`armature outbox ...`: the events waiting for the relay, and pruning those that went out."""

from __future__ import annotations

from textwrap import shorten

import typer

from api.bootstrap import ApplicationContainer
from api.cli import CliContext, JsonOutput, columns, table
from core.adapters.sqlalchemy.outbox import OutboxReport, outbox_report
from core.adapters.sqlalchemy.retention import Pruned
from core.clock import utc_now

app = typer.Typer(
    help="The outbox: events waiting for the relay; pruning what went out.", no_args_is_help=True
)


@app.command("status")
def status(ctx: typer.Context, as_json: JsonOutput = False) -> None:
    """Count published and unpublished events; show the oldest the relay fails to publish."""
    cli: CliContext = ctx.obj
    cli.output(cli.run(lambda: _outbox_report(cli.container)), as_json, _outbox_text)


async def _outbox_report(container: ApplicationContainer) -> OutboxReport:
    async with container.session_factory()() as session:
        return await outbox_report(session, now=utc_now())


@app.command("prune")
def prune(ctx: typer.Context, as_json: JsonOutput = False) -> None:
    """Delete published events and delivery records past their retention now.

    The process that relays events does it every 5 minutes; the retention is
    OUTBOX_RETENTION_DAYS and PROCESSED_MESSAGE_RETENTION_DAYS.
    """
    cli: CliContext = ctx.obj
    cli.output(cli.run(lambda: cli.container.pruner().prune_once()), as_json, _pruned_text)


def _pruned_text(pruned: Pruned) -> str:
    return columns(
        [
            ["published events", pruned.published_events, "deleted"],
            ["delivery records", pruned.delivery_records, "deleted"],
        ]
    )


def _outbox_text(report: OutboxReport) -> str:
    age = report.oldest_unpublished_age_seconds
    summary = columns(
        [
            ["unpublished", report.unpublished, "" if age is None else f"oldest {_ago(age)}"],
            ["published", report.published, ""],
            ["failing", report.failing, "unpublished, with a failed attempt"],
        ]
    )
    if not report.failures:
        return summary
    failures = table(
        ["position", "type", "attempts", "occurred at", "last error"],
        [
            [f.position, f.type, f.attempts, f.occurred_at, shorten(f.last_error, 100)]
            for f in report.failures
        ],
    )
    return f"{summary}\n\n{failures}"


def _ago(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit} ago"
    return f"{seconds:.0f} s ago"
