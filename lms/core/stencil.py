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
not depend on it (so a longer name cannot move anything else), nothing is rotated or
translucent, and the page is one page; `Stencil.build` returns None otherwise, and `fill`
returns None for a value that would not fit on one line: the caller then renders the whole
document with WeasyPrint, which is always right, only slower.

Marking: the template renders with `Marked` values; their HTML is the escaped text between
private-use sentinels, which `mark_slots` turns into `<span data-slot>` in text and plain text
inside attributes and the title. A page is laid out again (a new variant) when a value needs
other fonts than the variant's (a Chinese name after a Latin one: line heights follow fonts).
"""

import hashlib
import io
import re
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass

import pydyf
from cffi import FFI
from markupsafe import escape
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.draw.text import draw_text
from weasyprint.formatting_structure import boxes
from weasyprint.pdf.fonts import Font
from weasyprint.pdf.stream import Stream
from weasyprint.text.ffi import ffi as wffi
from weasyprint.text.fonts import FontConfiguration, get_pango_font_key
from weasyprint.text.line_break import split_first_line

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
    attributes and the title; None when a value landed in a style or a script."""
    lower = html.lower()
    out, last = [], 0
    for match in _SENTINEL.finditer(html):
        start = match.start()
        before = lower[:start]
        out.append(html[last:start])
        raw = [tag for tag in _RAW_TEXT if before.rfind("<" + tag) > before.rfind("</" + tag)]
        if raw and raw[0] in ("style", "script") or "style=" in before[before.rfind("<"):] \
                and before.rfind("<") > before.rfind(">"):
            return None
        inside_tag = before.rfind("<") > before.rfind(">")
        if raw or inside_tag:
            out.append(match.group(2))
        else:
            out.append(f'<span data-slot="{match.group(1)}">{match.group(2)}</span>')
        last = match.end()
    out.append(html[last:])
    return "".join(out)


# --- per-thread WeasyPrint state: one FontConfiguration, the fonts read once --------------

_local = threading.local()


def font_config() -> FontConfiguration:
    """This thread's FontConfiguration (one per worker process for the usual one thread):
    fontconfig's sorted sets and the fonts Pango opened are reused from one PDF to the next."""
    if getattr(_local, "font_config", None) is None:
        _local.font_config = FontConfiguration()
        _local.fonts = {}
    return _local.font_config


class _TextStream(Stream):
    """A WeasyPrint stream whose fonts are this thread's (read from disk once, not per PDF)."""

    def __init__(self):
        font_config()
        super().__init__(fonts={}, page_rectangle=(0, 0, 0, 0), resources={
            "ExtGState": pydyf.Dictionary()}, images={}, tags=None, color_profiles={},
            output_intent=None, compress=False)
        self.used: dict[str, Font] = {}

    def add_font(self, pango_font):
        key, description, font_size = get_pango_font_key(pango_font)
        fonts = _local.fonts
        if key not in fonts:
            fonts[key] = Font(pango_font, description, font_size)
        font = fonts[key]
        self.used[font.hash] = font
        return font, font_size


_GLYPHS = re.compile(rb"/([A-Z]{6}) [-0-9.]+ Tf|<([0-9a-f]+)>")


def _glyphs_by_font(content: bytes) -> dict[str, set[int]]:
    """The glyph ids each font (by resource name) shows in a content stream."""
    found: dict[str, set[int]] = {}
    current = None
    for match in _GLYPHS.finditer(content):
        if match.group(1):
            current = found.setdefault(match.group(1).decode(), set())
        elif current is not None:
            hexes = match.group(2)
            current.update(int(hexes[i:i + 4], 16) for i in range(0, len(hexes), 4))
    return found


def _begin(page_height: float) -> list[bytes]:
    return [b"q", f"1 0 0 -1 0 {page_height * SCALE:g} cm".encode(),
            f"{SCALE} 0 0 {SCALE} 0 0 cm".encode()]


def _draw(stream: _TextStream, box) -> None:
    draw_text(stream, box, 0, "clip", "none")


# --- font subsets -------------------------------------------------------------------------

