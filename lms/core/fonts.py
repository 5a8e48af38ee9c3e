"""Which characters the PDF fonts can draw on this machine, asked of fontconfig itself.

WeasyPrint lays text out with Pango, and Pango finds fonts through fontconfig: for each
character it takes the first font, in the order fontconfig sorts them for the document's
font-family list, that has a glyph for it, and draws an empty box when none has. So the
question "will this text print?" is answered by the same library with the same
configuration (FONTCONFIG_FILE and the system's fonts.conf): the union of the character sets
of the fonts sorted for `PDF_FONT_STACK`. The configuration is loaded once per process and
again when fontconfig says its files or font folders changed (fonts installed while the site
runs count from the next document on).

`SCRIPTS` lists the writing systems the stack is meant to cover, each with the font and the
Debian package that brings it; the admin's System page, `flask --app lms doctor` and the
start-up warning report them.
"""

import os
import threading
import unicodedata
from dataclasses import dataclass

from cffi import FFI
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# Latin, Greek and Cyrillic in Noto Sans first: a Latin-only page then carries a small
# subset of it, not of the 65,535-glyph CJK face; Chinese (and kana, hangul) falls to Noto
# Sans CJK SC, the Simplified Chinese face, whatever the page's language.
PDF_FONT_STACK = ('"Noto Sans", "Noto Sans CJK SC", "Noto Sans SC", "Noto Sans Thai", '
                  '"Noto Sans Devanagari", "Noto Sans Arabic", "Noto Sans Hebrew", '
                  '"DejaVu Sans", sans-serif')
FONT_PACKAGES = ("fonts-noto-cjk", "fonts-noto-core")
INSTALL_COMMAND = "apt-get install " + " ".join(FONT_PACKAGES)


@dataclass(frozen=True)
class Script:
    """A writing system the PDFs must draw: the font the stack names for it (`font`, and
    `also` the stack's other fonts that serve as well), the package bringing it, sample
    characters, and the prefixes of the Unicode character names that belong to it."""

    key: str
    label: LazyString
    font: str
    package: str
    sample: str
    prefixes: tuple[str, ...]
    also: tuple[str, ...] = ()

    @property
    def fonts(self) -> tuple[str, ...]:
        return (self.font, *self.also)


_CJK = ("Noto Sans SC",)
_LATIN = ("Noto Sans CJK SC", "Noto Sans SC")
SCRIPTS: tuple[Script, ...] = (
    Script("latin", _l("Latin"), "Noto Sans", "fonts-noto-core", "Zoë Müller Łukasz Nguyễn Álvarez",
           ("LATIN",), _LATIN),
    Script("greek", _l("Greek"), "Noto Sans", "fonts-noto-core", "Γιώργος Παπαδόπουλος",
           ("GREEK",), _LATIN),
    Script("cyrillic", _l("Cyrillic"), "Noto Sans", "fonts-noto-core", "Анна Смирнова",
           ("CYRILLIC",), _LATIN),
    Script("chinese", _l("Chinese"), "Noto Sans CJK SC", "fonts-noto-cjk", "陈静王芳刘洋",
           ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "CJK RADICAL",
            "KANGXI RADICAL", "IDEOGRAPHIC", "BOPOMOFO", "FULLWIDTH", "HALFWIDTH"), _CJK),
    Script("japanese", _l("Japanese kana"), "Noto Sans CJK SC", "fonts-noto-cjk",
           "さとう サトウ", ("HIRAGANA", "KATAKANA"), _CJK),
    Script("korean", _l("Korean"), "Noto Sans CJK SC", "fonts-noto-cjk", "김민준 이서연",
           ("HANGUL",), _CJK),
    Script("thai", _l("Thai"), "Noto Sans Thai", "fonts-noto-core", "สมชาย ใจดี", ("THAI",)),
    Script("devanagari", _l("Devanagari"), "Noto Sans Devanagari", "fonts-noto-core", "प्रिया",
           ("DEVANAGARI",)),
    Script("arabic", _l("Arabic"), "Noto Sans Arabic", "fonts-noto-core", "فاطمة الزهراء",
           ("ARABIC",)),
    Script("hebrew", _l("Hebrew"), "Noto Sans Hebrew", "fonts-noto-core", "נועה כהן",
           ("HEBREW",)),
)

# Characters that take no glyph of their own: Pango lays them out without a box.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}


def script_of(char: str) -> Script | None:
    """The listed script a character belongs to (None for punctuation, symbols, others)."""
    name = unicodedata.name(char, "")
    for script in SCRIPTS:
        if name.startswith(script.prefixes):
            return script
    return None


def needs_glyph(char: str) -> bool:
    """False for spaces, controls and format characters (joiners, direction marks), and for
    variation selectors: nothing is drawn for them, so no font needs them."""
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return False
    return not ("\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef")


