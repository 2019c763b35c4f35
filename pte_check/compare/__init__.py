"""Before against after: behavioural differences as findings, carried up to the fault's root."""