_hb = FFI()
_hb.cdef("""
    typedef struct hb_face_t hb_face_t; typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_subset_input_t hb_subset_input_t; typedef struct hb_set_t hb_set_t;
    typedef struct hb_map_t hb_map_t; typedef struct hb_subset_plan_t hb_subset_plan_t;
    hb_subset_input_t *hb_subset_input_create_or_fail(void);
    void hb_subset_input_destroy(hb_subset_input_t *input);
    hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
    hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
    void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
    void hb_set_add(hb_set_t *set, unsigned int codepoint);
    void hb_set_clear(hb_set_t *set);
    hb_subset_plan_t *hb_subset_plan_create_or_fail(hb_face_t *face,
                                                    const hb_subset_input_t *input);
    void hb_subset_plan_destroy(hb_subset_plan_t *plan);
    hb_face_t *hb_subset_plan_execute_or_fail(hb_subset_plan_t *plan);
    const hb_map_t *hb_subset_plan_old_to_new_glyph_mapping(const hb_subset_plan_t *plan);
    unsigned int hb_map_get(const hb_map_t *map, unsigned int key);
    hb_blob_t *hb_face_reference_blob(hb_face_t *face);
    const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
    void hb_blob_destroy(hb_blob_t *blob);
    void hb_face_destroy(hb_face_t *face);
""")
_subset_lib = _hb.dlopen("libharfbuzz-subset.so.0")
_PASSTHROUGH, _NO_HINTING, _DESUBROUTINIZE = 0x40, 0x01, 0x04


SUBSETS = 256
_subsets: OrderedDict = OrderedDict()
_subsets_lock = threading.Lock()


def subset_font(font: Font, glyphs: set[int]) -> tuple[bytes, dict[int, int]]:
    """The font reduced to these glyphs (and .notdef), renumbered: its bytes and the map
    from the original glyph ids to the new ones. The last SUBSETS are kept: most pages of a
    batch share the glyphs of their dates, serials and scores."""
    key = (font.hash, frozenset(glyphs))
    with _subsets_lock:
        found = _subsets.get(key)
        if found is not None:
            _subsets.move_to_end(key)
            return found
    found = _subset(font, glyphs)
    with _subsets_lock:
        _subsets[key] = found
        while len(_subsets) > SUBSETS:
            _subsets.popitem(last=False)
    return found


def forget_subsets() -> None:
    """Drop the kept subsets (benchmarks measure a page whose glyphs are new)."""
    with _subsets_lock:
        _subsets.clear()


def _subset(font: Font, glyphs: set[int]) -> tuple[bytes, dict[int, int]]:
    face = _hb.cast("hb_face_t *", int(wffi.cast("uintptr_t", font.hb_face)))
    plan_input = _subset_lib.hb_subset_input_create_or_fail()
    try:
        glyph_set = _subset_lib.hb_subset_input_glyph_set(plan_input)
        _subset_lib.hb_set_clear(_subset_lib.hb_subset_input_unicode_set(plan_input))
        for glyph in (0, *sorted(glyphs)):
            _subset_lib.hb_set_add(glyph_set, glyph)
        _subset_lib.hb_subset_input_set_flags(
            plan_input, _PASSTHROUGH | _NO_HINTING | _DESUBROUTINIZE)
        plan = _subset_lib.hb_subset_plan_create_or_fail(face, plan_input)
    finally:
        _subset_lib.hb_subset_input_destroy(plan_input)
    if plan == _hb.NULL:
        raise RuntimeError(f"cannot subset {font.family}")
    try:
        mapping = _subset_lib.hb_subset_plan_old_to_new_glyph_mapping(plan)
        new_ids = {glyph: _subset_lib.hb_map_get(mapping, glyph) for glyph in glyphs}
        subset = _subset_lib.hb_subset_plan_execute_or_fail(plan)
    finally:
        _subset_lib.hb_subset_plan_destroy(plan)
    blob = _subset_lib.hb_face_reference_blob(subset)
    length = _hb.new("unsigned int *")
    data = bytes(_hb.buffer(_subset_lib.hb_blob_get_data(blob, length), length[0]))
    _subset_lib.hb_blob_destroy(blob)
    _subset_lib.hb_face_destroy(subset)
    return data, new_ids


def _tag(font: Font, glyphs: set[int]) -> str:
    digest = hashlib.md5(font.hash.encode() + repr(sorted(glyphs)).encode(),
                         usedforsecurity=False).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


def _remap(content: bytes, maps: dict[str, dict[int, int]]) -> bytes:
    """The content stream with the glyph ids of the fonts in `maps` renumbered."""
    if not maps:
        return content
    current = None

    def replace(match):
        nonlocal current
        if match.group(1):
            current = maps.get(match.group(1).decode())
            return match.group(0)
        if current is None:
            return match.group(0)
        hexes = match.group(2)
        return b"<" + b"".join(b"%04x" % current[int(hexes[i:i + 4], 16)]
                               for i in range(0, len(hexes), 4)) + b">"

    return _GLYPHS.sub(replace, content)


