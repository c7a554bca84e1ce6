"""The forms module's ``__all__`` names every class and function it offers."""

from __future__ import annotations

import inspect

import helpers._forms as forms


def test_all_names_exactly_the_public_classes_and_functions() -> None:
    offered = {
        name
        for name, value in vars(forms).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == forms.__name__
    }

    assert offered == set(forms.__all__) - {"TEST_MODELS"}
    assert len(set(forms.__all__)) == len(forms.__all__)
    assert forms.TEST_MODELS.keys() == {"offline", "aws"}
