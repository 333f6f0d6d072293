"""Stored documents read back as records, each distinct text decoded once (SQL stores)."""

from __future__ import annotations

import functools
from typing import TypeVar, cast

from pydantic import BaseModel

__all__ = ["decoded"]

_Record = TypeVar("_Record", bound=BaseModel)


@functools.lru_cache(maxsize=4096)
def _decode(model: type[BaseModel], doc: str) -> BaseModel:
    return model.model_validate_json(doc)


def decoded(model: type[_Record], doc: str) -> _Record:
    """The record a stored document holds. Records are frozen and a document's text fixes its
    content, so one decoded record serves every read of the same text: the planner reads a
    run's tasks again at every step, and decoding their prompts each time cost it about a
    third of its CPU under bench/bench_e2e.py (py-spy)."""
    return cast(_Record, _decode(model, doc))
