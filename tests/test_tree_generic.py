"""Generic kernel primitives: locks on any lvalue, trylocks, kmap_local, allocators, ERR_PTR."""

from __future__ import annotations

import pytest

from pte_check.explore.budget import Budget
from pte_check.explore.run import explore
from pte_check.lowering.lower import lower_functions
from pte_check.model import generic
from pte_check.model.contract import CONTRACTS
from pte_check.model.primitives import PRIMITIVES
from pte_check.model.values import TOP, Int, Null, Ptr, Ref

Outcome = tuple[object, tuple[tuple[str, str], ...], str | None]


def outcomes(source: str, name: str = "f") -> set[Outcome]:
    """(return value, resources left held, fault message) of every path, over all entry states."""
    exploration = explore(lower_functions(source), name, CONTRACTS["6.5"], Budget())
    out: set[Outcome] = set()
    for path in exploration.paths:
        held = tuple(sorted((r.words, o) for (r, o), n in path.world.held.items() if n))
        fault = path.world.fault.message if path.world.fault else None
        value = path.value.value if isinstance(path.value, Int) else type(path.value).__name__
        out.add((value, held, fault))
    return out


def test_spinlock_on_a_field_of_an_unknown_object_is_tracked() -> None:
    leak = "int f(struct s *s)\n{\n\tspin_lock(&s->lock);\n\tif (s->x)\n\t\treturn 1;\n" \
           "\tspin_unlock(&s->lock);\n\treturn 0;\n}\n"
    assert outcomes(leak) == {(1, (("spinlock", "?"),), None), (0, (), None)}


def test_spinlocks_with_known_addresses_are_told_apart() -> None:
    source = "int f(struct vm_fault *vmf)\n{\n\tspin_lock(&vmf->a);\n" \
             "\tspin_unlock(&vmf->b);\n\treturn 0;\n}\n"
    assert outcomes(source) == {
        ("Top", (("spinlock", "&vmf->a"),), "spinlock released by spin_unlock() when not held")}


def test_page_table_lock_pointer_is_the_ptl() -> None:
    source = "int f(struct vm_fault *vmf)\n{\n\tspin_lock(vmf->ptl);\n\treturn 0;\n}\n"
    assert generic.lock_id(Ptr("ptl")) == "ptl"
    assert outcomes(source.replace("vmf->ptl", "pte_lockptr(mm, pmd)")) == {
        (0, (("page-table lock", "ptl"),), None)}


def test_mutex_trylock_forks() -> None:
    source = "int f(struct s *s)\n{\n\tif (!mutex_trylock(&s->m))\n\t\treturn -EBUSY;\n" \
             "\tmutex_unlock(&s->m);\n\treturn 0;\n}\n"
    assert outcomes(source) == {(-16, (), None), (0, (), None)}


def test_mutex_lock_interruptible_may_fail_with_eintr() -> None:
    source = "int f(struct s *s)\n{\n\tint err = mutex_lock_interruptible(&s->m);\n" \
             "\tif (err)\n\t\treturn err;\n\treturn 0;\n}\n"
    assert outcomes(source) == {(-4, (), None), (0, (("mutex", "?"),), None)}


def test_mmap_lock() -> None:
    source = "int f(struct mm_struct *mm)\n{\n\tif (!mmap_read_trylock(mm))\n\t\treturn 1;\n" \
             "\tmmap_read_unlock(mm);\n\tmmap_read_unlock(mm);\n\treturn 0;\n}\n"
    assert outcomes(source) == {
        (1, (), None), ("Top", (), "mmap_lock released by mmap_read_unlock() when not held")}


def test_kmap_local_pairs_newest_first() -> None:
    source = "int f(struct page *p, struct page *q)\n{\n\tvoid *a = kmap_local_page(p);\n" \
             "\tvoid *b = kmap_local_page(q);\n\tkunmap_local(b);\n\tkunmap_local(a);\n" \
             "\treturn 0;\n}\n"
    assert outcomes(source) == {(0, (), None)}
    assert outcomes(source.replace("\tkunmap_local(a);\n", "")) == {
        (0, (("kmap_local mapping", "kmap#1"),), None)}
    unknown = source.replace("kunmap_local(b)", "kunmap_local(mystery())")
    assert outcomes(unknown) == {(0, (), None)}  # an address not followed: the newest mapping


