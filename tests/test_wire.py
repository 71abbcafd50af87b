from typing import get_args

import pytest

import storage
from services.contract.wire import IMAGE_FORMATS, MODELS, as_model
from services.engine import pipeline, registry


@pytest.mark.parametrize("name", MODELS)
def test_a_stored_model_name_becomes_the_contracts_model(name: str) -> None:
    assert as_model(name) == name


@pytest.mark.parametrize("name", [None, "", "Fast", "u2net"])
def test_anything_else_is_refused(name: str | None) -> None:
    with pytest.raises(ValueError, match="unknown model"):
        as_model(name)


def test_the_engine_knows_the_contracts_models_and_formats() -> None:
    # The engine core may not import the contract (STYLE.md), so it restates these.
    assert tuple(registry.MODELS) == MODELS
    assert get_args(pipeline.ImageFormat) == IMAGE_FORMATS


def test_storage_keeps_the_contracts_models_and_formats() -> None:
    # Storage imports only storage (STYLE.md), so it restates these.
    assert storage.MODELS == MODELS
    assert storage.IMAGE_FORMATS == IMAGE_FORMATS


def test_every_layer_knows_the_same_crops() -> None:
    # Storage and the engine core may not import the contract; the bot names each crop.
    from bot import palette, texts
    from services.contract.wire import CROP_SHAPES
    from services.engine import crops

    assert ("", *CROP_SHAPES) == storage.CROPS  # "": no crop
    assert set(CROP_SHAPES) <= set(crops.SHAPES)  # the engine also has "original" and WxH
    assert tuple(palette.CROP_KEYS.values()) == storage.CROPS
    assert tuple(texts.CROP_NAMES) == storage.CROPS
