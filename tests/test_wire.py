import pytest

from services.contract.wire import MODELS, as_model


@pytest.mark.parametrize("name", MODELS)
def test_a_stored_model_name_becomes_the_contracts_model(name: str) -> None:
    assert as_model(name) == name


@pytest.mark.parametrize("name", [None, "", "Fast", "u2net"])
def test_anything_else_is_refused(name: str | None) -> None:
    with pytest.raises(ValueError, match="unknown model"):
        as_model(name)
