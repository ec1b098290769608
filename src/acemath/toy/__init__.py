"""The toy world for the quick-start: procedurally generated math and general tasks, toy benchmarks with a
held-out test split, and scripted teachers with known error rates (see docs/toy_world.md)."""

from acemath.toy.general import GENERAL_TASKS, make_general_task
from acemath.toy.math_problems import LEVELS, TEMPLATES, MathProblem, make_problem
from acemath.toy.teachers import ToyTeacher, default_teachers
from acemath.toy.world import TOY_BENCHMARKS, ToyWorld, ToyWorldConfig, build_world, prompt_pool, write_world

__all__ = ["GENERAL_TASKS", "LEVELS", "TEMPLATES", "TOY_BENCHMARKS", "MathProblem", "ToyTeacher", "ToyWorld",
           "ToyWorldConfig", "build_world", "default_teachers", "make_general_task", "make_problem",
           "prompt_pool", "write_world"]
