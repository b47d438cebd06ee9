"""The schema model between sql/ and planner/: what the tables really are, and where that was read."""

from .model import (
    ColumnInfo,
    ConstraintInfo,
    ForeignKeyRef,
    IndexInfo,
    Schema,
    SequenceInfo,
    TableInfo,
    TriggerInfo,
    ViewInfo,
)

__all__ = [
    "ColumnInfo",
    "ConstraintInfo",
    "ForeignKeyRef",
    "IndexInfo",
    "Schema",
    "SequenceInfo",
    "TableInfo",
    "TriggerInfo",
    "ViewInfo",
]
