"""Generate a deterministic content folder of N papers for benchmarks and scale tests.

`generate(n, dest, seed=0)` writes `dest/site.yml`, `dest/profile.md` and
`dest/papers/<slug>.md`: realistic frontmatter (authors, dates, a category among 20, code and
links, venue, citations), abstracts of 120-220 words with some Markdown, and LaTeX in about
one abstract in five and one title in twenty. The same (n, seed) always gives the same bytes.

    python tests/perf/gen_corpus.py 10000 /tmp/corpus10k/content
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

CATEGORIES = ("LG", "CV", "CL", "AI", "QUANT-PH", "RO", "IR", "CR", "DS", "NE",
              "SI", "HC", "GR", "SD", "DC", "IT", "MA", "PL", "SE", "STAT-ML")
WORDS = ("learning model data network neural training robust efficient method graph "
         "representation prompt distribution vision language transformer attention sparse "
         "optimization gradient inference sampling adaptive scalable benchmark evaluation "
         "theory bound convergence kernel policy reward agent retrieval embedding contrastive "
         "generative diffusion quantum circuit noise error correction privacy federated "
         "causal structure dynamic temporal spatial semantic segmentation detection tracking").split()
FIRST = ("Yuning Xinmei Wei Jing Anna Marco Sofia Liam Chen Hao Priya Omar Elena Lucas "
         "Mei Ravi Nora Jonas Aiko Pablo").split()
LAST = ("Lu Tian Wang Zhang Rossi Silva Novak Müller Kim Patel Haddad Ivanova Costa Sato "
        "García Okafor Larsen Dubois Nguyen Kowalski").split()
FORMULAS = (r"$O(n \log n)$", r"$\epsilon$-optimal", r"$x^2 + y^2 = z^2$", r"$\mathcal{L}_{\text{KL}}$",
            r"$\sum_{i=1}^n \alpha_i$", r"$\frac{1}{\sqrt{d}}$", r"$\lambda \in [0, 1]$")
VENUES = (None, None, "NeurIPS", "ICML", "ICLR", "CVPR", "ACL", "EMNLP", "AAAI", "TPAMI")


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _abstract(rng: random.Random) -> str:
    sentences = [_sentence(rng, rng.randint(10, 22)) for _ in range(rng.randint(8, 12))]
    if rng.random() < 0.2:
        i = rng.randrange(len(sentences))
        sentences[i] = sentences[i][:-1] + f" with {rng.choice(FORMULAS)} cost."
    if rng.random() < 0.3:
        i = rng.randrange(len(sentences))
        words = sentences[i].split()
        words[1] = f"**{words[1]}**"
        sentences[i] = " ".join(words)
    half = len(sentences) // 2
    return " ".join(sentences[:half]) + "\n\n" + " ".join(sentences[half:]) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def paper_text(rng: random.Random, i: int) -> tuple[str, str]:
    """(slug, file text) of the i-th paper."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 9))]
    title = " ".join(w.capitalize() for w in words)
    if rng.random() < 0.05:
        title += " in " + rng.choice(FORMULAS[:3])
    slug = "-".join(words[:5]) + f"-{i}"
    date = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(365 * 20))
    authors = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 8))]
    if rng.random() < 0.5:
        authors.insert(rng.randrange(len(authors) + 1), "Xinmei Tian")
    lines = ["---", f"title: {_quote(title)}", "authors:"]
    lines += [f"  - {_quote(a)}" for a in authors]
    lines += [f"date: {date.isoformat()}", f"category: {rng.choice(CATEGORIES)}"]
    if rng.random() < 0.6:
        lines.append(f"code: https://github.com/user{i % 97}/{slug[:40]}")
    arxiv = f"{date:%y%m}.{i:05d}"
    lines += ["links:", f"  arxiv: https://arxiv.org/abs/{arxiv}",
              f"  pdf: https://arxiv.org/pdf/{arxiv}"]
    venue = rng.choice(VENUES)
    if venue:
        lines.append(f"venue: {_quote(f'{venue} {date.year}')}")
    lines.append(f"citations: {int(rng.paretovariate(1.2)) - 1}")
    if rng.random() < 0.02:
        lines.append("selected: true")
    if rng.random() < 0.3:
        lines.append("tags: [" + ", ".join(rng.sample(WORDS, 2)) + "]")
    lines.append("---")
    return slug, "\n".join(lines) + "\n" + _abstract(rng)


def generate(n: int, dest: Path | str, seed: int = 0) -> Path:
    """Write a content folder with n papers into `dest` (created); return `dest`."""
    dest = Path(dest)
    papers = dest / "papers"
    papers.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    (dest / "site.yml").write_text(
        "title: Xinmei Tian\nbase_url: https://example.github.io/site/\n", encoding="utf-8")
    (dest / "profile.md").write_text(
        "---\nname: Xinmei Tian\nheadline: Professor of Computer Science\n"
        "affiliation: Example University\nlinks:\n  github: https://github.com/example\n"
        "---\nI work on **machine learning** and computer vision.\n", encoding="utf-8")
    for i in range(n):
        slug, text = paper_text(rng, i)
        (papers / f"{slug}.md").write_text(text, encoding="utf-8")
    return dest


if __name__ == "__main__":
    generate(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
