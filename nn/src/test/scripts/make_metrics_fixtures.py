#!/usr/bin/python3
"""Writes nn/src/test/resources/dev/jgrad/nn/metrics/sklearn_metrics.json: classification,
regression and perplexity values computed by scikit-learn / numpy, for MetricsTest.

Run from the repository root with Debian's python (it has sklearn):
    /usr/bin/python3 nn/src/test/scripts/make_metrics_fixtures.py
Zero-division cases use sklearn's default (zero_division="warn": the value is 0); the warnings
are silenced here.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, mean_absolute_error,
                             mean_squared_error, precision_score, recall_score)

warnings.filterwarnings("ignore")  # UndefinedMetricWarning for the zero-division cases


def classification(name, y_true, y_pred, k):
    labels = list(range(k))
    case = {"name": name, "numClasses": k,
            "yTrue": [int(v) for v in y_true], "yPred": [int(v) for v in y_pred],
            "accuracy": accuracy_score(y_true, y_pred),
            "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist()}
    for metric, fn in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        case[metric] = {"perClass": fn(y_true, y_pred, labels=labels, average=None).tolist()}
        for avg in ("macro", "micro", "weighted"):
            case[metric][avg] = float(fn(y_true, y_pred, labels=labels, average=avg))
    return case


rng = np.random.RandomState(20240611)
cases = []
# Five classes, noisy predictions; class 3 never occurs in y_true, class 4 is never predicted.
y_true = rng.choice([0, 1, 2, 4], size=200, p=[0.4, 0.3, 0.2, 0.1])
y_pred = np.where((rng.rand(200) < 0.6) & (y_true != 4), y_true, rng.randint(0, 4, size=200))
cases.append(classification("five_classes_absent_and_unpredicted", y_true, y_pred, 5))
# Binary, imbalanced.
y_true = (rng.rand(97) < 0.2).astype(int)
y_pred = np.where(rng.rand(97) < 0.7, y_true, 1 - y_true)
cases.append(classification("binary_imbalanced", y_true, y_pred, 2))
# Four classes where class 3 appears in neither array (macro counts it as 0).
y_true = rng.randint(0, 3, size=31)
y_pred = rng.randint(0, 3, size=31)
cases.append(classification("class_absent_from_both", y_true, y_pred, 4))
# A single sample, predicted wrongly.
cases.append(classification("single_wrong", np.array([1]), np.array([0]), 3))

y = rng.randn(57)
y_hat = y + 0.3 * rng.randn(57)
regression = {"yTrue": y.tolist(), "yPred": y_hat.tolist(),
              "mse": mean_squared_error(y, y_hat), "mae": mean_absolute_error(y, y_hat)}

nll = rng.exponential(2.0, size=129)
perplexity = {"nll": nll.tolist(), "perplexity": float(np.exp(np.mean(nll))),
              "sum": float(np.sum(nll)), "count": int(nll.size)}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "dev", "jgrad", "nn",
                   "metrics", "sklearn_metrics.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump({"generator": "nn/src/test/scripts/make_metrics_fixtures.py",
               "sklearn": sklearn.__version__, "numpy": np.__version__,
               "classification": cases, "regression": regression, "perplexity": perplexity}, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(out))
