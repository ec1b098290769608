"""SFT data: labels on assistant tokens only, over-long rows counted, mixtures, packing masks, inspect."""

from __future__ import annotations

import pytest

pytest.importorskip("trl")

from acemath.cli import main  # noqa: E402
from acemath.errors import ConfigError  # noqa: E402
from acemath.io import write_jsonl  # noqa: E402
from acemath.sft.data import IGNORE, make_masker, mix_sources, tokenize_conversations  # noqa: E402
from acemath.sft.recipe import DataSpec, Source  # noqa: E402
from acemath.sft.synthetic import chat_rows  # noqa: E402

CONV = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is 2+3?"},
    {"role": "assistant", "content": "5"},
    {"role": "user", "content": "and 4+4?"},
    {"role": "assistant", "content": "The answer is 8."},
]
# The ChatML rendering of CONV, cut where loss starts and stops: (text, carries loss)
PIECES = [
    ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n",
     False),
    ("5<|im_end|>", True),
    ("\n<|im_start|>user\nand 4+4?<|im_end|>\n<|im_start|>assistant\n", False),
    ("The answer is 8.<|im_end|>", True),
    ("\n", False),
]


@pytest.fixture(scope="module")
def tok(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def _expected(tok):
    ids, labels = [], []
    for text, loss in PIECES:
        piece = tok(text, add_special_tokens=False)["input_ids"]
        ids += piece
        labels += piece if loss else [IGNORE] * len(piece)
    return ids, labels


@pytest.mark.parametrize("method", ["auto", "prefix"])
def test_only_assistant_tokens_carry_loss_at_exact_positions(tok, method):
    masker = make_masker(tok, method)
    assert masker.method == ("generation" if method == "auto" else "prefix")
    rows, stats = tokenize_conversations([CONV], masker, DataSpec(max_length=512))
    want_ids, want_labels = _expected(tok)
    assert rows[0]["input_ids"] == want_ids
    assert rows[0]["labels"] == want_labels
    loss_ids = [t for t in rows[0]["labels"] if t != IGNORE]
    assert tok.decode(loss_ids) == "5<|im_end|>The answer is 8.<|im_end|>"
    assert stats.loss_tokens == len(loss_ids) and stats.kept == 1


def test_template_without_markers_falls_back_to_prefix_masking(tok):
    plain = tok.chat_template.replace("{% generation %}", "").replace("{% endgeneration %}", "")
    masker = make_masker(_with_template(tok, plain), "auto")
    assert masker.method == "prefix"
    rows, _ = tokenize_conversations([CONV], masker, DataSpec(max_length=512))
    assert rows[0]["labels"] == _expected(tok)[1]
    with pytest.raises(ConfigError, match="no .* markers"):
        make_masker(_with_template(tok, plain), "generation")


def _with_template(tok, template):
    import copy

    t = copy.deepcopy(tok)
    t.chat_template = template
    return t


def test_overlong_rows_are_truncated_or_dropped_and_counted(tok):
    masker = make_masker(tok)
    long_prompt = [{"role": "user", "content": "sort the words: " + "apple river " * 60},
                   {"role": "assistant", "content": "apple"}]
    long_answer = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "river stone " * 60}]
    short = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    convs = [long_prompt, long_answer, short]
    rows, st = tokenize_conversations(convs, masker, DataSpec(max_length=64, overlong="truncate"))
    # the long prompt leaves no assistant token within 64 tokens: dropped (counted), not trained on nothing
    assert (st.rows, st.kept, st.truncated, st.dropped_no_loss_after_truncation) == (3, 2, 1, 1)
    assert all(len(r["input_ids"]) <= 64 for r in rows)
    assert rows[0]["labels"][-1] != IGNORE  # the truncated answer still trains on its first 64 tokens
    rows, st = tokenize_conversations(convs, masker, DataSpec(max_length=64, overlong="drop"))
    assert (st.kept, st.dropped_overlong, st.truncated) == (1, 2, 0)
    assert "2 dropped as over-long" in st.line()


def test_mixture_counts_fractions_weights_and_determinism():
    data = {"a": list(range(10)), "b": list(range(100, 104))}

    def reader(src):
        return data[src.path]

    spec = DataSpec(sources=[Source(path="a", fraction=0.5), Source(path="b", rows=10)])
    rows, counts = mix_sources(spec.sources, spec, seed=1, reader=reader)
    assert [c["taken"] for c in counts] == [5, 10]
    from_b = [r for r in rows if r >= 100]
    # 10 rows from a 4-row source: two whole copies, then 2 distinct rows
    assert len(from_b) == 10 and all(from_b.count(r) in (2, 3) for r in range(100, 104))
    assert len(set(r for r in rows if r < 100)) == 5
    assert mix_sources(spec.sources, spec, seed=1, reader=reader)[0] == rows
    weighted = DataSpec(sources=[Source(path="a", weight=3), Source(path="b", weight=1)], total_rows=8)
    _, counts = mix_sources(weighted.sources, weighted, seed=0, reader=reader)
    assert [c["taken"] for c in counts] == [6, 2]


