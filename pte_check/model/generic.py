"""Contracts of common kernel primitives outside the fault path: locks, kmap, allocation."""

from __future__ import annotations

from collections.abc import Callable

from pte_check.model.primitives import (
    PRIMITIVES,
    Primitive,
    Results,
    Site,
    arg,
    choose,
    fail,
    obj,
    primitive,
)
from pte_check.model.resources import Resource
from pte_check.model.state import World
from pte_check.model.values import FALSE, TOP, TRUE, Int, Null, Ptr, Ref, Top, Value
from pte_check.model.vmfault import ERRNO, spell_int

ERR = "err#"  # ERR_PTR(-E) is the pointer object 'err#-E'; 'err#?' when E is unknown
UNKNOWN_LOCK = "?"  # a lock whose address the model cannot name (one shared identity)


def new(*names: str) -> Callable[[Primitive], Primitive]:
    """Register a primitive under those of `names` the fault-path model does not define."""
    return primitive(*(n for n in names if n not in PRIMITIVES))


# values ---------------------------------------------------------------------------------------

def err_ptr(value: Value) -> Ptr:
    """ERR_PTR(value)."""
    return Ptr(ERR + (str(value.value) if isinstance(value, Int) else "?"))


def err_code(value: Value) -> int | None:
    """E for ERR_PTR(E), None for anything else (or an unknown E)."""
    if isinstance(value, Ptr) and value.obj.startswith(ERR):
        code = value.obj[len(ERR):]
        return int(code) if code.lstrip("-").isdigit() else None
    return None


def is_err(value: Value) -> bool | None:
    """IS_ERR(value), None when the model cannot tell."""
    if isinstance(value, Ptr):
        return value.obj.startswith(ERR)
    if isinstance(value, (Null, Ref)):
        return False
    return None


def spell_pointer(value: Value) -> str | None:
    """`ERR_PTR(-EAGAIN)` for an error pointer (for spelling returns), else None."""
    if not is_err(value):
        return None
    code = err_code(value)
    return f"ERR_PTR({spell_int(code)})" if code is not None else "ERR_PTR(error)"


def lock_id(value: Value) -> str | None:
    """A lock's identity: the object pointed to, the lvalue whose address was taken
    (`&slot->lock`), or one shared unknown identity; None for NULL."""
    if isinstance(value, Ptr):
        return value.obj
    if isinstance(value, Ref):
        return "&" + value.key
    if isinstance(value, Top):
        return UNKNOWN_LOCK
    return None


def _spin_resource(lock: str) -> Resource:
    page_table = lock in ("ptl", "pmd_ptl") or lock.endswith(("->ptl", "->page_table_lock"))
    return Resource.PTL if page_table else Resource.SPINLOCK


# taking and dropping locks --------------------------------------------------------------------

def _on_null(world: World, site: Site, value: Value) -> Results:
    return fail(world, site, "null-deref", f"{site.name}() on NULL",
                value.origin if isinstance(value, Null) else None)


def take(world: World, site: Site, resource: Resource, value: Value) -> Results:
    lock = lock_id(value)
    if lock is None:
        return _on_null(world, site, value)
    world.acquire(resource, lock)
    return [(world, TOP)]


def drop(world: World, site: Site, resource: Resource, value: Value) -> Results:
    lock = lock_id(value)
    if lock is None:
        return _on_null(world, site, value)
    if lock == UNKNOWN_LOCK:
        resource, lock = _guess(world, resource)
    if not world.release(resource, lock):
        return fail(world, site, "double-release",
                    f"{resource.words} released by {site.name}() when not held")
    return [(world, TOP)]


def _guess(world: World, resource: Resource) -> tuple[Resource, str]:
    """The lock an unlock of an address the model cannot name releases: an unnamed one if
    held, else the one lock of its kind held (a spinlock may be the page-table lock)."""
    kinds = (resource, Resource.PTL) if resource is Resource.SPINLOCK else (resource,)
    if world.holds(resource, UNKNOWN_LOCK):
        return resource, UNKNOWN_LOCK
    held = sorted((r.value, o) for r in kinds for o in world.objects(r))
    if len(held) == 1:
        return Resource(held[0][0]), held[0][1]
    return resource, UNKNOWN_LOCK


def _try(world: World, site: Site, resource: Resource, value: Value,
         busy: Value = FALSE) -> Results:
    """A trylock: taken (returns 1) or busy (returns `busy`), as an environment choice."""
    def taken(w: World) -> Value:
        lock = lock_id(value)
        if lock is not None:
            w.acquire(resource, lock)
        return TRUE
    return choose(world, site, f"{site.name}()", [("taken", taken), ("busy", lambda w: busy)])


