"""Fast PDFs of one page whose design is fixed and only some words change: a stencil.

A certificate's page is the same for every holder but for a few values (name, serial, dates,
scores, the QR code). WeasyPrint lays the page out ONCE with the values marked; the stencil
keeps the page without any text (frame, rules, logo, signature: WeasyPrint's own PDF), the
static text drawn once by WeasyPrint's text drawing into a cached content stream, and for
each marked value where it sits and in which style. A document is then that PDF plus an
incremental update: the values laid out with Pango in their style (so shaping, fallback fonts
and bidi are WeasyPrint's), the QR modules, fonts subset to just the glyphs of this page, the
links and the metadata. About a millisecond of layout instead of a full WeasyPrint run.

A design only qualifies when every marked text is alone on its line in a box whose width does
not depend on it (so a longer name cannot move anything else), no text is rotated, translucent
or decorated (text is drawn over the page, so nothing may be painted over text either), and
the page is one page; `Stencil.build` returns None otherwise, and `layouts` returns None for a
value that would not fit on one line: the caller then renders the whole document with
WeasyPrint, which is always right, only slower. Tests compare both renders pixel by pixel.

Marking: the template renders with `Marked` values; their HTML is the escaped text between
private-use sentinels, which `mark_slots` turns into `<span data-slot>` in text and plain text
inside attributes and the title. A page is laid out again (a new variant) when a value needs
other fonts than the variant's (a Chinese name after a Latin one: line heights follow fonts).
"""

import io
import re
import zlib
from dataclasses import dataclass

import pydyf
from markupsafe import escape
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.draw.text import draw_text
from weasyprint.formatting_structure import boxes
from weasyprint.pdf.fonts import Font
from weasyprint.text.ffi import ffi as wffi
from weasyprint.text.fonts import get_pango_font_key
from weasyprint.text.line_break import split_first_line

from lms.core.subsets import TextStream, font_config, font_objects, glyphs_by_font, remap

OPEN, MID, CLOSE = "\ue000", "\ue001", "\ue002"
_SENTINEL = re.compile(f"{OPEN}([^{MID}]*){MID}([^{CLOSE}]*){CLOSE}")
_RAW_TEXT = ("style", "script", "title", "textarea")
SCALE = 0.75  # PDF points per CSS pixel


class Marked(str):
    """A variable value of a stencil render: prints as itself, marked for `mark_slots`."""

    slot: str

    def __new__(cls, slot: str, text: str):
        value = super().__new__(cls, text)
        value.slot = slot
        return value

    def __html__(self) -> str:
        return f"{OPEN}{self.slot}{MID}{escape(str(self))}{CLOSE}"


def mark_slots(html: str) -> str | None:
    """The rendered HTML with marked values as `<span data-slot=…>` in text and plain text in
    attributes and the title; None when a value landed in a stylesheet, a style attribute or
    a script (it would print, or act, the same on every page)."""
    lower = html.lower()
    out, last = [], 0
    for match in _SENTINEL.finditer(html):
        before = lower[:match.start()]
        raw = [tag for tag in _RAW_TEXT if before.rfind("<" + tag) > before.rfind("</" + tag)]
        in_tag = before.rfind("<") > before.rfind(">")
        if any(tag in ("style", "script") for tag in raw) \
                or in_tag and "style=" in before[before.rfind("<"):]:
            return None
        out.append(html[last:match.start()])
        out.append(match.group(2) if raw or in_tag
                   else f'<span data-slot="{match.group(1)}">{match.group(2)}</span>')
        last = match.end()
    out.append(html[last:])
    return "".join(out)


def _begin(page_height: float) -> list[bytes]:
    return [b"q", f"1 0 0 -1 0 {page_height * SCALE:g} cm".encode(),
            f"{SCALE} 0 0 {SCALE} 0 0 cm".encode()]


def _draw(stream: TextStream, box) -> None:
    draw_text(stream, box, 0, "clip", "none")


