"""Tell people what the warehouse holds: the overview of utilisation, the run summaries and the morning health
check."""
