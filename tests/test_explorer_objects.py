"""Objects made in callees keep apart from their callers' objects.

A callee names the objects it makes apart from its caller's ('folio#c1'), and the caller
renames them after its own when the call returns.  A callee of a callee names its objects
apart from both ('folio#cc1'): two folios taken at two depths stay two folios, each with its
own lock and reference, in the paths that end holding both.
"""

from __future__ import annotations

from pte_check.explore import machine
from pte_check.explore.budget import Budget
from pte_check.explore.run import explore
from pte_check.lowering import lower_functions
from pte_check.model.contract import CONTRACTS
from pte_check.model.resources import Resource

NESTED = """
static struct folio *inner(struct vm_fault *vmf)
{
	return first_map_page(vmf->vma->vm_file->f_mapping, &xas, 0);
}

static vm_fault_t middle(struct vm_fault *vmf)
{
	struct folio *mine = first_map_page(vmf->vma->vm_file->f_mapping, &xas, 0);
	struct folio *theirs;

	if (!mine)
		return 0;
	theirs = inner(vmf);
	if (!theirs)
		return VM_FAULT_RETRY;
	return VM_FAULT_LOCKED;
}

static vm_fault_t outer(struct vm_fault *vmf)
{
	return middle(vmf);
}
"""


def test_folios_taken_at_two_depths_stay_two() -> None:
    machine._SUMMARIES.clear()
    result = explore(lower_functions(NESTED), "outer", CONTRACTS["6.5"], Budget(), races=0)
    both = [p for p in result.paths if getattr(p.value, "value", None) == 0x200]
    assert both
    for path in both:
        locked = {obj for (resource, obj), count in path.world.held.items()
                  if resource is Resource.FOLIO_LOCK and count == 1}
        referenced = {obj for (resource, obj), count in path.world.held.items()
                      if resource is Resource.FOLIO_REF and count == 1}
        assert len(locked) == 2 and locked == referenced, path.world.held
