"""`dlsei bench`: every stage of the pipeline timed on generated exports, beside the machine's floor on the same
file and the same database (docs/benchmark.md records the figures).

workload.py generates the exports, stages.py says what each measured process does, isolate.py runs a stage in a
process of its own (so one stage's memory peak cannot hide another's), floor.py is the floor, report.py prints the
figures against the targets, run.py puts them together.
"""