def _locks(resource: Resource | None, lock: tuple[str, ...], unlock: tuple[str, ...],
           trylock: tuple[str, ...] = (), interruptible: tuple[str, ...] = (),
           replace: bool = False) -> None:
    """Register a lock family; `resource` None means a spinlock (page-table lock or not);
    `replace` takes over names the fault-path model defines too."""
    def which(value: Value) -> Resource:
        return resource or _spin_resource(lock_id(value) or "")

    def locker(site: Site, world: World, args: list[Value]) -> Results:
        return take(world, site, which(arg(args, 0)), arg(args, 0))

    def unlocker(site: Site, world: World, args: list[Value]) -> Results:
        return drop(world, site, which(arg(args, 0)), arg(args, 0))

    def trier(site: Site, world: World, args: list[Value]) -> Results:
        return _try(world, site, which(arg(args, 0)), arg(args, 0))

    def killable(site: Site, world: World, args: list[Value]) -> Results:
        return _killable(_try(world, site, which(arg(args, 0)), arg(args, 0),
                              Int(-ERRNO["EINTR"])))
    for names, func in ((lock, locker), (unlock, unlocker), (trylock, trier),
                        (interruptible, killable)):
        (primitive if replace else new)(*names)(func)


# Replaces primitives.py's spin_lock family with the same contract for pointers, extended to
# `&x->lock` and to locks the model cannot name.
_locks(None, ("spin_lock", "spin_lock_irq", "spin_lock_bh", "spin_lock_irqsave",
              "spin_lock_nested", "raw_spin_lock", "raw_spin_lock_irq",
              "raw_spin_lock_irqsave", "read_lock", "write_lock", "read_lock_irq",
              "write_lock_irq", "read_lock_irqsave", "write_lock_irqsave"),
       ("spin_unlock", "spin_unlock_irq", "spin_unlock_bh", "spin_unlock_irqrestore",
        "raw_spin_unlock", "raw_spin_unlock_irq", "raw_spin_unlock_irqrestore", "read_unlock",
        "write_unlock", "read_unlock_irq", "write_unlock_irq", "read_unlock_irqrestore",
        "write_unlock_irqrestore"),
       ("spin_trylock", "raw_spin_trylock", "read_trylock", "write_trylock"), replace=True)
_locks(Resource.MUTEX, ("mutex_lock", "mutex_lock_nested", "down_read", "down_write"),
       ("mutex_unlock", "up_read", "up_write"),
       ("mutex_trylock", "down_read_trylock", "down_write_trylock"),
       ("mutex_lock_interruptible", "mutex_lock_killable", "down_read_killable",
        "down_write_killable", "down_read_interruptible"))


_MMAP_LOCK = Ptr("mmap_lock")  # the faulting mm's: one per fault, whatever names the mm


def _killable(results: Results) -> Results:
    """A trylock's results as a killable lock's: 0 when taken, else its error."""
    return [(w, Int(0) if v == TRUE else v) for w, v in results]


@new("mmap_read_lock", "mmap_write_lock")
def _mmap_lock(site: Site, world: World, args: list[Value]) -> Results:
    return take(world, site, Resource.MMAP_LOCK, _MMAP_LOCK)


@new("mmap_read_unlock", "mmap_write_unlock")
def _mmap_unlock(site: Site, world: World, args: list[Value]) -> Results:
    return drop(world, site, Resource.MMAP_LOCK, _MMAP_LOCK)


@new("mmap_read_trylock", "mmap_write_trylock")
def _mmap_trylock(site: Site, world: World, args: list[Value]) -> Results:
    return _try(world, site, Resource.MMAP_LOCK, _MMAP_LOCK)


@new("mmap_read_lock_killable", "mmap_write_lock_killable")
def _mmap_killable(site: Site, world: World, args: list[Value]) -> Results:
    return _killable(_try(world, site, Resource.MMAP_LOCK, _MMAP_LOCK, Int(-ERRNO["EINTR"])))


@new("pmd_lock")
def _pmd_lock(site: Site, world: World, args: list[Value]) -> Results:
    world.acquire(Resource.PTL, "pmd_ptl")
    return [(world, Ptr("pmd_ptl"))]