def test_allocation_failure_dereferenced_is_unchecked() -> None:
    source = "int f(void)\n{\n\tstruct s *s = kmalloc(sizeof(*s), GFP_KERNEL);\n" \
             "\ts->x = 1;\n\tkfree(s);\n\treturn 0;\n}\n"
    exploration = explore(lower_functions(source), "f", CONTRACTS["6.5"], Budget())
    faults = {(p.world.fault.message, p.world.fault.origin) for p in exploration.paths
              if p.world.fault}
    assert faults == {("NULL pointer ->x read", "kmalloc")}
    assert "kfree" not in exploration.opaque


def test_folio_alloc_holds_a_reference() -> None:
    source = "int f(void)\n{\n\tstruct folio *folio = folio_alloc(GFP_KERNEL, 0);\n" \
             "\tif (!folio)\n\t\treturn -ENOMEM;\n\treturn 0;\n}\n"
    assert outcomes(source) == {(-12, (), None), (0, (("folio reference", "folio#1"),), None)}
    put = source.replace("\treturn 0;\n}", "\tfolio_put(folio);\n\treturn 0;\n}")
    assert outcomes(put) == {(-12, (), None), (0, (), None)}


def test_err_ptr_round_trip() -> None:
    source = "int f(void)\n{\n\tstruct s *p = g();\n\tif (IS_ERR(p))\n\t\treturn PTR_ERR(p);\n" \
             "\treturn 0;\n}\nstatic struct s *g(void)\n{\n\treturn ERR_PTR(-ENOMEM);\n}\n"
    assert outcomes(source) == {(-12, (), None)}
    allocated = source.replace("return ERR_PTR(-ENOMEM);", "return kzalloc(8, GFP_KERNEL);")
    assert outcomes(allocated) == {(0, (), None)}


@pytest.mark.parametrize("value, answer", [
    (generic.err_ptr(Int(-11)), True), (Ptr("folio#1"), False), (Null(), False),
    (Ref("x"), False), (TOP, None)])
def test_is_err(value: object, answer: bool | None) -> None:
    assert generic.is_err(value) is answer  # type: ignore[arg-type]


def test_err_spelling_and_codes() -> None:
    err = generic.err_ptr(Int(-11))
    assert (err, generic.err_code(err)) == (Ptr("err#-11"), -11)
    assert generic.spell_pointer(err) == "ERR_PTR(-EAGAIN)"
    assert generic.spell_pointer(generic.err_ptr(TOP)) == "ERR_PTR(error)"
    assert generic.spell_pointer(Ptr("folio#1")) is None


def test_registered_names() -> None:
    for name in ("mutex_lock", "mutex_unlock", "mutex_trylock", "mmap_read_lock",
                 "mmap_read_unlock", "kmap_local_page", "kmap_local_folio", "kunmap_local",
                 "kmalloc", "kzalloc", "kmem_cache_alloc", "alloc_page", "alloc_pages",
                 "folio_alloc", "vmalloc", "IS_ERR", "PTR_ERR", "ERR_PTR", "spin_trylock"):
        assert name in PRIMITIVES, name
    assert PRIMITIVES["spin_lock"].__module__ == "pte_check.model.generic"


def test_unlocking_an_address_the_model_cannot_name_releases_the_one_lock_held() -> None:
    """`&ptl` of a local is not followed yet: spin_unlock(ptl) then finds the page-table lock."""
    source = "int f(struct vm_fault *vmf)\n{\n\tspinlock_t *ptl;\n" \
             "\tpte_t *pte = pte_offset_map_lock(mm, vmf->pmd, 0, &ptl);\n" \
             "\tif (!pte)\n\t\treturn -EAGAIN;\n\tpte_unmap(pte);\n\tspin_unlock(ptl);\n" \
             "\treturn 0;\n}\n"
    assert outcomes(source) == {(-11, (), None), (0, (), None)}
