"""Text the tiny tokenizer is trained on: math word problems, step-by-step solutions, general text.

Deterministic for a seed. Role names and the evaluation instruction are included so they become
whole tokens rather than splitting into characters (CPU-NOTES section 2).
"""

from __future__ import annotations

import random

EVAL_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."

_NAMES = ["Ava", "Ben", "Cara", "Dan", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jo", "Kim", "Leo", "Mia", "Noah"]
_ITEMS = ["apples", "pencils", "books", "marbles", "cookies", "stickers", "coins", "cards", "eggs", "shells"]
_WORDS = ["the", "of", "and", "to", "in", "is", "that", "for", "it", "with", "as", "was", "on", "be", "at", "by", "this", "had", "not", "are", "but", "from", "or", "have", "an", "they", "which", "one", "you", "were", "all", "we", "when", "there", "can", "more", "if", "no", "man", "out", "other", "so", "what", "time", "up", "go", "about", "than", "into", "could", "state", "only", "new", "year", "some", "take", "come", "these", "know", "see", "use", "get", "like", "then", "first", "any", "work", "now", "may", "such", "give", "over", "think", "most", "even", "find", "day", "also", "after", "way", "many", "must", "look", "before", "great", "back", "through", "long", "where", "much", "should", "well", "people", "down", "own", "just", "because", "good", "each", "those", "feel", "seem", "how", "high", "too", "place", "little", "world", "very", "still", "nation", "hand", "old", "life", "tell", "write", "become", "here", "show", "house", "both", "between", "need", "mean", "call", "develop", "under", "last", "right", "move", "thing", "general", "school", "never", "same", "another", "begin", "while", "number", "part", "turn", "real", "leave", "might", "want", "point", "form", "off", "child", "few", "small", "since", "against", "ask", "late", "home", "interest", "large", "person", "end", "open", "public", "follow", "during", "present", "without", "again", "hold", "govern", "around", "possible", "head", "consider", "word", "program", "problem", "however", "lead", "system", "set", "order", "eye", "plan", "run", "keep", "face", "fact", "group", "play", "stand", "increase", "early", "course", "change", "help", "line", "copy", "reverse", "sort", "uppercase", "count", "list", "words", "answer", "question", "solve", "compute", "total", "each", "step"]
_OPS = [("+", lambda a, b: a + b), ("-", lambda a, b: a - b), ("*", lambda a, b: a * b)]


def math_text(rng: random.Random) -> str:
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    a, b, c = rng.randint(2, 99), rng.randint(2, 20), rng.randint(2, 9)
    total = a + b * c
    q = (f"{name} has {a} {item}. {name} buys {b} bags with {c} {item} in each bag. "
         f"How many {item} does {name} have now?")
    s = (f"Step 1: {b} * {c} = {b * c}.\nStep 2: {a} + {b * c} = {total}.\n"
         f"The answer is \\boxed{{{total}}}.")
    return f"user\n{q} {EVAL_INSTRUCTION}\nassistant\n{s}"


def latex_text(rng: random.Random) -> str:
    x, y = rng.randint(1, 30), rng.randint(2, 12)
    sym, fn = rng.choice(_OPS)
    pieces = [f"$\\frac{{{x}}}{{{y}}}$", f"$\\sqrt{{{x}}}$", f"$x^{{{y}}}$", f"$({x}, {y})$", f"$[{x}, {y})$",
              "$\\pi$", f"$\\{{{x}, {y}\\}}$", f"$x = {fn(x, y)}$", f"${x} {sym} {y} = {fn(x, y)}$",
              f"$\\dfrac{{{x}}}{{{y}}}$", "$\\text{(B)}$", f"{x}%", f"{x}.{y}", f"{x}^\\circ"]
    return " ".join(rng.sample(pieces, 5))


def general_text(rng: random.Random) -> str:
    words = rng.sample(_WORDS, rng.randint(3, 7))
    task = rng.choice(["copy", "reverse", "sort", "uppercase", "count"])
    return f"user\n{task} the words: {' '.join(words)}\nassistant\n{' '.join(sorted(words))}"


def tokenizer_corpus(n: int = 3000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    makers = [math_text, latex_text, general_text]
    corpus = [rng.choice(makers)(rng) for _ in range(n)]
    corpus += ["system user assistant", EVAL_INSTRUCTION,
               "Please reason step by step, and check your final answer within \\boxed{}."]
    return corpus
