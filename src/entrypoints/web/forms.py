"""Reading the dashboard's HTML forms: text fields only, and a bounded body.

Every dashboard form is text. Starlette's form parser also accepts multipart file parts and
hands them over as ``UploadFile`` objects; ``str()`` of one is a repr that would be saved as, say,
a competitor name. A file part is refused here with a 400 naming the field, and the body is read
no further than ``FORM_BODY_LIMIT`` bytes (a file part would otherwise be spooled to disk whole).
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive

# The largest form (settings with 50 store names, or a bulk review of a full approvals page) is a
# few tens of KiB.
FORM_BODY_LIMIT = 256 * 1024


class FormRejected(Exception):
    """A form that cannot be read as text: ``status`` 400 (with the ``field`` when known) or 413."""

    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


async def read_text_form(request: Request, *, limit: int = FORM_BODY_LIMIT) -> FormData:
    """The submitted form when every value is text; raises :class:`FormRejected` otherwise."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise FormRejected(413, f"the form is larger than {limit // 1024} KiB")
    capped = Request(request.scope, _capped(request.receive, limit))
    try:
        # One file part is let through so that its field can be named below; a second is
        # refused by the parser itself.
        form = await capped.form(max_files=1)
    except HTTPException as exc:  # the parser's own refusals (malformed multipart, a second file)
        raise FormRejected(400, f"the form could not be read: {exc.detail}") from exc
    for name, value in form.multi_items():
        if not isinstance(value, str):
            await form.close()
            raise FormRejected(400, f"{name}: a file was sent where text is expected", field=name)
    return form


async def read_upload_form(request: Request, *, file_field: str, limit: int) -> FormData:
    """Like :func:`read_text_form`, but one file is accepted in ``file_field`` (every other value is text)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise FormRejected(413, f"the upload is larger than {limit // (1024 * 1024)} MiB")
    capped = Request(request.scope, _capped(request.receive, limit))
    try:
        form = await capped.form(max_files=1, max_part_size=limit)
    except HTTPException as exc:
        raise FormRejected(400, f"the form could not be read: {exc.detail}") from exc
    for name, value in form.multi_items():
        if not isinstance(value, str) and name != file_field:
            await form.close()
            raise FormRejected(400, f"{name}: a file was sent where text is expected", field=name)
    return form


def _capped(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`FormRejected` (413) once the body passes ``limit`` bytes."""
    size = 0

    async def capped_receive() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise FormRejected(413, f"the form is larger than {limit // 1024} KiB")
        return message

    return capped_receive


__all__ = ["FORM_BODY_LIMIT", "FormRejected", "read_text_form"]
