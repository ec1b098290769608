"""Generation backends behind one interface (see :mod:`acemath.generation.base`)."""
