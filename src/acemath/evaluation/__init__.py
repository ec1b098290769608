"""Evaluation: generate -> grade -> (reward scores) -> metrics and report, in one command.

See :func:`acemath.evaluation.run.run_eval` and ``acemath eval --help``.
"""
