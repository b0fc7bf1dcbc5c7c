"""Real peers for the file storage and notifier adapters: an S3-compatible server (moto's) and
an SMTP server (aiosmtpd) that keeps what it receives, each on a free local port.

Test-only: moto and aiosmtpd are dev dependencies, imported when a test asks for a server.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ssl
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.testing.ports import free_port

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

S3_REGION = "us-east-1"
S3_ACCESS_KEY_ID = "testing"
S3_SECRET_ACCESS_KEY = "testing"  # noqa: S105 (moto accepts any credentials)


@contextmanager
def s3_server() -> Iterator[str]:
    """moto's S3-compatible server over real HTTP on 127.0.0.1; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 (a dev dependency)

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@asynccontextmanager
async def _s3_client(endpoint: str) -> AsyncIterator[S3Client]:
    """A client of the test S3 server."""
    from aiobotocore.session import get_session  # noqa: PLC0415

    async with get_session().create_client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY_ID,
        aws_secret_access_key=S3_SECRET_ACCESS_KEY,
    ) as client:
        yield client


async def create_bucket(endpoint: str, bucket: str) -> None:
    """Make the bucket on the S3 server unless it exists (the adapter assumes one)."""
    async with _s3_client(endpoint) as client:
        listed = await client.list_buckets()
        if bucket not in {found["Name"] for found in listed.get("Buckets", [])}:
            await client.create_bucket(Bucket=bucket)


async def pending_uploads(endpoint: str, bucket: str) -> list[str]:
    """The keys of the bucket's unfinished multipart uploads."""
    async with _s3_client(endpoint) as client:
        uploads = await client.list_multipart_uploads(Bucket=bucket)
    return [str(upload["Key"]) for upload in uploads.get("Uploads", [])]


@dataclass
class SmtpSink:
    """What the SMTP server received: each mail parsed, with the envelope and login."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    tls_context: ssl.SSLContext | None = None  # trusts the server's certificate
    _received: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Block until `count` mails arrived (AssertionError after `timeout` seconds)."""
        with self._received:
            if not self._received.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{len(self.messages)} mails arrived, not {count}")
            return list(self.messages)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._received:
            self.messages.append(parsed)
            self.recipients.append(list(envelope.rcpt_tos))
            self._received.notify_all()
        return "250 OK"


@contextmanager
def smtp_server(
    *, starttls: bool = False, credentials: tuple[str, str] | None = None, port: int | None = None
) -> Iterator[SmtpSink]:
    """aiosmtpd on `port` (a free one by default).

    With `starttls` it offers STARTTLS with a self-signed certificate and demands it; with
    `credentials` it demands AUTH (after STARTTLS).
    """
    from aiosmtpd.controller import Controller  # noqa: PLC0415 (a dev dependency)
    from aiosmtpd.smtp import AuthResult  # noqa: PLC0415

    sink = SmtpSink(host="127.0.0.1", port=port or free_port())
    options: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        if starttls:
            server_context, sink.tls_context = _self_signed_contexts(Path(folder))
            options |= {"tls_context": server_context, "require_starttls": True}
        if credentials is not None:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
            ) -> AuthResult:
                login = auth_data.login.decode()
                valid = (login, auth_data.password.decode()) == credentials
                if valid:
                    sink.logins.append(login)
                return AuthResult(success=valid)

            options |= {"authenticator": authenticate, "auth_required": True}
        controller = Controller(sink, hostname=sink.host, port=sink.port, **options)
        controller.start()
        try:
            yield sink
        finally:
            controller.stop()


def _self_signed_contexts(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh certificate for 127.0.0.1, and a client one trusting it."""
    from ipaddress import IPv4Address  # noqa: PLC0415

    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client
