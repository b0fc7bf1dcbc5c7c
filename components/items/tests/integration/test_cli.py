"""`armature items ...`: the items use cases as a given account, from a real subprocess."""

from decimal import Decimal
from uuid import UUID

import pytest

from accounts import interface as accounts
from accounts.serializers import SignUp
from accounts.testing import PASSWORD, accounts_test_settings
from api.testing_cli import armature, cli_env, container_on, on_both_databases
from core.adapters.jose_tokens import generate_signing_key_pem
from core.settings import ArmatureSettings
from items import interface as items
from items.serializers import ItemCreate

ANN, BOB = "ann@example.com", "bob@example.com"


@pytest.fixture
def component_settings(
    component_settings: dict[str, ArmatureSettings],
) -> dict[str, ArmatureSettings]:
    """Cheap password hashing for the accounts the tests sign up."""
    return {**component_settings, "accounts": accounts_test_settings(generate_signing_key_pem())}


@pytest.fixture
async def ann_id(database: str, component_settings: dict[str, ArmatureSettings]) -> UUID:
    """Ann owns a floor lamp and a chair; Bob owns a lamp too."""
    async with container_on(database, component_settings) as container:
        ids = {}
        for email, names in ((ANN, ["Floor lamp", "Chair"]), (BOB, ["Bob's lamp"])):
            data = SignUp.model_validate({"email": email, "password": PASSWORD})
            ids[email] = (await accounts.sign_up(container.accounts.deps(), data=data)).id
            actor = await container.principals().principal_for(email)
            for name in names:
                item = ItemCreate(name=name, price=Decimal(30))
                await items.create_item(container.items.deps(), data=item, actor=actor)
        return ids[ANN]


@on_both_databases
async def test_create_then_list_with_the_query_options_of_http(database: str, ann_id: UUID) -> None:
    env = cli_env(database)

    created = await armature(
        env, "items", "create", "--as", ANN, "--name", "Desk lamp", "--price", "9.5", "--json"
    )
    listed = await armature(
        env, "items", "list", "--as", ANN, "--q", "LAMP", "--sort=-price", "--json"
    )

    item = created.json()
    assert (item["name"], Decimal(item["price"]), item["owner_id"]) == (
        "Desk lamp", Decimal("9.5"), str(ann_id),
    )  # fmt: skip
    page = listed.json()
    assert [(i["name"], i["price"]) for i in page["items"]] == [
        ("Floor lamp", "30.00"),
        ("Desk lamp", "9.50"),
    ]
    assert (page["total"], page["limit"], page["offset"]) == (2, 20, 0)


@pytest.mark.usefixtures("ann_id")
async def test_list_prints_aligned_columns_and_bad_input_is_a_message(database: str) -> None:
    env = cli_env(database)

    listed = await armature(env, "items", "list", "--as", ANN, "--limit", "1", "--sort", "name")
    refused = await armature(env, "items", "create", "--as", ANN, "--name", "X", "--price", "-1")

    header, row, summary = listed.text().splitlines()
    assert header.split() == ["NAME", "PRICE", "VERSION", "UPDATED", "AT", "ID"]
    assert row.startswith("Chair  30.00  1 ")
    assert row.index("30.00") == header.index("PRICE")
    assert row.index(row.split()[-1]) == header.index("ID")
    assert summary == "1-1 of 2"
    assert "error: invalid input: price: Input should be greater than or equal to 0" in (
        refused.error()
    )