# --- the stencil ----------------------------------------------------------------------------


class _Unsupported(Exception):
    """The design cannot be a stencil (see the module)."""


@dataclass
class _Place:
    """Where one marked text sits: its WeasyPrint text box (style, position, width) and how
    much its line may grow and which way (0 start, .5 centre, 1 end)."""

    slot: str
    box: object
    align: float
    room: float
    owner: object  # the value's <span>: one line per span


@dataclass
class _Area:
    """A marked image (the QR code): its content box in CSS pixels."""

    slot: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class _Link:
    """A link whose address holds a marked value; `rect` is (x1, y1, x2, y2) in CSS px."""

    target: str
    rect: tuple[float, float, float, float]


@dataclass
class Stencil:
    """A laid-out page with holes for its marked values (see the module)."""

    base: bytes
    page_height: float
    page_number: int
    page_entries: bytes
    contents: bytes
    annots: bytes
    resources_entries: bytes
    root: bytes
    prev: int
    size: int
    trailer_id: bytes
    static_content: bytes
    static_glyphs: dict[str, set[int]]
    static_fonts: dict[str, Font]
    places: list[_Place]
    areas: list[_Area]
    links: list[_Link]
    values: dict[str, str]
    title: str
    fonts_key: tuple = ()
    probes: dict | None = None

    @classmethod
    def build(cls, html: str, values: dict[str, str], images: dict[str, str],
              url_fetcher, link_slots: tuple[str, ...] = ()) -> "Stencil | None":
        """Lay `html` (marked with `mark_slots`) out once; `values` are the marked texts as
        rendered, `images` the marked images' src, `link_slots` the values that may be part
        of a link's address (the caller makes sure no other value is). None when the design
        cannot be one."""
        try:
            return cls._build(html, values, images, url_fetcher, link_slots)
        except _Unsupported:
            return None

    @classmethod
    def _build(cls, html, values, images, url_fetcher, link_slots):
        document = HTML(string=html, base_url="about:blank", url_fetcher=url_fetcher).render(
            font_config=font_config())
        if len(document.pages) != 1:
            raise _Unsupported("pages")
        page = document.pages[0]
        statics, places, areas = [], [], []
        image_slots = {src: slot for slot, src in images.items()}
        _walk(page._page_box, [], statics, places, areas, image_slots)
        found = {p.slot for p in places}
        if found != {slot for slot, text in values.items() if text.strip()}:
            raise _Unsupported("slots")
        if {a.slot for a in areas} != set(images):
            raise _Unsupported("images")
        links, kept = [], []
        for link in page.links:
            link_type, target, rectangle = link[0], link[1], link[2]
            if link_type == "external" and any(values.get(slot) and values[slot] in target
                                               for slot in link_slots):
                links.append(_Link(target, tuple(rectangle)))
            else:
                kept.append(link)
        page.links[:] = kept
        title = document.metadata.title or ""
        base = document.write_pdf()
        stream = TextStream()
        stream.stream.extend(_begin(page.height))
        for box in statics:
            _draw(stream, box)
        stream.stream.append(b"Q")
        content = b"\n".join(_bytes(op) for op in stream.stream)
        reader = PdfReader(io.BytesIO(base))
        pdf_page = reader.pages[0]
        page_entries = _entries(pdf_page, skip=("/Resources", "/Contents", "/Annots"))
        contents = _value(pdf_page, "/Contents")
        annots = _value(pdf_page, "/Annots")
        resources = pdf_page["/Resources"].get_object()
        resources_entries = _entries(resources, skip=("/Font",))
        trailer = reader.trailer
        trailer_id = b""
        if "/ID" in trailer:
            buffer = io.BytesIO()
            trailer["/ID"].write_to_stream(buffer)
            trailer_id = b"/ID " + buffer.getvalue()
        return cls(base=base if base.endswith(b"\n") else base + b"\n",
                   page_height=page.height, page_number=pdf_page.indirect_reference.idnum,
                   page_entries=page_entries, contents=contents, annots=annots,
                   resources_entries=resources_entries,
                   root=f"{trailer.raw_get('/Root').idnum} 0 R".encode(),
                   prev=int(base[base.rfind(b"startxref") + 9:].split()[0]),
                   size=int(trailer["/Size"]), trailer_id=trailer_id,
                   static_content=content, static_glyphs=glyphs_by_font(content),
                   static_fonts=dict(stream.used), places=places, areas=areas, links=links,
                   values=dict(values), title=title)

    def layouts(self, values: dict[str, str]) -> dict | None:
        """Each marked text laid out in its place's style: {slot: (layout, width, fonts)}, or
        None when one would not fit on its line."""
        laid = {}
        styles = {}
        for place in self.places:
            styles.setdefault(place.slot, place)
        for slot, place in styles.items():
            text = _transform(" ".join(values[slot].split()), place.box.style)
            layout, _length, resume, width, _height, _baseline = split_first_line(
                text, place.box.style, _Context(), None, 0)
            if resume is not None or width > place.box.width + place.room + 1e-6:
                return None
            layout.reactivate(place.box.style)
            fonts = _layout_fonts(layout)
            layout.deactivate()
            laid[slot] = (text, layout, width, fonts)
        return laid

    def fonts_key_of(self, laid: dict) -> tuple:
        """Which fonts each value uses: a stencil serves the values of its own fonts key."""
        return tuple(sorted((slot, laid[slot][3]) for slot in laid))

    def fill(self, values: dict[str, str], laid: dict, qr_matrices: dict[str, list],
             metadata: dict[str, str], links: dict[str, str]) -> bytes:
        """The PDF with `values` in their places (laid out by `layouts` of a stencil of the
        same fonts key), QR modules drawn in the image areas, links and metadata."""
        stream = TextStream()
        stream.stream.extend(_begin(self.page_height))
        for place in self.places:
            text, layout, width, _fonts = laid[place.slot]
            if not text:
                continue
            box = place.box.copy()
            box.text = text
            box.pango_layout = layout
            box.width = width
            box.position_x = place.box.position_x + place.align * (place.box.width - width)
            _draw(stream, box)
        for area in self.areas:
            stream.stream.extend(_qr_ops(area, qr_matrices[area.slot]))
        stream.stream.append(b"Q")
        content = b"\n".join(_bytes(op) for op in stream.stream)
        return self._write(content, {**self.static_fonts, **stream.used}, metadata,
                           [(link.target.replace(self.values[slot], value), link.rect)
                            for link in self.links
                            for slot, value in links.items()
                            if self.values.get(slot) and self.values[slot] in link.target])

    def _write(self, content: bytes, fonts: dict[str, Font], metadata: dict[str, str],
               links: list) -> bytes:
        """The base PDF and an incremental update: this page's fonts, its text (the static
        stream and `content`), link annotations, document information, the page again with
        them, and a cross-reference stream pointing back at the base's."""
        glyphs: dict[str, set[int]] = {name: set(g) for name, g in self.static_glyphs.items()}
        for name, found in glyphs_by_font(content).items():
            glyphs.setdefault(name, set()).update(found)
        update = _Update(self.size)
        # WeasyPrint's page stream leaves its coordinate flip in force: isolate it.
        save, restore = update.add(pydyf.Stream([b"q"])), update.add(pydyf.Stream([b"Q"]))
        font_refs, maps = [], {}
        for name in sorted(name for name in glyphs if glyphs[name]):
            made, new_ids = font_objects(fonts[name], glyphs[name], update.number)
            for item in made:
                update.add(item, numbered=True)
            if new_ids is not None:
                maps[name] = new_ids
            font_refs.append(f"/{name} {made[0].number} 0 R".encode())
        static = update.add(pydyf.Stream([remap(self.static_content, maps)], compress=True))
        variable = update.add(pydyf.Stream([remap(content, maps)], compress=True))
        resources = update.raw(b"<<" + self.resources_entries + b" /Font << "
                               + b" ".join(font_refs) + b" >> >>")
        annotations = [update.add(self._link(target, rect))
                       for target, rect in dict.fromkeys(links)]
        info = update.add(pydyf.Dictionary({key: pydyf.String(value)
                                            for key, value in metadata.items() if value}))
        annots = b" ".join([self.annots, *(a.reference for a in annotations)]).strip()
        update.raw(b"<<" + self.page_entries + b" /Resources " + resources
                   + b" /Contents [" + b" ".join([save.reference, self.contents,
                                                  restore.reference, static.reference,
                                                  variable.reference]) + b"]"
                   + (b" /Annots [" + annots + b"]" if annots else b"") + b" >>",
                   number=self.page_number)
        return update.write(self.base, self.prev, self.root + f" /Info {info.number} 0 R ".encode()
                            + self.trailer_id)

    def _link(self, target: str, rect: tuple) -> pydyf.Dictionary:
        """A link annotation; `rect` is (x1, y1, x2, y2) in CSS pixels from the top left."""
        x1, y1, x2, y2 = rect
        box = (x1 * SCALE, (self.page_height - y2) * SCALE, x2 * SCALE,
               (self.page_height - y1) * SCALE)
        return pydyf.Dictionary({
            "Type": "/Annot", "Subtype": "/Link", "Rect": pydyf.Array([round(v, 3) for v in box]),
            "Border": pydyf.Array([0, 0, 0]),
            "A": pydyf.Dictionary({"Type": "/Action", "S": "/URI", "URI": pydyf.String(target)})})