def test_packed_and_padded_batches_give_the_same_loss(tiny_model_dir, tok):
    """The padding-free packed batch (position_ids restart per sample) must equal the padded batch's loss.

    transformers derives the block-diagonal mask from the restarting position_ids only when no KV cache is
    built: with the default ``use_cache=True`` the packed samples attend to each other (measured: logits off
    by 0.59). SFTTrainer passes ``use_cache=False`` in ``compute_loss``; so do we here.
    """
    import torch
    from transformers import AutoModelForCausalLM
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    rows, _ = tokenize_conversations([r["messages"] for r in chat_rows(6)], make_masker(tok), DataSpec())
    padded = DataCollatorForLanguageModeling(pad_token_id=tok.pad_token_id)(rows)
    packed = DataCollatorForLanguageModeling(pad_token_id=tok.pad_token_id, padding_free=True)(rows)
    assert packed["input_ids"].shape[0] == 1 and "attention_mask" not in packed
    assert (packed["position_ids"][0] == 0).sum() == len(rows)
    with torch.no_grad():
        loss_pad = model(**padded, use_cache=False).loss
        loss_pack = model(**packed, use_cache=False).loss
    assert torch.allclose(loss_pad, loss_pack, atol=1e-5), (loss_pad, loss_pack)
    # and the samples do not see each other: a packed row's logits equal the row's logits alone
    with torch.no_grad():
        alone = model(input_ids=torch.tensor([rows[1]["input_ids"]])).logits[0]
        n0, n1 = len(rows[0]["input_ids"]), len(rows[1]["input_ids"])
        inside = model(input_ids=packed["input_ids"], position_ids=packed["position_ids"],
                       use_cache=False).logits[0, n0:n0 + n1]
    assert torch.allclose(alone, inside, atol=1e-4)


def _write_recipe(tmp_path, model_dir, extra=""):
    paths = {}
    for kind in ("math", "general"):
        paths[kind] = tmp_path / f"{kind}.jsonl"
        write_jsonl(paths[kind], chat_rows(20, kind))
    cfg = tmp_path / "recipe.yaml"
    cfg.write_text(f"""# acemath sft --config {cfg}
model: {model_dir}
output_dir: {tmp_path / 'out'}
data: {{max_length: 256}}
stages:
  - name: math
    data:
      sources: [{{path: math.jsonl}}, {{path: general.jsonl}}]
{extra}""")
    return cfg


def test_inspect_marks_loss_tokens(tmp_path, tiny_model_dir, capsys):
    cfg = _write_recipe(tmp_path, tiny_model_dir)
    assert main(["sft", "inspect", "--config", str(cfg), "--rows", "2", "--plain"]) == 0
    out = capsys.readouterr().out
    assert "mask method 'generation'" in out
    assert "<|im_start|>assistant\n[[Step 1:" in out and "}.<|im_end|>]]" in out
    assert "[[<|im_start|>user" not in out and out.count("carry loss") == 2


def test_bad_config_keys_give_clear_errors(tmp_path, tiny_model_dir, capsys):
    cfg = _write_recipe(tmp_path, tiny_model_dir, "    trian: {lr: 1e-5}\n")
    assert main(["sft", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "recipe.yaml" in err and "'stages.0.trian'" in err and "Did you mean: train" in err
    cfg = _write_recipe(tmp_path, tiny_model_dir)
    assert main(["sft", "--config", str(cfg), "stages.math.train.lrr=1e-5"]) == 2
    assert "Did you mean: lr" in capsys.readouterr().err
    assert main(["sft", "--config", str(cfg), "stages.math.data.overlong=skip"]) == 2
    assert "expected one of 'truncate', 'drop'" in capsys.readouterr().err
    assert main(["sft", "--config", str(cfg), "train.global_batch_size=10", "train.per_device_batch_size=4"]) == 2
    assert "not a multiple" in capsys.readouterr().err


def test_shipped_recipes_load_and_open_with_their_command():
    from pathlib import Path

    from acemath.config import config_header
    from acemath.sft.recipe import load_recipe

    root = Path(__file__).resolve().parents[1] / "configs"
    recipes = sorted((root / "sft").glob("*.yaml"))
    assert {p.name for p in recipes} >= {"acemath.yaml", "tiny.yaml"}
    for path in recipes:
        assert (config_header(path) or "").startswith(("acemath sft", "accelerate launch")), path
        recipe = load_recipe(path)
        assert [s.name for s in recipe.stages] == ["general_stage1", "general_stage2", "math"]
    paper = load_recipe(root / "sft" / "acemath.yaml")
    assert [s.train.lr for s in paper.stages] == [5e-6, 5e-6, 3e-6]
    assert all(s.train.global_batch_size == 128 and s.train.epochs == 1 and s.data.max_length == 4096
               for s in paper.stages)
    for path in sorted((root / "accelerate").glob("*.yaml")):
        assert (config_header(path) or "").startswith("accelerate launch --config_file"), path