_ffi = FFI()
_ffi.cdef("""
    typedef int FcBool;
    typedef unsigned int FcChar32;
    typedef unsigned char FcChar8;
    typedef struct _FcConfig FcConfig;
    typedef struct _FcPattern FcPattern;
    typedef struct _FcCharSet FcCharSet;
    typedef struct _FcFontSet { int nfont; int sfont; FcPattern **fonts; } FcFontSet;
    typedef enum { FcResultMatch, FcResultNoMatch, FcResultTypeMismatch, FcResultNoId,
                   FcResultOutOfMemory } FcResult;
    typedef enum { FcMatchPattern, FcMatchFont, FcMatchScan } FcMatchKind;
    FcConfig *FcInitLoadConfigAndFonts(void);
    void FcConfigDestroy(FcConfig *config);
    FcBool FcConfigUptoDate(FcConfig *config);
    FcPattern *FcNameParse(const FcChar8 *name);
    void FcPatternDestroy(FcPattern *p);
    FcBool FcConfigSubstitute(FcConfig *config, FcPattern *p, FcMatchKind kind);
    void FcDefaultSubstitute(FcPattern *pattern);
    FcFontSet *FcFontSort(FcConfig *config, FcPattern *p, FcBool trim, FcCharSet **csp,
                          FcResult *result);
    void FcFontSetDestroy(FcFontSet *s);
    FcBool FcCharSetHasChar(const FcCharSet *fcs, FcChar32 ucs4);
    void FcCharSetDestroy(FcCharSet *fcs);
    FcResult FcPatternGetString(const FcPattern *p, const char *object, int n, FcChar8 **s);
    FcResult FcPatternGetCharSet(const FcPattern *p, const char *object, int n, FcCharSet **c);
""")
_fontconfig = None


def _library():
    global _fontconfig
    if _fontconfig is None:
        # The same shared library WeasyPrint loads (it needs it, so it is installed).
        for name in ("libfontconfig.so.1", "fontconfig", "libfontconfig-1",
                     "libfontconfig.1.dylib"):
            try:
                _fontconfig = _ffi.dlopen(name)
                break
            except OSError:
                continue
        else:
            raise OSError("fontconfig (libfontconfig.so.1) is not installed")
    return _fontconfig


def _fontconfig_pattern() -> bytes:
    """PDF_FONT_STACK as a fontconfig name: families separated by commas, unquoted."""
    families = [family.strip().strip('"') for family in PDF_FONT_STACK.split(",")]
    return ",".join(f.replace("-", r"\-") for f in families).encode()


class FontCoverage:
    """The fonts fontconfig sorts for the PDF stack on this machine, in Pango's fallback
    order, and the characters they draw between them."""

    def __init__(self):
        lib = _library()
        self._lib = lib
        self.config_file = os.environ.get("FONTCONFIG_FILE", "")
        self._config = _ffi.gc(lib.FcInitLoadConfigAndFonts(), lib.FcConfigDestroy)
        pattern = _ffi.gc(lib.FcNameParse(_fontconfig_pattern()), lib.FcPatternDestroy)
        lib.FcConfigSubstitute(self._config, pattern, lib.FcMatchPattern)
        lib.FcDefaultSubstitute(pattern)
        charset = _ffi.new("FcCharSet **")
        result = _ffi.new("FcResult *")
        fonts = lib.FcFontSort(self._config, pattern, 0, charset, result)
        self._fonts = _ffi.gc(fonts, lib.FcFontSetDestroy) if fonts != _ffi.NULL else None
        self._charset = (_ffi.gc(charset[0], lib.FcCharSetDestroy)
                         if fonts != _ffi.NULL and charset[0] != _ffi.NULL else None)

    def up_to_date(self) -> bool:
        """False when the configuration file changed or fonts were added or removed since."""
        return (os.environ.get("FONTCONFIG_FILE", "") == self.config_file
                and bool(self._lib.FcConfigUptoDate(self._config)))

    def draws(self, char: str) -> bool:
        """True when some font of the stack (or fontconfig's fallback) has a glyph for it."""
        return self._charset is not None and bool(self._lib.FcCharSetHasChar(self._charset,
                                                                             ord(char)))

    def missing(self, text: str) -> list[str]:
        """The distinct characters of `text` that would print as empty boxes, in order."""
        seen: dict[str, None] = {}
        for char in text:
            if char not in seen and needs_glyph(char) and not self.draws(char):
                seen[char] = None
        return list(seen)

    def family_drawing(self, text: str) -> str | None:
        """The family of the first font in fallback order that draws all of `text`."""
        if self._fonts is None:
            return None
        points = [ord(c) for c in text if needs_glyph(c)]
        family = _ffi.new("FcChar8 **")
        charset = _ffi.new("FcCharSet **")
        for index in range(self._fonts.nfont):
            font = self._fonts.fonts[index]
            if self._lib.FcPatternGetCharSet(font, b"charset", 0, charset) != 0:
                continue
            if all(self._lib.FcCharSetHasChar(charset[0], point) for point in points):
                if self._lib.FcPatternGetString(font, b"family", 0, family) != 0:
                    return "?"
                return _ffi.string(family[0]).decode()
        return None


_lock = threading.Lock()
_current: list[FontCoverage] = []


def coverage() -> FontCoverage:
    """This process's font coverage, loaded again when fontconfig's files changed."""
    with _lock:
        if not _current or not _current[0].up_to_date():
            _current[:] = [FontCoverage()]
        return _current[0]


@dataclass(frozen=True)
class ScriptCoverage:
    """How one script prints here: `drawn_with` is the family drawing its sample (None:
    nothing can, it would print as boxes). Status "ok" when that is a font the stack names
    for it, "fallback" when another font stands in, "missing" when none does."""

    script: Script
    drawn_with: str | None

    @property
    def status(self) -> str:
        if self.drawn_with is None:
            return "missing"
        return "ok" if self.drawn_with in self.script.fonts else "fallback"


def script_coverage(fonts: FontCoverage | None = None) -> list[ScriptCoverage]:
    """Every listed script and the font that draws it on this machine."""
    fonts = fonts or coverage()
    return [ScriptCoverage(script, fonts.family_drawing(script.sample)
                           if not fonts.missing(script.sample) else None)
            for script in SCRIPTS]


def scripts_without_their_font() -> list[str]:
    """Keys of the scripts not drawn by their own (Noto) font here: what to install."""
    return [found.script.key for found in script_coverage() if found.status != "ok"]