class _Update:
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


def _bytes(op) -> bytes:
    return op if isinstance(op, bytes) else str(op).encode()


class _Context:
    """What `split_first_line` reads of WeasyPrint's layout context (nothing, for a line
    without hyphenation)."""

    font_config = None
    dictionaries: dict = {}
    strut_layouts: dict = {}
    tables: dict = {}


def _layout_fonts(layout) -> tuple:
    """The font keys a laid-out line uses (a line's height follows its fonts)."""
    line, _index = layout.get_first_line()
    found = set()
    run = line.runs[0] if line.runs != wffi.NULL else wffi.NULL
    while run != wffi.NULL:
        found.add(get_pango_font_key(run.data.item.analysis.font)[0])
        run = run.next
    return tuple(sorted(found))


def _transform(text: str, style) -> str:
    transform = style["text_transform"]
    if transform == "none":
        return text
    if transform == "uppercase":
        return text.upper()
    if transform == "lowercase":
        return text.lower()
    raise _Unsupported("text-transform")


def _entries(dictionary, skip) -> bytes:
    """A pypdf dictionary's entries (references kept) as PDF syntax, some keys left out."""
    buffer = io.BytesIO()
    for key, value in dictionary.items():
        if key in skip:
            continue
        buffer.write(b" " + key.encode() + b" ")
        value.write_to_stream(buffer)
    return buffer.getvalue()


