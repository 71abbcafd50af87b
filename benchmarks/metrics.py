"""Alpha quality metrics: MAE, IoU, max F, S-measure (pysodmetrics), SAD and gradient error.

Every image's values are kept, so two models scored on the same images can be compared with a
paired bootstrap (`paired_gap`), which says whether a gap is larger than the sets' own noise.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from py_sod_metrics import FmeasureHandler, FmeasureV2, Smeasure
from scipy import ndimage

METRICS = ("MAE", "IoU", "maxF", "S", "SAD", "Grad")
LOWER_IS_BETTER = frozenset({"MAE", "SAD", "Grad"})
MATTING = ("SAD", "Grad")  # only for soft ground truth
GRAD_SIGMA = 1.4


class Scores:
    """Running scores over a set of (prediction, ground truth) pairs, both (h, w) uint8."""

    def __init__(self, *, matting: bool = False) -> None:
        self.matting = matting
        self.count = 0
        self._values: dict[str, list[float]] = {m: [] for m in ("MAE", "IoU", "SAD", "Grad")}
        self._curves = FmeasureHandler(with_dynamic=True, with_adaptive=False)
        self._fm = FmeasureV2({"fm": self._curves})
        self._sm = Smeasure()

    def add(self, pred: np.ndarray, gt: np.ndarray) -> None:
        if pred.shape != gt.shape:
            raise ValueError(f"prediction {pred.shape} and mask {gt.shape} differ in size")
        p = pred.astype(np.float64) / 255.0
        g = gt.astype(np.float64) / 255.0
        self._values["MAE"].append(float(np.abs(p - g).mean()))
        self._values["IoU"].append(iou(p >= 0.5, g >= 0.5))
        if self.matting:
            self._values["SAD"].append(float(np.abs(p - g).sum()) / 1000.0)
            self._values["Grad"].append(gradient_error(p, g))
        self._fm.step(pred=pred, gt=gt)
        self._sm.step(pred=pred, gt=gt)
        self.count += 1

    def results(self) -> dict[str, float]:
        """Means over the images; maxF is the maximum of the mean F-measure curve."""
        if not self.count:
            return {}
        return {name: _statistic(name, values) for name, values in self.per_image().items()}

    def per_image(self) -> dict[str, np.ndarray]:
        """Each metric's values, one per image; for maxF, each image's F curve."""
        out = {name: np.asarray(values) for name, values in self._values.items() if values}
        out["maxF"] = np.asarray(self._curves.dynamic_results, np.float64)
        out["S"] = np.asarray(self._sm.sms, np.float64)
        return out


def _statistic(name: str, values: np.ndarray) -> float:
    """The set's figure from per-image values: a mean, or the peak of the mean F curve."""
    return float(np.max(values.mean(axis=0))) if name == "maxF" else float(values.mean())


def paired_gap(
    ours: np.ndarray, other: np.ndarray, metric: str, *, draws: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """How much better `ours` is than `other` on `metric` (positive is better), with a 95 %
    paired-bootstrap interval: both are scored on the same resampled images each draw.
    `ours` and `other` are per-image values, as `Scores.per_image` gives them."""
    if len(ours) != len(other):
        raise ValueError(f"{metric}: {len(ours)} and {len(other)} images; a paired gap needs both")
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    rng = np.random.default_rng(seed)
    gaps = np.empty(draws)
    for i in range(draws):
        pick = rng.integers(0, len(ours), len(ours))
        gaps[i] = _statistic(metric, ours[pick]) - _statistic(metric, other[pick])
    low, high = np.percentile(sign * gaps, [2.5, 97.5])
    return sign * (_statistic(metric, ours) - _statistic(metric, other)), float(low), float(high)


def iou(pred: np.ndarray, gt: np.ndarray) -> float:
    union = np.count_nonzero(pred | gt)
    return 1.0 if union == 0 else np.count_nonzero(pred & gt) / union


def gradient_error(pred: np.ndarray, gt: np.ndarray) -> float:
    """Sum of squared differences of gradient magnitudes / 1000, over the whole image.

    As in the alpha matting benchmark (Rhemann et al. 2009) and its usual Python port:
    first-order Gaussian derivative filters with sigma 1.4, alphas on a 0..1 scale.
    """
    kernel = _derivative_kernel(GRAD_SIGMA)
    pred_amp = np.hypot(*_gradients(pred, kernel))
    gt_amp = np.hypot(*_gradients(gt, kernel))
    return float(np.sum((pred_amp - gt_amp) ** 2)) / 1000.0


def _gradients(image: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gx = ndimage.convolve(image, kernel, mode="nearest")
    gy = ndimage.convolve(image, kernel.T, mode="nearest")
    return gx, gy


@cache
def _derivative_kernel(sigma: float, epsilon: float = 1e-2) -> np.ndarray:
    """A Gaussian times a Gaussian derivative along x, normalised to unit L2 norm."""
    half = int(np.ceil(sigma * np.sqrt(-2.0 * np.log(np.sqrt(2.0 * np.pi) * sigma * epsilon))))
    u = np.arange(-half, half + 1, dtype=np.float64)
    gauss = np.exp(-(u**2) / (2.0 * sigma**2)) / (sigma * np.sqrt(2.0 * np.pi))
    dgauss = -u * gauss / sigma**2
    kernel = np.outer(gauss, dgauss)  # rows vary in y, columns in x
    return kernel / np.sqrt(np.sum(kernel**2))


def significantly_worse(ours: Scores, other: Scores) -> dict[str, tuple[float, float, float]]:
    """The metrics on which `ours` is worse than `other` beyond the 95 % bootstrap interval,
    each with its gap and interval (negative: worse)."""
    mine, theirs = ours.per_image(), other.per_image()
    gaps = {name: paired_gap(mine[name], theirs[name], name) for name in mine}
    return {name: gap for name, gap in gaps.items() if gap[2] < 0}


def better_or_equal(ours: dict[str, float], other: dict[str, float]) -> list[str]:
    """The metrics on which `ours` is worse than `other`, as `name ours vs other` strings."""
    worse = []
    for name, value in ours.items():
        theirs = other[name]
        if (value > theirs) if name in LOWER_IS_BETTER else (value < theirs):
            worse.append(f"{name} {value:.5f} vs {theirs:.5f}")
    return worse