@new("folio_trylock", "trylock_page")
def _folio_trylock(site: Site, world: World, args: list[Value]) -> Results:
    target = obj(arg(args, 0))
    if target is None:
        return choose(world, site, f"{site.name}()", [("taken", lambda w: TRUE),
                                                      ("busy", lambda w: FALSE)])
    return _try(world, site, Resource.FOLIO_LOCK, arg(args, 0))


# kmap_local: mappings are released in the reverse order they were made -------------------------

@new("kmap_local_page", "kmap_local_folio", "kmap_atomic", "kmap_local_pfn")
def _kmap(site: Site, world: World, args: list[Value]) -> Results:
    if isinstance(arg(args, 0), Null):
        return _on_null(world, site, arg(args, 0))
    mapping = world.new_object("kmap")
    world.acquire(Resource.KMAP, mapping)
    return [(world, Ptr(mapping))]


@new("kunmap_local", "kunmap_atomic")
def _kunmap(site: Site, world: World, args: list[Value]) -> Results:
    target = obj(arg(args, 0))
    held = sorted(world.objects(Resource.KMAP), key=_made)
    if target is None and held:
        target = held[-1]  # an address the model cannot follow: the newest mapping
    if target is None or not world.release(Resource.KMAP, target):
        return fail(world, site, "double-release",
                    f"{Resource.KMAP.words} released by {site.name}() when not held")
    return [(world, TOP)]


def _made(name: str) -> tuple[int, str]:
    number = name.partition("#")[2].lstrip("c")
    return (int(number) if number.isdigit() else 0, name)


# allocators: a new object, or NULL that remembers where it came from ----------------------------

def _allocator(kind: str, resource: Resource | None = None) -> Primitive:
    def allocate(site: Site, world: World, args: list[Value]) -> Results:
        def made(w: World) -> Value:
            new = w.new_object(kind)
            if resource is not None:
                w.acquire(resource, new)
            return Ptr(new)
        return choose(world, site, f"{site.name}()", [
            ("allocated", made), ("failed", lambda w: Null(site.name))])
    return allocate


for _names, _kind, _resource in (
        (("kmalloc", "kzalloc", "kcalloc", "kmalloc_array", "kvmalloc", "kvzalloc",
          "kmalloc_node", "kzalloc_node", "kmem_cache_alloc", "kmem_cache_zalloc",
          "kmem_cache_alloc_node", "vmalloc", "vzalloc", "kmemdup", "kstrdup"), "mem", None),
        (("alloc_page", "alloc_pages", "alloc_pages_node", "folio_alloc",
          "vma_alloc_folio", "filemap_alloc_folio"), "folio", Resource.FOLIO_REF)):
    new(*_names)(_allocator(_kind, _resource))


@new("kfree", "kvfree", "vfree", "kmem_cache_free", "kfree_rcu")
def _free(site: Site, world: World, args: list[Value]) -> Results:
    """Memory is not a tracked resource; freeing NULL is allowed."""
    return [(world, TOP)]


@new("__free_page", "__free_pages", "__folio_put")
def _free_page(site: Site, world: World, args: list[Value]) -> Results:
    target = obj(arg(args, 0))
    if isinstance(arg(args, 0), Null):
        return _on_null(world, site, arg(args, 0))
    if target is not None and not world.release(Resource.FOLIO_REF, target):
        return fail(world, site, "double-release",
                    f"{Resource.FOLIO_REF.words} released by {site.name}() when not held")
    return [(world, TOP)]


# ERR_PTR, IS_ERR, PTR_ERR -------------------------------------------------------------------

def _pure(func: Callable[[Value], Value]) -> Primitive:
    def run(site: Site, world: World, args: list[Value]) -> Results:
        return [(world, func(arg(args, 0)))]
    return run


def _truth(answer: bool | None) -> Value:
    return TOP if answer is None else Int(int(answer))


def _ptr_err(value: Value) -> Value:
    code = err_code(value)
    return TOP if code is None else Int(code)


def _ptr_err_or_zero(value: Value) -> Value:
    answer = is_err(value)
    return Int(0) if answer is False else _ptr_err(value)


def _is_err_or_null(value: Value) -> Value:
    return TRUE if isinstance(value, Null) else _truth(is_err(value))


new("ERR_PTR")(_pure(err_ptr))
new("IS_ERR")(_pure(lambda v: _truth(is_err(v))))
new("IS_ERR_OR_NULL")(_pure(_is_err_or_null))
new("PTR_ERR")(_pure(_ptr_err))
new("PTR_ERR_OR_ZERO")(_pure(_ptr_err_or_zero))
new("ERR_CAST")(_pure(lambda v: v))
