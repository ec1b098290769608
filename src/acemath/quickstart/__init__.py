"""The quick-start: the whole AceMath system at toy scale on a CPU (``acemath quickstart``).

The stages live in :mod:`acemath.quickstart.stages` and are chained by the recipe runner
(:mod:`acemath.recipe`) from the packaged recipe ``recipes/quickstart.yaml``.
"""
