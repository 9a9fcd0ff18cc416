"""The data of lessons 11–14: first names from the US census lists the ``names`` package ships.

Read from the installed package (``pip install -e ".[data]"``), never downloaded. One place for what the
four lessons share: the list of names, the 27-character vocabulary ("." marks a name's start and end),
and the (context, next character) pairs a model with a context of ``block`` characters trains on.
"""

from __future__ import annotations

from pathlib import Path

import names


def load_names() -> list[str]:
    """Every first name in the census lists of the ``names`` package: lower case, letters a–z, sorted."""
    folder = Path(names.__file__).parent
    words = set()
    for file in ("dist.female.first", "dist.male.first"):
        for line in (folder / file).read_text().splitlines():
            word = line.split()[0].lower() if line.strip() else ""
            if word.isascii() and word.isalpha():
                words.add(word)
    return sorted(words)


def vocabulary(words) -> tuple[list[str], dict]:
    """(itos, stoi): "." first (index 0), then every letter the names use, in order."""
    itos = ["."] + sorted(set("".join(words)))
    return itos, {c: i for i, c in enumerate(itos)}


def contexts(words, stoi, block: int) -> tuple[list, list]:
    """(X, Y) as lists: each position's previous ``block`` characters (padded with "."), and the
    character that follows."""
    X, Y = [], []
    for w in words:
        context = [0] * block
        for ch in w + ".":
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return X, Y
