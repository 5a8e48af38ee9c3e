"""The shared PDF renderer: real PDFs, CJK glyphs embedded in compact subsets that print as
WeasyPrint's own, no file or network fetches."""

import base64
import subprocess

from lms.core.pdf import PDF_FONT_STACK, html_to_pdf

# A 1×1 red PNG.
PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5d9d8e30000000049454e44ae426082"
)).decode()


def _document(body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><style>body {{ font-family: "
            f"{PDF_FONT_STACK}; }}</style></head><body>{body}</body></html>")


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_renders_text_in_latin_and_chinese_with_a_cjk_font(tmp_path):
    pdf = html_to_pdf(_document("<p>Certificate for 王小明 and Zoë Müller</p>"))
    assert pdf.startswith(b"%PDF")
    text = _text(pdf, tmp_path)
    assert "王小明" in text and "Zoë Müller" in text
    (tmp_path / "fonts.pdf").write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "fonts.pdf")], capture_output=True,
                           text=True, check=True).stdout
    assert "CJK" in fonts


def test_data_urls_load_but_files_and_network_are_refused(tmp_path, caplog):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    with_data = html_to_pdf(_document(f"<img src='data:image/png;base64,{PIXEL}'>"))
    without = html_to_pdf(_document("<p></p>"))
    assert len(with_data) > len(without)  # the embedded image made it in
    pdf = html_to_pdf(_document(
        f"<img src='file://{secret}'><link rel='stylesheet' href='http://127.0.0.1:9/x.css'>"
        f"<object data='file://{secret}'></object>"))
    assert "top secret" not in _text(pdf, tmp_path)
    assert "must be data: URLs" in caplog.text



def test_fonts_are_compact_subsets_that_print_the_same(tmp_path):
    from PIL import Image, ImageChops
    from weasyprint import HTML

    html = _document("<h1>证书 Certificate</h1><p>王小明, Zoë Müller, สมชาย ใจดี, "
                     "فاطمة الزهراء, प्रिया, 김민준</p><p><b>粗体 Bold</b></p>")
    compact = html_to_pdf(html)
    weasyprint = HTML(string=html).write_pdf()  # WeasyPrint's own subsets, as they were
    assert len(compact) < len(weasyprint) / 3
    images = []
    for name, data in (("compact", compact), ("weasyprint", weasyprint)):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile",
                        str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
        images.append(Image.open(tmp_path / f"{name}.png").convert("L"))
    assert ImageChops.difference(*images).getbbox() is None  # not a pixel differs
    fonts = subprocess.run(["pdffonts", str(tmp_path / "compact.pdf")], capture_output=True,
                           text=True, check=True).stdout.splitlines()[2:]
    assert len(fonts) >= 6 and all(" yes yes yes " in line for line in fonts), fonts
    assert "王小明" in _text(compact, tmp_path) and "Zoë Müller" in _text(compact, tmp_path)