def _value(dictionary, key) -> bytes:
    """One entry's value as PDF syntax, without brackets when it is an array."""
    if key not in dictionary:
        return b""
    buffer = io.BytesIO()
    dictionary.raw_get(key).write_to_stream(buffer)
    return buffer.getvalue().strip().strip(b"[]")


def _walk(box, chain, statics, places, areas, image_slots, slot=None, owner=None):
    style = box.style
    if style["opacity"] < 1 or style["transform"]:
        if _has_text(box):
            raise _Unsupported("opacity or transform")
    element = getattr(box, "element", None)
    if element is not None and getattr(box, "element_tag", None) == "span" \
            and element.get("data-slot") and isinstance(box, boxes.InlineBox):
        slot, owner = element.get("data-slot"), element
    if isinstance(box, boxes.TextBox):
        if style["text_decoration_line"] != "none":
            raise _Unsupported("decorated text")
        if slot is None:
            statics.append(box)
        elif any(place.owner is owner for place in places):
            raise _Unsupported(f"{slot} wraps")  # one value, two lines
        else:
            places.append(_place(slot, box, chain, owner))
        _detach(box, chain)
        return
    if isinstance(box, boxes.ReplacedBox) and element is not None \
            and element.get("src") in image_slots:
        areas.append(_Area(image_slots[element.get("src")], box.content_box_x(),
                           box.content_box_y(), box.width, box.height))
        _detach(box, chain)
        return
    for child in list(getattr(box, "children", ())):
        _walk(child, [*chain, box], statics, places, areas, image_slots, slot, owner)


