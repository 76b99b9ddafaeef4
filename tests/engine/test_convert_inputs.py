"""Conversion of the odd inputs a hostile pass brought: see-through pixels, CMYK print files, EXIF thumbnails,
animations, formats whose encoding an output should keep, and outputs too large for their format."""

import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.config import ConvertConfig
from engine.convert import convert_folder, decode, encode, without_thumbnail
from engine.events import FileDone
from engine.modelfile import load_model
from tests.conftest import write_images

CPU = ConvertConfig(device="cpu", workers=1, compile="off")
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")  # Debian's ghostscript ships one


@pytest.fixture
def model(model_file):
    return load_model(model_file)


def convert(model, src: Path, dst: Path, **options):
    events = []
    summary = convert_folder(model, src, dst, ConvertConfig(**{**CPU.__dict__, **options}), events.append)
    return summary, events


def disc(background: tuple) -> Image.Image:
    """A red disc on a see-through background of the given (hidden) colour."""
    yy, xx = np.mgrid[:48, :64]
    inside = (yy - 24) ** 2 + (xx - 32) ** 2 < 15**2
    pixels = np.zeros((48, 64, 4), np.uint8)
    pixels[:] = background
    pixels[inside] = (220, 30, 30, 255)
    return Image.fromarray(pixels, "RGBA")


def test_see_through_pixels_are_translated_over_white_whatever_colour_they_hide(model, tmp_path):
    """A logo on a transparent background came out on black in a JPEG (its hidden colour), while Preview showed it on
    white; in a PNG the visible pixels changed with the hidden colour."""
    src = tmp_path / "in"
    src.mkdir()
    disc((0, 0, 0, 0)).save(src / "black.png")
    disc((0, 200, 0, 0)).save(src / "green.png")
    white = disc((255, 255, 255, 255)).convert("RGB")
    white.save(src / "white.png")
    summary, _ = convert(model, src, tmp_path / "jpg", format="jpg", quality=100)
    assert summary.ok
    reference = np.asarray(Image.open(tmp_path / "jpg" / "white.jpg")).astype(int)
    for name in ("black", "green"):
        assert np.abs(np.asarray(Image.open(tmp_path / "jpg" / f"{name}.jpg")).astype(int) - reference).max() <= 2
    summary, _ = convert(model, src, tmp_path / "png", format="png")
    visible = [np.asarray(Image.open(tmp_path / "png" / f"{n}.png").convert("RGB")) for n in ("black", "green",
                                                                                              "white")]
    inside = np.asarray(disc((0, 0, 0, 0)).getchannel("A")) == 255
    assert np.array_equal(visible[0][inside], visible[2][inside]) and np.array_equal(visible[1][inside],
                                                                                     visible[2][inside])


def test_a_colour_key_is_kept_as_transparency(model, tmp_path):
    """PNGs whose transparency is one key colour (tRNS, as optipng writes logos) came out opaque on black."""
    src = tmp_path / "in"
    src.mkdir()
    disc((0, 0, 0, 0)).convert("RGB").save(src / "keyed.png", transparency=(0, 0, 0))
    disc((0, 0, 0, 0)).convert("L").save(src / "grey.png", transparency=0)
    summary, _ = convert(model, src, tmp_path / "out")
    assert summary.ok
    for name in ("keyed", "grey"):
        out = Image.open(tmp_path / "out" / f"{name}.png")
        assert out.mode == "RGBA"
        alpha = np.asarray(out.getchannel("A"))
        assert alpha[0, 0] == 0 and alpha[24, 32] == 255


@pytest.mark.skipif(not CMYK_PROFILE.is_file(), reason="no CMYK colour profile on this machine")
def test_a_cmyk_picture_is_read_through_its_own_profile(tmp_path):
    """Pillow's plain CMYK conversion ignores the profile: print files came out oversaturated."""
    from PIL import ImageCms

    pixels = np.zeros((8, 8, 4), np.uint8)
    pixels[..., 1:3] = 255  # full magenta and yellow: a print's red
    profile = CMYK_PROFILE.read_bytes()
    Image.fromarray(pixels, "CMYK").save(tmp_path / "red.jpg", icc_profile=profile, quality=100)
    decoded = decode(tmp_path / "red.jpg", 3)
    with Image.open(tmp_path / "red.jpg") as img:
        managed = ImageCms.profileToProfile(img, ImageCms.getOpenProfile(str(CMYK_PROFILE)),
                                            ImageCms.createProfile("sRGB"), outputMode="RGB")
    red = tuple(decoded.pixels[:, 4, 4].tolist())
    assert red == managed.getpixel((4, 4)) and red != (255, 0, 0)
    assert decoded.icc is None  # sRGB now: the CMYK profile is not carried over


