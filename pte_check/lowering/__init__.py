"""C source to the small intermediate form the explorer runs."""

from pte_check.lowering.ir import Function
from pte_check.lowering.lower import lower_function, lower_functions

__all__ = ["Function", "lower_function", "lower_functions"]
