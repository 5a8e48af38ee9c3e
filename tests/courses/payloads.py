"""Real file payloads for upload tests: the first bytes of each allowed type, and fakes."""

import io
import struct
import zipfile
import zlib


def png() -> bytes:
    """A valid 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n"
            b"%%EOF\n")


def pptx() -> bytes:
    """A zip laid out as PowerPoint writes one ([Content_Types].xml first, then ppt/)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
    return buffer.getvalue()


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def gif() -> bytes:
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"  # noqa: E501


def webp() -> bytes:
    return b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24


def mp3() -> bytes:
    return b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + b"\xff\xfb\x90\x00" + b"\x00" * 64


def _ftyp(major: bytes, brands: list[bytes]) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(brands)
    box = struct.pack(">I", 8 + len(body)) + b"ftyp" + body
    return box + struct.pack(">I", 8) + b"free" + b"\x00" * 32


def m4a() -> bytes:
    return _ftyp(b"M4A ", [b"M4A ", b"mp42", b"isom"])


def mp4() -> bytes:
    return _ftyp(b"isom", [b"isom", b"iso2", b"mp41"])


def webm() -> bytes:
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 32


def ogg() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e\x01vorbis" + b"\x00" * 32


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

ALLOWED = {
    "handout.pdf": pdf, "slides.pptx": pptx, "diagram.png": png, "photo.jpg": jpeg,
    "photo.jpeg": jpeg, "anim.gif": gif, "picture.webp": webp, "call.mp3": mp3,
    "call.m4a": m4a, "demo.mp4": mp4, "demo.webm": webm, "call.ogg": ogg,
    "captions.vtt": lambda: b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n",
}
