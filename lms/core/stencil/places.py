"""Where a stencil's values sit on the laid-out page, and whether the design allows one:
every value alone on its line in a box whose width does not depend on it, no text rotated,
translucent or decorated."""

from dataclasses import dataclass

from weasyprint.formatting_structure import boxes


class Unsupported(Exception):
    """The design cannot be a stencil (see the module)."""


@dataclass
class Place:
    """Where one marked text sits: its WeasyPrint text box (style, position, width) and how
    much its line may grow and which way (0 start, .5 centre, 1 end)."""

    slot: str
    box: object
    align: float
    room: float
    owner: object  # the value's <span>: one line per span


@dataclass
class Area:
    """A marked image (the QR code): its content box in CSS pixels."""

    slot: str
    x: float
    y: float
    width: float
    height: float


def walk(box, chain, statics, places, areas, image_slots, slot=None, owner=None):
    """Sort the page's text boxes into `statics` and the values' `places`, and the marked
    images (their src in `image_slots`) into `areas`, detaching each from the page, which
    WeasyPrint then paints without text; raises Unsupported for a design that cannot be a
    stencil."""
    style = box.style
    if style["opacity"] < 1 or style["transform"]:
        if _has_text(box):
            raise Unsupported("opacity or transform")
    element = getattr(box, "element", None)
    if element is not None and getattr(box, "element_tag", None) == "span" \
            and element.get("data-slot") and isinstance(box, boxes.InlineBox):
        slot, owner = element.get("data-slot"), element
    if isinstance(box, boxes.TextBox):
        if style["text_decoration_line"] != "none":
            raise Unsupported("decorated text")
        if slot is None:
            statics.append(box)
        elif any(place.owner is owner for place in places):
            raise Unsupported(f"{slot} wraps")  # one value, two lines
        else:
            places.append(_place(slot, box, chain, owner))
        _detach(box, chain)
        return
    if isinstance(box, boxes.ReplacedBox) and element is not None \
            and element.get("src") in image_slots:
        areas.append(Area(image_slots[element.get("src")], box.content_box_x(),
                           box.content_box_y(), box.width, box.height))
        _detach(box, chain)
        return
    for child in list(getattr(box, "children", ())):
        walk(child, [*chain, box], statics, places, areas, image_slots, slot, owner)


def _has_text(box) -> bool:
    if isinstance(box, boxes.TextBox):
        return True
    return any(_has_text(child) for child in getattr(box, "children", ()))


def _detach(box, chain) -> None:
    parent = chain[-1]
    parent.children = [child for child in parent.children if child is not box]


def _place(slot, box, chain, owner) -> Place:
    """Check the text is alone on its line in a box whose width does not depend on it."""
    line = next((b for b in reversed(chain) if isinstance(b, boxes.LineBox)), None)
    if line is None:
        raise Unsupported("no line")
    block = chain[chain.index(line) - 1]
    others = [t for t in _texts(line) if t is not box and t.text.strip()]
    if others:
        raise Unsupported("shares its line")
    for ancestor in chain[:chain.index(line)]:
        if _shrinks(chain, ancestor):
            raise Unsupported(f"shrink-to-fit: {slot} in {type(ancestor).__name__}")
    align = {"left": 0, "start": 0, "center": .5, "right": 1, "end": 1}.get(
        block.style["text_align_all"])
    if align is None or block.style["direction"] != "ltr":
        raise Unsupported("alignment")
    used = sum(child.margin_width() for child in line.children)
    room = max(0.0, block.width - used)
    return Place(slot, box, align, room, owner)


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
