"""The HTTP adapter of item attachments: streamed multipart uploads and downloads."""

# No `from __future__ import annotations`: dependency-injector reads the Provide markers
# from evaluated signatures.

from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, Response, Security, status
from fastapi.responses import RedirectResponse, StreamingResponse

from api.security import authenticated
from api.uploads import MULTIPART_DOC, streamed_file, streams_body
from core.disposition import content_disposition
from core.injection import Provide
from core.problems import problem_responses
from core.security import Principal
from items import interface
from items.dependencies import ItemsDeps
from items.serializers import AttachmentList, AttachmentRead, AttachmentUpload

router = APIRouter(prefix="/items/{item_id}/attachments", tags=["items"])

READ, WRITE = "items:read", "items:write"

Deps = Annotated[ItemsDeps, Depends(Provide["items.deps"])]
Reader = Annotated[Principal, Security(authenticated, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticated, scopes=[WRITE])]
FILE_PART = "file"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 403, 404, 413, 415, 422),
    openapi_extra=MULTIPART_DOC,
)
@streams_body
@inject
async def upload_attachment(
    item_id: UUID, actor: Writer, deps: Deps, request: Request, response: Response
) -> AttachmentRead:
    """Attach a file (multipart part `file`), streamed to the storage as it arrives."""
    part = await streamed_file(request, field_name=FILE_PART, max_bytes=deps.attachments.max_bytes)
    upload = AttachmentUpload(part.filename, part.content_type, part.chunks)
    attachment = await interface.upload_attachment(
        deps, item_id=item_id, upload=upload, actor=actor
    )
    response.headers["Location"] = request.app.url_path_for(
        "download_attachment", item_id=str(item_id), attachment_id=str(attachment.id)
    )
    return attachment


@router.get("", responses=problem_responses(401, 403, 404, 422))
@inject
async def list_attachments(item_id: UUID, actor: Reader, deps: Deps) -> AttachmentList:
    return await interface.list_attachments(deps, item_id=item_id, actor=actor)


@router.get(
    "/{attachment_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes."},
        307: {"description": "The storage's signed, short-lived URL of the file."},
        **problem_responses(401, 403, 404, 422),
    },
)
@inject
async def download_attachment(
    item_id: UUID, attachment_id: UUID, actor: Reader, deps: Deps
) -> Response:
    download = await interface.download_attachment(
        deps, item_id=item_id, attachment_id=attachment_id, actor=actor
    )
    if download.url is not None:
        return RedirectResponse(download.url, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    attachment = download.attachment
    headers = {
        "Content-Disposition": content_disposition(attachment.filename),
        "Content-Length": str(attachment.size),
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(
        download.content(), media_type=attachment.content_type, headers=headers
    )


@router.delete(
    "/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422, 503),
)
@inject
async def delete_attachment(item_id: UUID, attachment_id: UUID, actor: Writer, deps: Deps) -> None:
    await interface.delete_attachment(
        deps, item_id=item_id, attachment_id=attachment_id, actor=actor
    )