def _has_text(box) -> bool:
    if isinstance(box, boxes.TextBox):
        return True
    return any(_has_text(child) for child in getattr(box, "children", ()))


def _detach(box, chain) -> None:
    parent = chain[-1]
    parent.children = [child for child in parent.children if child is not box]


def _place(slot, box, chain, owner) -> _Place:
    """Check the text is alone on its line in a box whose width does not depend on it."""
    line = next((b for b in reversed(chain) if isinstance(b, boxes.LineBox)), None)
    if line is None:
        raise _Unsupported("no line")
    block = chain[chain.index(line) - 1]
    others = [t for t in _texts(line) if t is not box and t.text.strip()]
    if others:
        raise _Unsupported("shares its line")
    for ancestor in chain[:chain.index(line)]:
        if _shrinks(chain, ancestor):
            raise _Unsupported(f"shrink-to-fit: {slot} in {type(ancestor).__name__}")
    align = {"left": 0, "start": 0, "center": .5, "right": 1, "end": 1}.get(
        block.style["text_align_all"])
    if align is None or block.style["direction"] != "ltr":
        raise _Unsupported("alignment")
    used = sum(child.margin_width() for child in line.children)
    room = max(0.0, block.width - used)
    return _Place(slot, box, align, room, owner)


def _shrinks(chain, box) -> bool:
    """True when the box's width follows its content (so a longer value would move things)."""
    if isinstance(box, (boxes.InlineBlockBox, boxes.FlexContainerBox)):
        return True
    if isinstance(box, boxes.TableCellBox):
        return not _fixed_table(chain, box)
    if (box.is_floated() or box.is_absolutely_positioned()) and box.style["width"] == "auto":
        table = next((c for c in box.children if isinstance(c, boxes.TableBox)), None) \
            if getattr(box, "is_table_wrapper", False) else None
        return table is None or table.style["width"] == "auto" \
            or table.style["table_layout"] != "fixed"
    return False


def _fixed_table(chain, cell) -> bool:
    table = next((b for b in reversed(chain[:chain.index(cell)])
                  if isinstance(b, boxes.TableBox)), None)
    return table is not None and table.style["table_layout"] == "fixed"


def _texts(box):
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from _texts(child)


def _qr_ops(area: _Area, matrix: list, border: int = 2) -> list[bytes]:
    """The QR modules in the area as the SVG image draws them (`border` quiet modules): a
    stroke one module high along each run of dark modules in a row."""
    size = len(matrix) + 2 * border
    cell_x, cell_y = area.width / size, area.height / size
    ops = [b"q", b"0 0 0 RG", f"{cell_y:.4f} w".encode()]
    for row, modules in enumerate(matrix):
        y = area.y + (row + border + .5) * cell_y
        column = 0
        while column < len(modules):
            if modules[column]:
                start = column
                while column < len(modules) and modules[column]:
                    column += 1
                ops.append(f"{area.x + (start + border) * cell_x:.3f} {y:.3f} m "
                           f"{area.x + (column + border) * cell_x:.3f} {y:.3f} l".encode())
            else:
                column += 1
    ops += [b"S", b"Q"]
    return ops


