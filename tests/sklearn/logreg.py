"""scikit-learn's regularised logistic regression on the same standardised data as an nn model, compared with it.

Usage: logreg.py DATA.csv MODEL.json C

Fits sklearn.linear_model.LogisticRegression(C=C) (L2 penalty ½‖w‖², intercept unpenalised, Newton-CG to a gradient
tolerance of 1e-10) on the features of DATA.csv standardised with the model's own means and scales, and prints one
JSON object: both coefficient vectors and intercepts, the largest absolute difference, and scikit-learn's objective
C·Σ logloss + ½‖w‖² at both solutions. Exit code 0; a failure to run prints its reason and exits 1.
"""
import csv
import json
import sys
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression


def objective(w, b, x, y, c):
    z = x @ w + b
    # log(1 + e^{−z}) for y = 1, log(1 + e^{z}) for y = 0, computed stably.
    losses = np.logaddexp(0.0, np.where(y == 1, -z, z))
    return c * losses.sum() + 0.5 * float(w @ w)


def main():
    data, model_path, c = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(data, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    label = header.index("label")
    x = np.array([[float(v) for i, v in enumerate(r) if i != label] for r in body])
    y = np.array([int(r[label]) for r in body])
    with open(model_path) as f:
        model = json.load(f)
    means = np.array(model["standardization"]["means"])
    scales = np.array(model["standardization"]["scales"])
    xs = (x - means) / scales
    layer = model["architecture"]["layers"][0]
    w_nn = np.array(layer["weights"][0])
    b_nn = float(layer["bias"][0])

    # At this tolerance Newton-CG reaches the limit of rounding, and its line search says so in warnings; the
    # objective printed below is what shows how close it came.
    warnings.simplefilter("ignore")
    fit = LogisticRegression(C=c, solver="newton-cg", tol=1e-10, max_iter=1000).fit(xs, y)
    w_sk, b_sk = fit.coef_[0], float(fit.intercept_[0])
    print(json.dumps({
        "sklearn_coef": w_sk.tolist(),
        "sklearn_intercept": b_sk,
        "nn_coef": w_nn.tolist(),
        "nn_intercept": b_nn,
        "max_abs_difference": float(max(np.max(np.abs(w_sk - w_nn)), abs(b_sk - b_nn))),
        "sklearn_objective": objective(w_sk, b_sk, xs, y, c),
        "nn_objective": objective(w_nn, b_nn, xs, y, c),
    }))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the caller
        print(f"logreg.py: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
