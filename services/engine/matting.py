"""From a low-resolution prediction to a full-resolution alpha and clean foreground colours."""

from __future__ import annotations

import cv2
import numpy as np


def normalise(prediction: np.ndarray) -> np.ndarray:
    """Min-max scale a model's output to 0..1, as the models' reference code does."""
    low, high = float(prediction.min()), float(prediction.max())
    if high - low < 1e-6:
        return np.zeros_like(prediction, dtype=np.float32)
    return ((prediction - low) / (high - low)).astype(np.float32)


def upsample(alpha: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a 0..1 alpha to (width, height) with a smooth cubic filter."""
    if alpha.shape[::-1] == size:
        return alpha
    resized = cv2.resize(alpha, size, interpolation=cv2.INTER_CUBIC)
    return np.clip(resized, 0.0, 1.0, out=resized)


def estimate_foreground(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Foreground colour where alpha is soft, so edges carry no tint of the old background.

    Blur-fusion foreground estimation (Forte & Pitié, 2021): two passes of box-blurred
    foreground and background estimates, a wide one and then a narrow one.
    """
    soft = (alpha > 0.004) & (alpha < 0.996)
    if not soft.any():
        return rgb
    image = rgb.astype(np.float32) * (1.0 / 255.0)
    a = alpha[..., None]
    fg, bg = _blur_fusion(image, image, image, a, 90)
    fg, _ = _blur_fusion(image, fg, bg, a, 6)
    out = rgb.copy()
    out[soft] = (fg[soft] * 255.0 + 0.5).astype(np.uint8)
    return out


def _blur_fusion(
    image: np.ndarray, fg: np.ndarray, bg: np.ndarray, a: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray]:
    def blur(x: np.ndarray) -> np.ndarray:
        out = cv2.blur(x, (radius, radius))
        return out[..., None] if out.ndim == 2 else out

    blurred_a = blur(a[..., 0])
    blurred_fg = blur(fg * a) / (blurred_a + 1e-5)
    blurred_bg = blur(bg * (1.0 - a)) / ((1.0 - blurred_a) + 1e-5)
    fg = blurred_fg + a * (image - a * blurred_fg - (1.0 - a) * blurred_bg)
    return np.clip(fg, 0.0, 1.0, out=fg), blurred_bg
