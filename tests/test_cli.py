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
