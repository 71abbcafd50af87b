"""Alpha quality metrics: MAE, IoU, max F, S-measure (pysodmetrics), SAD and gradient error."""

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
        self._sums = dict.fromkeys(("MAE", "IoU", "SAD", "Grad"), 0.0)
        self._fm = FmeasureV2({"fm": FmeasureHandler(with_dynamic=True, with_adaptive=False)})
        self._sm = Smeasure()

    def add(self, pred: np.ndarray, gt: np.ndarray) -> None:
        if pred.shape != gt.shape:
            raise ValueError(f"prediction {pred.shape} and mask {gt.shape} differ in size")
        p = pred.astype(np.float64) / 255.0
        g = gt.astype(np.float64) / 255.0
        self._sums["MAE"] += float(np.abs(p - g).mean())
        self._sums["IoU"] += iou(p >= 0.5, g >= 0.5)
        if self.matting:
            self._sums["SAD"] += float(np.abs(p - g).sum()) / 1000.0
            self._sums["Grad"] += gradient_error(p, g)
        self._fm.step(pred=pred, gt=gt)
        self._sm.step(pred=pred, gt=gt)
        self.count += 1

    def results(self) -> dict[str, float]:
        """Means over the images; maxF is the maximum of the mean F-measure curve."""
        if not self.count:
            return {}
        out = {name: total / self.count for name, total in self._sums.items()}
        out["maxF"] = float(np.max(self._fm.get_results()["fm"]["dynamic"]))
        out["S"] = float(self._sm.get_results()["sm"])
        if not self.matting:
            for name in MATTING:
                del out[name]
        return out


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


def better_or_equal(ours: dict[str, float], other: dict[str, float]) -> list[str]:
    """The metrics on which `ours` is worse than `other`, as `name ours vs other` strings."""
    worse = []
    for name, value in ours.items():
        theirs = other[name]
        if (value > theirs) if name in LOWER_IS_BETTER else (value < theirs):
            worse.append(f"{name} {value:.5f} vs {theirs:.5f}")
    return worse
