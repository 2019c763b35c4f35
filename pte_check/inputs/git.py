"""A git revision range of a kernel checkout, read as the mbox `git format-patch` writes."""

from __future__ import annotations

import subprocess

from pte_check.errors import InputError
from pte_check.inputs.patch import PatchSeries
from pte_check.inputs.read import read_bytes

# Fixed prefixes, no colour, no external diff drivers, no renames guessed differently: the
# user's git configuration must not change what is read.
_FORMAT_PATCH = ["-c", "core.quotepath=off", "-c", "diff.noprefix=false", "-c",
                 "diff.mnemonicPrefix=false", "-c", "diff.renames=true", "format-patch",
                 "--stdout", "--no-color", "--no-ext-diff", "--no-textconv",
                 "--src-prefix=a/", "--dst-prefix=b/", "--no-signature"]


def read_git_range(revisions: str, checkout: str = ".") -> PatchSeries:
    """The commits of `revisions` (e.g. `v6.4..HEAD`), oldest first, as one series."""
    source = f"git range {revisions}"
    try:
        done = subprocess.run(["git", "-C", checkout, *_FORMAT_PATCH, revisions, "--"],
                              capture_output=True, check=False, timeout=300)
    except FileNotFoundError:
        raise InputError(source, None, "git is not installed") from None
    except subprocess.TimeoutExpired:
        raise InputError(source, None, "git format-patch did not finish in 300 s") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(source, None, f"git format-patch failed: "
                                       f"{reason[-1] if reason else 'no reason given'}")
    if not done.stdout.strip():
        raise InputError(source, None, "the range holds no commits")
    return read_bytes(done.stdout, source)
