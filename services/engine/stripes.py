"""Row stripes: whole-image steps done a stripe at a time, so temporaries stay small."""

from __future__ import annotations

from collections.abc import Iterator

STRIPE_PIXELS = 1 << 20  # a 1 MP stripe: its temporaries stay near 12 MB


def stripes(height: int, width: int, pixels: int = STRIPE_PIXELS) -> Iterator[slice]:
    """Slices of rows, each of about `pixels` pixels, that together cover `height` rows."""
    rows = max(1, pixels // max(1, width))
    for top in range(0, height, rows):
        yield slice(top, min(top + rows, height))
