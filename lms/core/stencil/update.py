"""PDF incremental updates: objects appended to a finished PDF with a cross-reference stream
pointing back at its own, and the pieces of its page read with pypdf to write it again."""

import io
import zlib

import pydyf


class Update:
    """The objects of an incremental update, numbered from `number` (the base's /Size)."""

    def __init__(self, number: int):
        self.number = number
        self.objects: list[tuple[int, bytes]] = []

    def add(self, item: pydyf.Object, numbered: bool = False) -> pydyf.Object:
        """Append a pydyf object (numbered here, unless `numbered` already)."""
        if not numbered:
            item.number = self.number
        self.number = max(self.number, item.number + 1)
        self.objects.append((item.number, item.indirect))
        return item

    def raw(self, data: bytes, number: int | None = None) -> bytes:
        """Append an object given as PDF syntax (a new number, or `number` to replace one of
        the base's); returns its reference."""
        if number is None:
            number, self.number = self.number, self.number + 1
        self.objects.append((number, f"{number} 0 obj\n".encode() + data + b"\nendobj"))
        return f"{number} 0 R".encode()

    def write(self, base: bytes, prev: int, trailer: bytes) -> bytes:
        """`base` with the objects and a cross-reference stream (its entries for this
        update's objects; /Prev leads to the base's)."""
        out = bytearray(base)
        offsets = {}
        for number, data in self.objects:
            offsets[number] = len(out)
            out += data + b"\n"
        xref_number = self.number
        offsets[xref_number] = len(out)
        index, rows = [], bytearray()
        for number in sorted(offsets):
            if not index or index[-2] + index[-1] != number:
                index += [number, 0]
            index[-1] += 1
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
        xref = zlib.compress(bytes(rows))
        out += (f"{xref_number} 0 obj\n<< /Type /XRef /Size {xref_number + 1} /W [1 4 2] "
                f"/Index [{' '.join(map(str, index))}] /Prev {prev} /Root ").encode() \
            + trailer + f" /Filter /FlateDecode /Length {len(xref)} >>\nstream\n".encode() \
            + xref + f"\nendstream\nendobj\nstartxref\n{offsets[xref_number]}\n%%EOF\n".encode()
        return bytes(out)


def entries(dictionary, skip) -> bytes:
    """A pypdf dictionary's entries (references kept) as PDF syntax, some keys left out."""
    buffer = io.BytesIO()
    for key, value in dictionary.items():
        if key in skip:
            continue
        buffer.write(b" " + key.encode() + b" ")
        value.write_to_stream(buffer)
    return buffer.getvalue()


def value(dictionary, key) -> bytes:
    """One entry's value as PDF syntax, without brackets when it is an array."""
    if key not in dictionary:
        return b""
    buffer = io.BytesIO()
    dictionary.raw_get(key).write_to_stream(buffer)
    return buffer.getvalue().strip().strip(b"[]")
