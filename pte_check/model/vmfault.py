"""The vm_fault_t flags (enum vm_fault_reason) and how values are spelled in C."""

from __future__ import annotations

from functools import cache

FLAGS: dict[str, int] = {
    "VM_FAULT_OOM": 0x1,
    "VM_FAULT_SIGBUS": 0x2,
    "VM_FAULT_MAJOR": 0x4,
    "VM_FAULT_HWPOISON": 0x10,
    "VM_FAULT_HWPOISON_LARGE": 0x20,
    "VM_FAULT_SIGSEGV": 0x40,
    "VM_FAULT_NOPAGE": 0x100,
    "VM_FAULT_LOCKED": 0x200,
    "VM_FAULT_RETRY": 0x400,
    "VM_FAULT_FALLBACK": 0x800,
    "VM_FAULT_DONE_COW": 0x1000,
    "VM_FAULT_NEEDDSYNC": 0x2000,
    "VM_FAULT_COMPLETED": 0x4000,
}
VM_FAULT_ERROR = (FLAGS["VM_FAULT_OOM"] | FLAGS["VM_FAULT_SIGBUS"] | FLAGS["VM_FAULT_SIGSEGV"]
                  | FLAGS["VM_FAULT_HWPOISON"] | FLAGS["VM_FAULT_HWPOISON_LARGE"]
                  | FLAGS["VM_FAULT_FALLBACK"])
# enum fault_flag (include/linux/mm_types.h) and the vm_flags bits the fault path tests.
FAULT_FLAGS: dict[str, int] = {
    "FAULT_FLAG_WRITE": 0x1, "FAULT_FLAG_MKWRITE": 0x2, "FAULT_FLAG_ALLOW_RETRY": 0x4,
    "FAULT_FLAG_RETRY_NOWAIT": 0x8, "FAULT_FLAG_KILLABLE": 0x10, "FAULT_FLAG_TRIED": 0x20,
    "FAULT_FLAG_USER": 0x40, "FAULT_FLAG_REMOTE": 0x80, "FAULT_FLAG_INSTRUCTION": 0x100,
    "FAULT_FLAG_INTERRUPTIBLE": 0x200, "FAULT_FLAG_UNSHARE": 0x400,
    "FAULT_FLAG_ORIG_PTE_VALID": 0x800, "FAULT_FLAG_VMA_LOCK": 0x1000,
}
VM_FLAGS: dict[str, int] = {"VM_READ": 0x1, "VM_WRITE": 0x2, "VM_EXEC": 0x4, "VM_SHARED": 0x8,
                            "VM_MAYSHARE": 0x80, "VM_HUGETLB": 0x400000}
CONSTANTS: dict[str, int] = {**FLAGS, **FAULT_FLAGS, **VM_FLAGS, "VM_FAULT_ERROR": VM_FAULT_ERROR,
                             "VM_FAULT_HINDEX_MASK": 0xF0000}

ERRNO: dict[str, int] = {
    "EPERM": 1, "ENOENT": 2, "EINTR": 4, "EIO": 5, "ENXIO": 6, "E2BIG": 7, "EBADF": 9,
    "EAGAIN": 11, "ENOMEM": 12, "EFAULT": 14, "EBUSY": 16, "EEXIST": 17, "EINVAL": 22,
    "ENOSPC": 28, "ERANGE": 34, "ENOSYS": 38, "EOPNOTSUPP": 95, "ETIMEDOUT": 110,
    "EHWPOISON": 133,
}
_ERRNO_NAMES = {value: name for name, value in ERRNO.items()}


@cache
def spell_flags(value: int) -> str:
    """`VM_FAULT_LOCKED|VM_FAULT_NOPAGE` style, lowest bit first; 0 is `0`."""
    if value == 0:
        return "0"
    names = [name for name, bit in sorted(FLAGS.items(), key=lambda kv: kv[1]) if value & bit]
    rest = value & ~sum(FLAGS[n] for n in names)
    if rest:
        names.append(hex(rest))
    return "|".join(names)


def spell_int(value: int) -> str:
    """An int return value: `-EAGAIN` for known negative errnos, the number otherwise."""
    if value < 0 and -value in _ERRNO_NAMES:
        return f"-{_ERRNO_NAMES[-value]}"
    return str(value)
