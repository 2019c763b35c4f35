"""Reading what the user has (diffs, format-patch files, mboxes, review replies) as a PatchSeries."""

from __future__ import annotations

from pte_check.inputs.patch import FileDiff, Hunk, Line, Patch, PatchSeries
from pte_check.inputs.read import read_bytes, read_series, read_text

__all__ = ["FileDiff", "Hunk", "Line", "Patch", "PatchSeries", "read_bytes", "read_series",
           "read_text"]
