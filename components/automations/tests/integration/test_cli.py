"""`armature automations ...`: run an automation and wait for it, list them and their runs.

Real subprocesses, a real database and the real bubblewrap sandbox: without RABBITMQ_URL the
command runs the automation itself; with it, a real `armature worker` does.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import aio_pika
import pytest

from accounts import interface as accounts
from accounts.serializers import AccountAdminUpdate, SignUp
from accounts.testing import PASSWORD, accounts_test_settings
from api.events import METRICS_CONSUMER
from api.testing_cli import armature, cli_env, container_on, on_both_databases, running_worker
from automations import interface as automations
from automations.component import component as automations_component
from automations.serializers import AutomationCreate
from core.adapters.jose_tokens import generate_signing_key_pem
from core.adapters.rabbitmq.topology import RabbitTopology
from core.security import ADMIN_SCOPE, Principal
from core.settings import ArmatureSettings
from items import interface as items
from items.serializers import ItemCreate

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/"
SCOPES = "items:read items:write automations:read automations:write"
ANN, BOB = "ann@example.com", "bob@example.com"
FAILING = "import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)"


@dataclass(frozen=True)
class Story:
    item_id: UUID
    hello_id: UUID
    failing_id: UUID


@pytest.fixture
def component_settings(
    component_settings: dict[str, ArmatureSettings],
) -> dict[str, ArmatureSettings]:
    """Accounts that may hold the automation scopes, with cheap password hashing."""
    pem = generate_signing_key_pem()
    accounts_settings = accounts_test_settings(pem, accounts_default_scopes=SCOPES)
    return {**component_settings, "accounts": accounts_settings}


@pytest.fixture
async def story(database: str, component_settings: dict[str, ArmatureSettings]) -> Story:
    """Ann's lamp with two automations; Bob may read automations but not run them."""
    async with container_on(database, component_settings) as container:
        deps = container.accounts.deps()
        for email in (ANN, BOB):
            await accounts.sign_up(
                deps, data=SignUp.model_validate({"email": email, "password": PASSWORD})
            )
        bob = await accounts.find_account(deps, email=BOB)
        admin = Principal(account_id=uuid4(), scopes=frozenset({ADMIN_SCOPE}))
        only_read = AccountAdminUpdate(scopes=["automations:read", "items:read"])
        await accounts.update_account(deps, account_id=bob.id, changes=only_read, actor=admin)
        ann = await container.principals().principal_for(ANN)
        item = await items.create_item(
            container.items.deps(), data=ItemCreate(name="Lamp"), actor=ann
        )
        ids = []
        for name, code in (("hello", "print(event['item']['name'])"), ("failing", FAILING)):
            data = AutomationCreate(name=name, code=code)
            automation = await automations.create_automation(
                container.automations.deps(), item_id=item.id, data=data, actor=ann
            )
            ids.append(automation.id)
        return Story(item.id, *ids)


@pytest.fixture
async def exchange() -> AsyncIterator[str]:
    """A topic exchange of this test's own, and everything declared on it removed after."""
    name = f"test-cli-{uuid4().hex[:12]}"
    yield name
    connection = await aio_pika.connect(RABBITMQ)
    async with connection:
        channel = await connection.channel()
        topology = RabbitTopology(name)
        consumers = [consumer.name for consumer in automations_component.consumers]
        for consumer in [*consumers, METRICS_CONSUMER]:
            for queue in topology.queue_names(consumer):
                await channel.queue_delete(queue)
        await channel.exchange_delete(name)


@on_both_databases
async def test_run_executes_in_the_sandbox_without_a_worker_and_runs_lists_it(
    database: str, story: Story
) -> None:
    env = cli_env(database)

    ran = await armature(env, "automations", "run", str(story.hello_id), "--as", ANN, "--json")
    listed = await armature(env, "automations", "runs", str(story.hello_id), "--as", ANN)

    run = ran.json()
    assert (run["status"], run["exit_code"], run["stdout"], run["trigger"]) == (
        "succeeded", 0, "Lamp\n", "manual",
    )  # fmt: skip
    header, row, summary = listed.text().splitlines()
    assert header.split()[:3] == ["STATUS", "TRIGGER", "EXIT"]
    assert row.startswith("succeeded  manual   0 ")
    assert row.endswith(run["id"])
    assert summary == "1-1 of 1"


async def test_a_failed_run_shows_its_output_and_exits_1(database: str, story: Story) -> None:
    env = cli_env(database)

    ran = await armature(env, "automations", "run", str(story.failing_id), "--as", ANN)
    listed = await armature(env, "automations", "list", str(story.item_id), "--as", ANN, "--json")

    assert ran.returncode == 1
    assert "status       failed\nexit code    3\n" in ran.stdout
    assert ran.stdout.endswith("stdout: (empty)\nstderr:\nboom\n")
    assert [(a["name"], a["item_id"]) for a in listed.json()["items"]] == [
        ("hello", str(story.item_id)),
        ("failing", str(story.item_id)),
    ]


async def test_acting_needs_a_known_account_with_the_scope(database: str, story: Story) -> None:
    env = cli_env(database)

    unscoped = await armature(env, "automations", "run", str(story.hello_id), "--as", BOB)
    unknown = await armature(env, "automations", "runs", str(story.hello_id), "--as", "x@y.org")

    assert f"error: {BOB} lacks the scope(s): automations:write\n" in unscoped.error()
    assert "error: Account x@y.org does not exist.\n" in unknown.error()


async def test_with_a_broker_run_waits_for_the_worker(
    database: str, story: Story, exchange: str
) -> None:
    env = cli_env(database, RABBITMQ_URL=RABBITMQ, RABBITMQ_EXCHANGE=exchange)
    automation = str(story.hello_id)

    alone = await armature(env, "automations", "run", automation, "--as", ANN, "--wait", "0.5")
    async with running_worker(env):
        ran = await armature(env, "automations", "run", automation, "--as", ANN, "--json")

    assert "is still queued after 0.5 s: is `armature worker` running?" in alone.error()
    assert (ran.json()["status"], ran.json()["stdout"]) == ("succeeded", "Lamp\n")
