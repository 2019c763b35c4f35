"""Running lowered functions over every entry state: paths, outcomes, budgets."""
