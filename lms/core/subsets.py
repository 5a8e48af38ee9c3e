"""Compact font subsets for PDFs: just the glyphs a document shows, renumbered.

WeasyPrint subsets a font keeping every glyph slot up to the highest glyph id used ("retain
gids"): Chinese ideographs sit high in Noto Sans CJK, so a page with one Chinese name carried
about 750 KB of font program per face. Here HarfBuzz's subset plan keeps only the glyphs used
and says where each went. TrueType outlines get a CIDToGIDMap from the page's glyph ids to the
new ones (the content stays as it is); CFF outlines (the CJK faces) are renumbered in the
content streams too. `compact_fonts` does this to every WeasyPrint PDF (it is `html_to_pdf`'s
finisher); `lms.core.stencil` builds its fonts with `font_objects`.

The FontConfiguration and the fonts read from disk are kept per thread (one per worker
process for the usual one thread): fontconfig's sorted sets, Pango's fonts and the font files
are loaded once, not for every PDF.
"""

import hashlib
import re
import threading
from collections import OrderedDict

import pydyf
from cffi import FFI
from weasyprint.pdf.fonts import Font
from weasyprint.pdf.stream import Stream
from weasyprint.text.ffi import ffi as wffi
from weasyprint.text.fonts import FontConfiguration, get_pango_font_key

from lms.core import fonts

_local = threading.local()


def font_config() -> FontConfiguration:
    """This thread's FontConfiguration (one per worker process for the usual one thread):
    fontconfig's sorted sets and the fonts Pango opened are reused from one PDF to the next,
    until fontconfig's files change (`lms.core.fonts.coverage` tells: fonts installed, or
    another FONTCONFIG_FILE), when a new one is made and the kept subsets are dropped."""
    coverage = fonts.coverage()
    if getattr(_local, "coverage", None) is not coverage:
        _local.font_config = FontConfiguration()
        _local.fonts = {}
        _local.coverage = coverage
        forget_subsets()
    return _local.font_config


class UnsupportedFont(Exception):
    """A font these subsets do not handle: variable (WeasyPrint instantiates it first),
    bitmap or colour (emoji drawn as images). The caller leaves it to WeasyPrint."""


def _check(font: Font) -> Font:
    if "fvar" in font.tables or font.bitmap or font.png or font.svg or font.colr:
        raise UnsupportedFont(font.family)
    return font


class TextStream(Stream):
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
            fonts[key].file_content = b""  # a copy of the whole file: subsets read hb_face
        font = _check(fonts[key])
        self.used[font.hash] = font
        return font, font_size


GLYPHS = re.compile(rb"/([A-Z]{6}) [-0-9.]+ Tf|<([0-9a-f]+)>")


def glyphs_by_font(content: bytes) -> dict[str, set[int]]:
    """The glyph ids each font (by resource name) shows in a content stream."""
    found: dict[str, set[int]] = {}
    current = None
    for match in GLYPHS.finditer(content):
        if match.group(1):
            current = found.setdefault(match.group(1).decode(), set())
        elif current is not None:
            hexes = match.group(2)
            current.update(int(hexes[i:i + 4], 16) for i in range(0, len(hexes), 4))
    return found


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


def remap(content: bytes, maps: dict[str, dict[int, int]]) -> bytes:
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

    return GLYPHS.sub(replace, content)


def font_objects(font: Font, glyphs: set[int], number: int
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




def _object(pdf: pydyf.PDF, reference) -> pydyf.Object:
    """The object a reference ("12 0 R") names."""
    return pdf.objects[int(bytes(reference).split()[0])]


def compact_fonts(document, pdf: pydyf.PDF) -> None:
    """WeasyPrint finisher: replace each font program (every glyph slot kept up to the
    highest used) by a compact subset of the glyphs the document shows, renumbering CFF
    glyphs in the content streams. Bitmap fonts and fonts with missing glyphs stay as they
    are."""
    by_hash = {font.hash: font for font in document.fonts.values()}
    maps: dict[str, dict[int, int]] = {}
    for item in list(pdf.objects):
        if not (isinstance(item, pydyf.Dictionary) and item.get("Subtype") == "/Type0"):
            continue
        name = bytes(pydyf._to_bytes(item["BaseFont"])).lstrip(b"/")
        font = by_hash.get(name[:6].decode())
        if font is None or font.missing or not font.widths or font.used_in_forms:
            continue
        try:
            _check(font)
        except UnsupportedFont:
            continue
        old_descriptor = _object(pdf, _object(pdf, item["DescendantFonts"][0])["FontDescriptor"])
        old_program = next(_object(pdf, old_descriptor[key]) for key in
                           ("FontFile2", "FontFile3") if key in old_descriptor)
        # The Type0 dictionary keeps its number (the pages' resources name it): the new
        # objects follow the last one, and the new Type0 entries are copied into it.
        made, new_ids = font_objects(font, set(font.widths), len(pdf.objects) - 1)
        for new in made[1:]:
            pdf.objects.append(new)
        item.clear()
        item.update(made[0])
        # The old objects stay (pydyf numbers objects by position), emptied of the program.
        old_program.stream = [b""]
        old_program.extra.pop("Length1", None)
        if new_ids is not None:
            maps[font.hash] = new_ids
    if not maps:
        return
    for item in pdf.objects:
        if isinstance(item, pydyf.Stream) and b"BT" in item.stream:
            item.stream = [remap(b"\n".join(pydyf._to_bytes(op) for op in item.stream), maps)]
