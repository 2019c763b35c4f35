"""pte-check: the behavioural differences a kernel patch makes on the page-fault path."""

__version__ = "0.1.0"
