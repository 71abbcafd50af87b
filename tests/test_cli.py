from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from services.cli.cutout import main
from tests.images import disc, encode, sample


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "nested").mkdir(parents=True)
    (folder / "cat.jpg").write_bytes(sample("chelsea.jpg"))
    (folder / "nested" / "disc.png").write_bytes(encode(disc(), "PNG"))
    return folder


def test_folder_in_files_out(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main([str(inbox), "-o", str(out), "--mask", "--white-bg"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "cat.png",
        "cat_mask.jpg",
        "cat_white.jpg",
        "disc.png",
        "disc_mask.jpg",
        "disc_white.jpg",
    ]
    assert Image.open(out / "cat.png").mode == "RGBA"


def test_bad_file_is_reported_skipped_and_fails_the_run(
    inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (inbox / "notes.jpg").write_text("not a photo")
    out = tmp_path / "out"
    assert main([str(inbox), "-o", str(out), "--format", "webp"]) == 1
    err = capsys.readouterr().err
    assert "notes.jpg" in err
    assert "1 of 3 files failed" in err
    assert sorted(p.name for p in out.iterdir()) == ["cat.webp", "disc.webp"]


def test_never_overwrites_an_input(inbox: Path) -> None:
    original = (inbox / "nested" / "disc.png").read_bytes()
    assert main([str(inbox / "nested" / "disc.png"), "-o", str(inbox / "nested")]) == 0
    assert (inbox / "nested" / "disc.png").read_bytes() == original
    assert Image.open(inbox / "nested" / "disc-2.png").mode == "RGBA"


def test_missing_input_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.jpg"), "-o", str(tmp_path / "out")]) == 1
    assert "nope.jpg" in capsys.readouterr().err


def test_a_colour_background_and_a_square_crop(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cat = str(inbox / "cat.jpg")
    assert main([cat, "-o", str(out), "--bg", "#FF0000", "--crop", "square", "--margin", "5"]) == 0
    image = Image.open(out / "cat.png")
    assert image.mode == "RGB"
    assert image.width == image.height


@pytest.mark.parametrize("flags", [["--bg", "blur"], ["--crop", "9:16", "--format", "jpg"]])
def test_blur_and_story_crops(inbox: Path, tmp_path: Path, flags: list[str]) -> None:
    out = tmp_path / "out"
    assert main([str(inbox / "nested" / "disc.png"), "-o", str(out), *flags]) == 0
    [written] = list(out.iterdir())
    image = Image.open(written)
    if "9:16" in flags:
        assert abs(image.width / image.height - 9 / 16) < 0.01
    else:
        assert image.size == (160, 120)


def test_a_photo_file_as_the_background(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    backdrop = tmp_path / "beach.png"
    backdrop.write_bytes(encode(Image.new("RGB", (64, 64), (0, 0, 255)), "PNG"))
    assert main([str(inbox / "nested" / "disc.png"), "-o", str(out), "--bg", str(backdrop)]) == 0
    assert Image.open(out / "disc.png").convert("RGB").getpixel((1, 1)) == (0, 0, 255)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--bg", "#XYZ"], "#RRGGBB"),
        (["--crop", "circle"], "not a crop"),
        (["--crop", "square", "--margin", "500"], "margin"),
        (["--bg", "no-such-file.png"], "no-such-file.png"),
    ],
)
def test_bad_look_flags_are_a_clear_error(
    inbox: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    message: str,
) -> None:
    assert main([str(inbox), "-o", str(tmp_path / "out"), *flags]) == 2
    assert message in capsys.readouterr().err
