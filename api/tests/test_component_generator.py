"""`make component name=...` on a copy of the repository: green without a manual edit."""

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from api.scaffold.errors import InvalidComponentName, WorkspaceError
from api.scaffold.generator import generate_component
from api.testing import PROJECT_ROOT
from api.testing_servers import serve_app_in_process

# The first of these the repository does not have yet: a team that has run
# `make component name=orders` keeps a green suite.
NAME, ENTITY = next(
    (name, entity)
    for name, entity in (("orders", "order"), ("shipments", "shipment"), ("parcels", "parcel"))
    if not (PROJECT_ROOT / "components" / name).exists()
)
# Variables of the developer's shell that would point the copy at this checkout's setup.
FOREIGN = {"VIRTUAL_ENV", "PYTHONPATH", "COMPONENTS", "DATABASE_URL", "UV_PROJECT_ENVIRONMENT"}


def copy_repository(target: Path) -> Path:
    """The files git would commit (tracked, or new and not ignored), as in a fresh clone."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = PROJECT_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
    return target


def fingerprint(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".venv" not in path.parts
    }


def clean_environment(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k not in FOREIGN}, **extra}


def run(root: Path, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        command,
        cwd=root,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_repository(tmp_path_factory.mktemp("pristine"))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("order", "plural noun"),
        ("Orders", "snake_case"),
        ("purchase-orders", "snake_case"),
        ("classes", "reserved"),
        ("items", "taken"),
        ("tests", "reserved"),
        ("routers", "already uses"),
        ("types", "taken"),
    ],
)
def test_an_unfit_name_is_refused_and_nothing_is_written(
    pristine: Path, name: str, reason: str
) -> None:
    before = fingerprint(pristine)

    with pytest.raises(InvalidComponentName, match=reason):
        generate_component(pristine, name)

    assert fingerprint(pristine) == before


def test_a_failed_relock_removes_everything_it_wrote(
    pristine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fingerprint(pristine)
    monkeypatch.setenv("UV", "/bin/false")

    with pytest.raises(WorkspaceError, match="uv lock failed"):
        generate_component(pristine, NAME)

    assert fingerprint(pristine) == before


def test_make_component_refuses_with_a_message_not_a_traceback(pristine: Path) -> None:
    result = run(pristine, "make", "--no-print-directory", "component", "name=class")

    assert result.returncode != 0
    assert "error: 'class' is a reserved word" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (pristine / "components" / "class").exists()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_repository(tmp_path_factory.mktemp("generated"))
    result = run(root, "make", "--no-print-directory", "component", f"name={NAME}")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_the_component_has_the_whole_contract_and_a_migration(generated: Path) -> None:
    (head,) = ScriptDirectory.from_config(
        Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    ).get_heads()
    package = generated / "components" / NAME / NAME
    modules = {path.name for path in package.glob("*.py")}
    migrations = list((generated / "alembic" / "versions").glob(f"*_create_{ENTITY}.py"))

    assert {
        "interface.py", "dependencies.py", "models.py", "tables.py", "repository.py",
        "serializers.py", "errors.py", "http.py", "component.py", "testing.py",
    } <= modules  # fmt: skip
    assert {path.parent.name for path in (package.parent / "tests").rglob("test_*.py")} == {
        "unit", "integration", "api",
    }  # fmt: skip
    assert len(migrations) == 1
    assert f'down_revision: str | Sequence[str] | None = "{head}"' in migrations[0].read_text()


def test_lint_types_contracts_and_migrations_are_clean(generated: Path) -> None:
    result = run(
        generated, "make", "--no-print-directory", "lint", "typecheck", "contracts",
        "check-migrations",
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout
    assert "the schema matches the code" in result.stdout


def test_its_own_tests_pass(generated: Path) -> None:
    result = run(
        generated, ".venv/bin/pytest", "-q", "-p", "no:cacheprovider", f"components/{NAME}"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
    assert "failed" not in result.stdout


@pytest.fixture
def served(generated: Path, tmp_path: Path) -> Iterator[str]:
    database = f"sqlite+aiosqlite:///{tmp_path / 'generated.sqlite3'}"
    env = clean_environment(
        ENVIRONMENT="test",
        DATABASE_URL=database,
        ACCOUNTS_DEFAULT_SCOPES=f"{NAME}:read {NAME}:write",
        PASSWORD_HASH_TIME_COST="1",
        PASSWORD_HASH_MEMORY_KIB="1024",
    )
    migrated = run(generated, ".venv/bin/armature", "db", "upgrade", **env)
    assert migrated.returncode == 0, migrated.stderr
    python = str(generated / ".venv" / "bin" / "python")
    with serve_app_in_process(env, generated, tmp_path / "log", python=python) as url:
        yield url


def test_its_endpoints_answer_over_http(served: str) -> None:
    credentials = {"email": "owner@example.com", "password": "a long enough password"}
    with httpx.Client(base_url=served) as client:
        assert client.post("/api/v1/accounts", json=credentials).status_code == 201
        token = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": credentials["email"],
                  "password": credentials["password"]},
        ).json()["access_token"]  # fmt: skip
        client.headers["Authorization"] = f"Bearer {token}"
        created = client.post(f"/api/v1/{NAME}", json={"name": "First one"})
        listed = client.get(f"/api/v1/{NAME}").json()
        documented = client.get("/openapi.json").json()["paths"]

    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    assert [each["name"] for each in listed[NAME]] == ["First one"]
    assert {f"/api/v1/{NAME}", f"/api/v1/{NAME}/{{{ENTITY}_id}}"} <= documented.keys()