def exif_with_thumbnail() -> bytes:
    """Raw EXIF as a camera writes it: IFD0 (Make, Orientation), then IFD1 pointing at a JPEG thumbnail."""
    thumb = b"\xff\xd8thumbnail\xff\xd9"
    make = b"Cam\x00"
    ifd0 = 8
    ifd1 = ifd0 + 2 + 2 * 12 + 4
    data = ifd1 + 2 + 2 * 12 + 4
    out = b"II*\x00" + struct.pack("<I", ifd0)
    out += struct.pack("<H", 2) + struct.pack("<HHI4s", 0x010F, 2, 4, make)
    out += struct.pack("<HHIHH", 0x0112, 3, 1, 1, 0) + struct.pack("<I", ifd1)
    out += struct.pack("<H", 2) + struct.pack("<HHII", 0x0201, 4, 1, data) + struct.pack("<HHII", 0x0202, 4, 1,
                                                                                           len(thumb))
    out += struct.pack("<I", 0) + thumb
    return b"Exif\x00\x00" + out


def test_the_originals_exif_thumbnail_is_not_carried_into_the_result(model, tmp_path):
    """File managers showed the unconverted picture: its thumbnail came with the EXIF."""
    raw = exif_with_thumbnail()
    unlinked = without_thumbnail(raw)
    assert struct.unpack("<I", unlinked[6 + 8 + 2 + 24:6 + 8 + 2 + 24 + 4]) == (0,)
    assert struct.unpack("<I", raw[6 + 8 + 2 + 24:6 + 8 + 2 + 24 + 4]) != (0,)
    src = tmp_path / "in"
    src.mkdir()
    Image.new("RGB", (32, 24), (90, 120, 150)).save(src / "camera.jpg", exif=raw)
    summary, _ = convert(model, src, tmp_path / "out")
    assert summary.ok
    result = Image.open(tmp_path / "out" / "camera.jpg")
    assert result.getexif().get(0x010F) == "Cam"  # the rest of the EXIF is kept
    assert result.info["exif"] == unlinked
    assert without_thumbnail(b"not exif at all") == b"not exif at all"


def camera_tiff(path: Path) -> None:
    """A scanner's or raw converter's TIFF: its EXIF lives in the file's own header, turned a quarter (Orientation 6)."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0132], exif[0x0112] = "Cam", "Model 7", "2024:05:06 07:08:09", 6
    exif[0x8769] = {0x9003: "2024:05:06 07:08:00", 0x829A: 0.008, 0x927C: b"offsets into this file"}
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.5)}
    Image.new("RGB", (40, 24), (90, 120, 150)).save(path, exif=exif.tobytes())


@pytest.mark.parametrize("output_format", ["keep", "jpg"])
def test_a_tiffs_exif_is_carried_and_nothing_of_its_layout(model, tmp_path, output_format):
    """A TIFF's camera, date and place were dropped (its EXIF is not in ``info`` as a JPEG's is). Its whole header
    would be wrong to carry: its strip offsets and sample layout would overwrite the output's own."""
    src = tmp_path / "in"
    src.mkdir()
    camera_tiff(src / "scan.tif")
    summary, _ = convert(model, src, tmp_path / "out", format=output_format)
    assert summary.ok
    result = Image.open(next((tmp_path / "out").iterdir()))
    result.load()
    assert result.size == (24, 40)  # turned upright once, and not turned again by a viewer
    exif = result.getexif()
    assert (exif.get(0x010F), exif.get(0x0110), exif.get(0x0132)) == ("Cam", "Model 7", "2024:05:06 07:08:09")
    assert exif.get(0x0112, 1) == 1
    assert exif.get_ifd(0x8769).get(0x9003) == "2024:05:06 07:08:00" and 0x927C not in exif.get_ifd(0x8769)
    assert exif.get_ifd(0x8825).get(1) == "N"
    assert result.format == ("TIFF" if output_format == "keep" else "JPEG")


