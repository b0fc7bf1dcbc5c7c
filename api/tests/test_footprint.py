"""A process loads the heavy clients its settings ask for, and no others.

botocore and aiohttp (the S3 adapter) cost a worker about 25 MB, the OTLP exporter and
protobuf about 4 MB more: a worker that keeps its files in a folder and traces nothing
must not carry them. Each case runs in a fresh interpreter, since this one's tests import
the S3 adapter themselves.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from api.bootstrap import create_file_storage
from api.settings import Settings
from core.adapters.files.s3 import S3FileStorage

S3_CLIENT = "botocore"
EXPORTER = "opentelemetry.exporter.otlp.proto.http.trace_exporter"


def loaded_after(code: str, tmp_path: Path, **environ: str) -> list[str]:
    """Which of the heavy modules a fresh interpreter holds after running `code`."""
    held = f"[m for m in {[S3_CLIENT, EXPORTER]!r} if m in sys.modules]"
    probe = f"{code}\nimport json, sys\nprint('LOADED', json.dumps({held}))"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "S3_"))}
    env.update(
        ENVIRONMENT="development",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'armature.sqlite3'}",
        FILES_DIR=str(tmp_path / "files"),
        **environ,
    )
    result = subprocess.run(  # noqa: S603 (this interpreter, our own code)
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("LOADED "))
    loaded: list[str] = json.loads(line.removeprefix("LOADED "))
    return loaded


def test_an_app_on_local_files_without_tracing_loads_neither_s3_nor_the_exporter(
    tmp_path: Path,
) -> None:
    assert loaded_after("from api.main import create_app\ncreate_app()", tmp_path) == []


def test_tracing_loads_the_exporter_it_sends_spans_with(tmp_path: Path) -> None:
    code = (
        "from api.tracing import start_tracing\n"
        "tracing = start_tracing()\n"
        "assert tracing is not None and tracing.owned\n"
        "tracing.stop()"
    )
    # Nothing listens on the discard port: the provider shuts down with no span to send.
    endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}

    assert loaded_after(code, tmp_path, **endpoint) == [EXPORTER]


def test_an_s3_bucket_gets_the_s3_adapter(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, s3_bucket="files", s3_endpoint_url="http://127.0.0.1:9")

    assert isinstance(create_file_storage(settings), S3FileStorage)
