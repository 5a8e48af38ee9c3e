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
from dataclasses import dataclass

import pydyf
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.draw.text import draw_text
from weasyprint.pdf.fonts import Font
from weasyprint.text.ffi import ffi as wffi
from weasyprint.text.fonts import get_pango_font_key
from weasyprint.text.line_break import split_first_line

from lms.core.stencil.marks import Marked, mark_slots
from lms.core.stencil.places import Area, Place, Unsupported, walk
from lms.core.stencil.update import Update, entries, value
from lms.core.subsets import TextStream, font_config, font_objects, glyphs_by_font, remap

__all__ = ["Marked", "Stencil", "mark_slots"]

SCALE = 0.75  # PDF points per CSS pixel


def _begin(page_height: float) -> list[bytes]:
    return [b"q", f"1 0 0 -1 0 {page_height * SCALE:g} cm".encode(),
            f"{SCALE} 0 0 {SCALE} 0 0 cm".encode()]


def _draw(stream: TextStream, box) -> None:
    draw_text(stream, box, 0, "clip", "none")


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
    places: list[Place]
    areas: list[Area]
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
        except Unsupported:
            return None

    @classmethod
    def _build(cls, html, values, images, url_fetcher, link_slots):
        document = HTML(string=html, base_url="about:blank", url_fetcher=url_fetcher).render(
            font_config=font_config())
        if len(document.pages) != 1:
            raise Unsupported("pages")
        page = document.pages[0]
        statics, places, areas = [], [], []
        image_slots = {src: slot for slot, src in images.items()}
        walk(page._page_box, [], statics, places, areas, image_slots)
        found = {p.slot for p in places}
        if found != {slot for slot, text in values.items() if text.strip()}:
            raise Unsupported("slots")
        if {a.slot for a in areas} != set(images):
            raise Unsupported("images")
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
        page_entries = entries(pdf_page, skip=("/Resources", "/Contents", "/Annots"))
        contents = value(pdf_page, "/Contents")
        annots = value(pdf_page, "/Annots")
        resources = pdf_page["/Resources"].get_object()
        resources_entries = entries(resources, skip=("/Font",))
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
        update = Update(self.size)
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
    raise Unsupported("text-transform")


def _qr_ops(area: Area, matrix: list, border: int = 2) -> list[bytes]:
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