def _font_objects(font: Font, glyphs: set[int], number: int
                  ) -> tuple[list[pydyf.Object], dict[int, int] | None]:
    """The PDF objects of a compact subset of `font` (the Type0 font first), numbered from
    `number`, and for CFF outlines the new glyph ids the page must show (TrueType keeps the
    page's ids: a CIDToGIDMap maps them to the renumbered glyphs)."""
    data, new_ids = subset_font(font, glyphs)
    opentype = data[:4] == b"OTTO"
    glyphs = sorted(glyphs)
    name = f"/{_tag(font, set(glyphs))}+{font.name.decode().split('+', 1)[1]}"
    program = pydyf.Stream([data], pydyf.Dictionary(
        {"Subtype": "/OpenType"} if opentype else {"Length1": len(data)}), compress=True)
    cids = {g: new_ids[g] for g in glyphs} if opentype else {g: g for g in glyphs}
    widths = {cids[g]: font.widths.get(g, 0) for g in glyphs}
    max_x = max(widths.values()) if widths else 0
    descriptor = pydyf.Dictionary({
        "Type": "/FontDescriptor", "FontName": name, "FontFamily": pydyf.String(font.family),
        "Flags": font.flags, "FontBBox": pydyf.Array((0, font.descent, max_x, font.ascent)),
        "ItalicAngle": 0, "Ascent": font.ascent, "Descent": font.descent,
        "CapHeight": font.ascent, "StemV": font.stemv, "StemH": font.stemh})
    pdf_widths = pydyf.Array()
    for cid in sorted(widths):
        if cid - 1 not in widths:
            pdf_widths.append(cid)
            run = pydyf.Array()
            pdf_widths.append(run)
        run.append(widths[cid])
    cid_font = pydyf.Dictionary({
        "Type": "/Font", "Subtype": f"/CIDFontType{0 if opentype else 2}", "BaseFont": name,
        "CIDSystemInfo": pydyf.Dictionary({"Registry": pydyf.String("Adobe"),
                                           "Ordering": pydyf.String("Identity"),
                                           "Supplement": 0}),
        "W": pdf_widths})
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    mapped = sorted((cids[g], font.to_unicode[g]) for g in glyphs if font.to_unicode.get(g))
    for start in range(0, len(mapped), 100):
        part = mapped[start:start + 100]
        lines.append(f"{len(part)} beginbfchar".encode())
        lines.extend(f"<{g:04x}> <{text.encode('utf-16-be').hex()}>".encode()
                     for g, text in part)
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    to_unicode = pydyf.Stream(lines, compress=True)
    objects = [pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type0", "BaseFont": name,
                                 "Encoding": "/Identity-H"}),
               cid_font, descriptor, program, to_unicode]
    if not opentype:
        table = bytearray(2 * (glyphs[-1] + 1))
        for old, new in new_ids.items():
            table[2 * old:2 * old + 2] = new.to_bytes(2, "big")
        objects.append(pydyf.Stream([bytes(table)], compress=True))
    for offset, item in enumerate(objects):
        item.number = number + offset
    type0, cid_font, descriptor, program, to_unicode = objects[:5]
    type0["DescendantFonts"] = pydyf.Array([cid_font.reference])
    type0["ToUnicode"] = to_unicode.reference
    cid_font["FontDescriptor"] = descriptor.reference
    descriptor[f"FontFile{3 if opentype else 2}"] = program.reference
    if not opentype:
        cid_font["CIDToGIDMap"] = objects[5].reference
    return objects, (new_ids if opentype else None)


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

    @classmethod
    def build(cls, html: str, values: dict[str, str], images: dict[str, str],
              url_fetcher) -> "Stencil | None":
        """Lay `html` (marked with `mark_slots`) out once; `values` are the marked texts as
        rendered, `images` the marked images' src. None when the design cannot be one."""
        try:
            return cls._build(html, values, images, url_fetcher)
        except _Unsupported:
            return None

    @classmethod
    def _build(cls, html, values, images, url_fetcher):
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
            if link_type == "external" and any(v and v in target for v in values.values()):
                links.append(_Link(target, tuple(rectangle)))
            else:
                kept.append(link)
        page.links[:] = kept
        title = document.metadata.title or ""
        base = document.write_pdf()
        stream = _TextStream()
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
                   static_content=content, static_glyphs=_glyphs_by_font(content),
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
        stream = _TextStream()
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
        glyphs: dict[str, set[int]] = {name: set(g) for name, g in self.static_glyphs.items()}
        for name, found in _glyphs_by_font(content).items():
            glyphs.setdefault(name, set()).update(found)
        number = self.size
        objects: list[pydyf.Object] = []

        def add(item):
            nonlocal number
            item.number = number
            number += 1
            objects.append(item)
            return item

        # WeasyPrint's page stream leaves its coordinate flip in force: isolate it.
        save, restore = add(pydyf.Stream([b"q"])), add(pydyf.Stream([b"Q"]))
        font_refs, maps = [], {}
        for name in sorted(glyphs):
            if not glyphs[name]:
                continue
            made, new_ids = _font_objects(fonts[name], glyphs[name], number)
            if new_ids is not None:
                maps[name] = new_ids
            number += len(made)
            objects.extend(made)
            font_refs.append(f"/{name} {made[0].number} 0 R".encode())
        static = add(pydyf.Stream([_remap(self.static_content, maps)], compress=True))
        variable = add(pydyf.Stream([_remap(content, maps)], compress=True))
        resources = add(pydyf.Object())
        resources_data = (b"<<" + self.resources_entries + b" /Font << " + b" ".join(font_refs)
                          + b" >> >>")
        annotations = []
        for target, (x1, y1, x2, y2) in dict.fromkeys(links):
            rect = (x1 * SCALE, (self.page_height - y2) * SCALE, x2 * SCALE,
                    (self.page_height - y1) * SCALE)
            annotations.append(add(pydyf.Dictionary({
                "Type": "/Annot", "Subtype": "/Link",
                "Rect": pydyf.Array([round(v, 3) for v in rect]),
                "Border": pydyf.Array([0, 0, 0]),
                "A": pydyf.Dictionary({"Type": "/Action", "S": "/URI",
                                       "URI": pydyf.String(target)})})))
        info = add(pydyf.Dictionary({key: pydyf.String(value)
                                     for key, value in metadata.items() if value}))
        page_data = (b"<<" + self.page_entries + b" /Resources " + resources.reference
                     + b" /Contents [" + save.reference + b" " + self.contents + b" "
                     + restore.reference + b" " + static.reference
                     + b" " + variable.reference + b"]"
                     + ((b" /Annots [" + b" ".join([self.annots, *(a.reference for a in
                                                                   annotations)]) + b"]")
                        if annotations or self.annots else b"") + b" >>")
        out = bytearray(self.base)
        offsets = {}
        for item in objects:
            offsets[item.number] = len(out)
            if item is resources:
                out += f"{item.number} 0 obj\n".encode() + resources_data + b"\nendobj\n"
            else:
                out += item.indirect + b"\n"
        offsets[self.page_number] = len(out)
        out += f"{self.page_number} 0 obj\n".encode() + page_data + b"\nendobj\n"
        xref_number = number
        offsets[xref_number] = len(out)
        numbers = sorted(offsets)
        index, rows = [], bytearray()
        for n in numbers:
            if not index or index[-2] + index[-1] != n:
                index += [n, 0]
            index[-1] += 1
            rows += b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00"
        xref = zlib.compress(bytes(rows))
        out += (f"{xref_number} 0 obj\n<< /Type /XRef /Size {xref_number + 1} /W [1 4 2] "
                f"/Index [{' '.join(map(str, index))}] /Prev {self.prev} /Root ").encode() \
            + self.root + f" /Info {info.number} 0 R ".encode() + self.trailer_id \
            + f" /Filter /FlateDecode /Length {len(xref)} >>\nstream\n".encode() + xref \
            + f"\nendstream\nendobj\nstartxref\n{offsets[xref_number]}\n%%EOF\n".encode()
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


