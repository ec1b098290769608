"""``acemath merge SHARDS... -o OUT``: join the shards of a sharded ``acemath generate`` run.

    for i in 0 1 2 3; do acemath generate ... --shard $i/4 -o part$i.jsonl; done
    acemath merge part0.jsonl part1.jsonl part2.jsonl part3.jsonl -o samples.jsonl
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shards", nargs="+", help="shard files written by acemath generate --shard i/N")
    parser.add_argument("-o", "--out", required=True, help="merged JSONL (benchmark order)")


def run(args: argparse.Namespace) -> int:
    from acemath.generation.merge import merge_shards

    info = merge_shards(args.shards, args.out)
    print(f"{info['out']}: {info['problems']} problems from {info['shards']} shards")
    return 0