def test_a_compressed_tiff_keeps_what_describes_the_photo(tmp_path):
    """libtiff, which writes LZW and Deflate TIFFs, cannot take EXIF's own directories ("Error setting from
    dictionary"): such an output keeps the camera and date of its header, and is written."""
    camera_tiff(tmp_path / "scan.tif")
    decoded = decode(tmp_path / "scan.tif", 3, "TIFF")
    decoded.kept["compression"] = "tiff_lzw"
    encode(decoded.pixels, decoded, tmp_path / "out.tif", "TIFF", 95)
    result = Image.open(tmp_path / "out.tif")
    assert result.info["compression"] == "tiff_lzw" and result.getexif().get(0x010F) == "Cam"
    assert np.asarray(result).shape == (40, 24, 3)


def test_only_the_first_frame_of_an_animation_is_converted_and_that_is_said(model, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    frames = [Image.new("RGB", (24, 16), colour) for colour in ("red", "green", "blue")]
    frames[0].save(src / "anim.gif", save_all=True, append_images=frames[1:])
    summary, events = convert(model, src, tmp_path / "out")
    assert summary.ok
    assert [e.note for e in events if isinstance(e, FileDone)] == ["only the first of its 3 frames was converted"]


def test_see_through_parts_made_white_in_a_jpeg_are_said_and_an_opaque_alpha_is_not(model, tmp_path):
    """--format jpg dropped a logo's transparency unsaid, where an animation's frames were said (a CLI pass)."""
    src = tmp_path / "in"
    src.mkdir()
    logo = Image.new("RGBA", (24, 16), (200, 0, 0, 255))
    logo.putpixel((0, 0), (0, 0, 0, 0))
    logo.save(src / "logo.png")
    Image.new("RGBA", (24, 16), (0, 200, 0, 255)).save(src / "opaque.png")  # an alpha channel, nothing see-through
    summary, events = convert(model, src, tmp_path / "out", format="jpg")
    notes = {Path(e.source).name: e.note for e in events if isinstance(e, FileDone)}
    assert summary.ok and notes == {"logo.png": "its see-through parts are white: a JPEG holds no transparency "
                                                "(PNG, WebP and TIFF do)", "opaque.png": ""}
    summary, events = convert(model, src, tmp_path / "png")  # kept where the format holds it
    assert [e.note for e in events if isinstance(e, FileDone)] == ["", ""]


def test_an_output_keeps_its_inputs_kind_of_encoding(model, tmp_path):
    """.jfif became an 8 times larger PNG, an LZW TIFF was written uncompressed, a lossless WebP lossy, and the
    print resolution and a PNG's text were lost."""
    src = tmp_path / "in"
    src.mkdir()
    picture = Image.new("RGB", (32, 24), (90, 120, 150))
    picture.save(src / "chrome.jfif", format="JPEG", dpi=(300, 300))
    picture.save(src / "scan.tif", compression="tiff_lzw", dpi=(600, 600))
    picture.save(src / "icon.webp", lossless=True)
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Description", "the harbour at dusk")
    text.add_itxt("Author", "Zoë")
    picture.save(src / "described.png", pnginfo=text)
    summary, _ = convert(model, src, tmp_path / "out")
    assert summary.ok
    out = tmp_path / "out"
    assert Image.open(out / "chrome.jfif").format == "JPEG"
    assert Image.open(out / "chrome.jfif").info["dpi"] == pytest.approx((300, 300))
    assert Image.open(out / "scan.tif").info["compression"] == "tiff_lzw"
    assert Image.open(out / "scan.tif").info["dpi"] == pytest.approx((600, 600))
    assert (out / "icon.webp").read_bytes()[12:16] == b"VP8L"
    assert Image.open(out / "described.png").text == {"Description": "the harbour at dusk", "Author": "Zoë"}


def test_an_output_too_large_for_its_format_is_refused_before_it_is_translated(model, tmp_path):
    """A 20000 px wide panorama to WebP was translated, then failed to encode ("encoding error 5")."""
    src = tmp_path / "in"
    src.mkdir()
    Image.new("RGB", (20000, 2), (90, 120, 150)).save(src / "panorama.png")
    summary, events = convert(model, src, tmp_path / "out", format="webp")
    assert summary.failed == (
        (str(src / "panorama.png"), "20000x2 is larger than WebP can hold (16383 px a side): choose PNG as the output "
                                    "format"),)  # not "convert it to PNG or TIFF": no TIFF to choose (a CLI pass)
    assert not [e for e in events if isinstance(e, FileDone)]


def test_inputs_whose_outputs_would_clash_each_get_a_name(model, tmp_path):
    """a.jpg, a.png and a_jpg.png to PNG: the whole folder was refused for the one clash."""
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.jpg", "a.png", "a_jpg.png"):
        Image.new("RGB", (16, 12), (90, 120, 150)).save(src / name)
    summary, events = convert(model, src, tmp_path / "out", format="png")
    assert summary.ok and summary.converted == 3
    written = {Path(e.source).name: Path(e.output).name for e in events if isinstance(e, FileDone)}
    assert written == {"a.png": "a.png", "a_jpg.png": "a_jpg.png", "a.jpg": "a_jpg_2.png"}  # own names kept
    Image.new("RGB", (16, 12)).save(src / "a.PNG", format="PNG")  # sorted first: it took a.png (a convert pass)
    summary, events = convert(model, src, tmp_path / "out2", format="png")
    written = {Path(e.source).name: Path(e.output).name for e in events if isinstance(e, FileDone)}
    assert summary.converted == 4 and written["a.png"] == "a.png" and written["a.PNG"] == "a_PNG.png"


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` (its pixels never come: the size is refused from the header)."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(
        b"IEND", b"")


def test_a_picture_past_pillows_own_limit_is_refused_in_the_apps_words(model, tmp_path):
    """Past 179 MP Pillow refused first, speaking of a "decompression bomb DOS attack"."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "huge.png").write_bytes(png_header_only(13400, 13400))
    summary, _ = convert(model, src, tmp_path / "out")
    assert summary.failed == ((str(src / "huge.png"), "image is too large to convert safely: 180 MP, more than the "
                                                      "178 MP this app converts; scale it down first"),)


def test_no_empty_output_folder_is_left_when_nothing_was_converted(model, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "broken.jpg").write_bytes(b"not a jpeg")
    summary, _ = convert(model, src, tmp_path / "out" / "made")
    assert summary.converted == 0 and len(summary.failed) == 1
    assert not (tmp_path / "out" / "made").exists()
    (tmp_path / "mine").mkdir()  # a folder that was there stays
    convert(model, src, tmp_path / "mine")
    assert (tmp_path / "mine").is_dir()


def test_a_photo_converted_tile_by_tile_reports_each_tile(model, tmp_path):
    """A 12000x9000 photo sat at "0/1" for six minutes, though the tile loop knew where it was."""
    from engine.events import ConvertProgress

    src = tmp_path / "in"
    src.mkdir()
    Image.new("RGB", (300, 200), (90, 120, 150)).save(src / "large.png")
    summary, events = convert(model, src, tmp_path / "out", tile=128, overlap=32, max_pixels=4096)
    assert summary.ok
    assert [(e.tile, e.tiles) for e in events if isinstance(e, ConvertProgress) and e.tiles] == [
        (tile, 6) for tile in range(1, 7)]


def test_a_16_bit_colour_key_makes_only_its_own_pixels_see_through(model, tmp_path):
    """Scaled with the pixels to 8 bits, a 16-bit key keyed out every pixel within 1/257 of it."""
    src = tmp_path / "in"
    src.mkdir()
    pixels = np.full((12, 16), 30000, np.uint16)
    pixels[0, 0], pixels[0, 1] = 1000, 1100  # 3.9 and 4.3 in 8 bits: both 4
    Image.fromarray(pixels).save(src / "grey16.png", transparency=1000)
    summary, _ = convert(model, src, tmp_path / "out")
    assert summary.ok
    alpha = np.asarray(Image.open(tmp_path / "out" / "grey16.png").getchannel("A"))
    assert alpha[0, 0] == 0 and alpha[0, 1] == 255 and (alpha[1:] == 255).all()


def test_phone_pictures_xmp_and_large_profiles_keep_their_outputs_right(model, tmp_path):
    """A phone's JPEG with a preview image (MPO) was told "only the first of its 2 frames"; XMP over 64 KB made a
    JPEG output fail; a lossless WebP with a large colour profile was written lossy."""
    src = tmp_path / "in"
    src.mkdir()
    picture = Image.new("RGB", (32, 24), (90, 120, 150))
    picture.save(src / "phone.jpg", format="MPO", save_all=True, append_images=[picture.resize((16, 12))])
    picture.save(src / "profiled.webp", lossless=True, icc_profile=b"\0" * 8000)
    summary, events = convert(model, src, tmp_path / "out")
    assert summary.ok and summary.converted == 2
    assert [e.note for e in events if isinstance(e, FileDone)] == ["", ""]
    assert (tmp_path / "out" / "profiled.webp").read_bytes().find(b"VP8L") > 0
    from PIL import PngImagePlugin

    notes = PngImagePlugin.PngInfo()
    notes.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>" + " " * 70000 + "</x:xmpmeta>")
    (tmp_path / "xmp").mkdir()
    picture.save(tmp_path / "xmp" / "notes.png", pnginfo=notes)
    assert len(Image.open(tmp_path / "xmp" / "notes.png").info["xmp"]) > 70000
    summary, _ = convert(model, tmp_path / "xmp", tmp_path / "xmp_out", format="jpg")
    assert summary.ok, summary.failed


@pytest.mark.parametrize("big", ["maker note", "description"])
def test_exif_longer_than_a_jpeg_holds_is_pared_down_or_left_out_not_a_failure(model, tmp_path, big):
    """A PNG or WebP with 100 KB of EXIF failed to convert to JPEG ("could not write a.jpg: EXIF data is too long"),
    after its whole translation (a convert pass). What describes the photo is kept where it fits, and said."""
    exif = Image.Exif()
    exif[0x010F] = "Cam"
    if big == "maker note":  # the usual culprit: dropped, the camera kept
        exif[0x8769] = {0x927C: b"m" * 100_000}
    else:  # a tag that describes the photo: nothing of it fits
        exif[0x010E] = "x" * 100_000
    src = tmp_path / "in"
    src.mkdir()
    Image.new("RGB", (32, 24), (90, 120, 150)).save(src / "a.png", exif=exif.tobytes())
    summary, events = convert(model, src, tmp_path / "out", format="jpg")
    assert summary.ok and summary.converted == 1, summary.failed
    [done] = [e for e in events if isinstance(e, FileDone)]
    result = Image.open(tmp_path / "out" / "a.jpg").getexif()
    if big == "maker note":
        assert result.get(0x010F) == "Cam"
        assert done.note == "its EXIF (97 KB) is more than a JPEG holds: only the tags that describe the photo were kept"
    else:
        assert len(result) == 0 and done.note == "its EXIF (97 KB) is more than a JPEG holds: it was left out"


def test_a_loop_of_links_is_said_to_be_one(tmp_path):
    """A link that leads back to itself was "damaged image data ([Errno 40] Too many levels of symbolic links: …)"
    (a hostile training pass)."""
    from engine.data import open_image, unreadable_reason

    (tmp_path / "a.png").symlink_to(tmp_path / "b.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "a.png")
    with pytest.raises(OSError) as raised:
        open_image(tmp_path / "a.png")
    assert unreadable_reason(raised.value) == "a link that leads back to itself (a loop of links)"


def test_photos_of_kinds_it_cannot_read_beside_others_are_named_not_passed_over(model, tmp_path):
    """A phone's HEIC photos beside its JPEGs were left out unsaid ("1 converted", no word of them), though a folder
    of HEIC alone was said to hold kinds this app cannot read (a CLI hostile pass)."""
    src = tmp_path / "in"
    write_images(src, 1)
    (src / "IMG_0001.HEIC").write_bytes(b"ftypheic")
    (src / ".hidden.heic").write_bytes(b"ftypheic")  # hidden: passed over, as hidden pictures are
    summary, _ = convert(model, src, tmp_path / "out")
    assert summary.converted == 1
    assert summary.failed == ((str(src / "IMG_0001.HEIC"), "a HEIC file, a kind this app cannot read: save it as JPEG "
                                                            "or PNG first"),)
