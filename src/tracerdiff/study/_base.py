"""The base model of study-file sections: frozen, unknown keys forbidden."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["ID_PATTERN", "Model"]

#: ids of histories, stages, measurements and analyses
ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"


class Model(BaseModel):
    """Frozen pydantic model that forbids unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