def _walk(box, chain, statics, places, areas, image_slots, slot=None):
    style = box.style
    if style["opacity"] < 1 or style["transform"]:
        if _has_text(box):
            raise _Unsupported("opacity or transform")
    element = getattr(box, "element", None)
    if element is not None and getattr(box, "element_tag", None) == "span" \
            and element.get("data-slot") and isinstance(box, boxes.InlineBox):
        slot = element.get("data-slot")
    if isinstance(box, boxes.TextBox):
        if style["text_decoration_line"] != "none" or style["visibility"] != "visible":
            raise _Unsupported("decorated text")
        if slot is None:
            statics.append(box)
        else:
            places.append(_place(slot, box, chain))
        _detach(box, chain)
        return
    if isinstance(box, boxes.ReplacedBox) and element is not None \
            and element.get("src") in image_slots:
        areas.append(_Area(image_slots[element.get("src")], box.content_box_x(),
                           box.content_box_y(), box.width, box.height))
        _detach(box, chain)
        return
    for child in list(getattr(box, "children", ())):
        _walk(child, [*chain, box], statics, places, areas, image_slots, slot)


def _has_text(box) -> bool:
    if isinstance(box, boxes.TextBox):
        return True
    return any(_has_text(child) for child in getattr(box, "children", ()))


def _detach(box, chain) -> None:
    parent = chain[-1]
    parent.children = [child for child in parent.children if child is not box]


def _place(slot, box, chain) -> _Place:
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
    return _Place(slot, box, align, room)


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


