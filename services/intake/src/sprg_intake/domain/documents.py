"""What a document really is, from its bytes: the declared type is not trusted."""

from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"
ALLOWED = (PDF, DOCX, ODT, TEXT)
_UNTOLD = {"", "application/octet-stream"}


class UnsupportedDocument(ValueError):
    """Not a PDF, DOCX, ODT or plain text file, or not what it says it is."""


def sniff(content: bytes) -> str | None:
    """The document's type from its content, or None when it is none we accept."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        return _office(content)
    if not content or b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return TEXT


def _office(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return DOCX
    except (zipfile.BadZipFile, KeyError, ValueError):
        return None
    return None


def checked_type(filename: str, declared: str | None, content: bytes) -> str:
    """The sniffed type, when it is allowed and agrees with the declared one."""
    found = sniff(content)
    if found is None:
        raise UnsupportedDocument(f"{filename}: only PDF, DOCX, ODT or plain text are accepted")
    told = (declared or "").split(";")[0].strip().lower()
    if told not in _UNTOLD and told != found:
        raise UnsupportedDocument(f"{filename}: declared {told} but the content is {found}")
    return found
