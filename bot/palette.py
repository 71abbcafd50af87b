"""The background menu's colours and the crops, by the keys their buttons carry, and the colour
names a user may type. Nothing here imports the rest of the bot."""

from __future__ import annotations

# The background menu's colours, by the key its buttons carry.
PALETTE = {
    "white": "#FFFFFF",
    "black": "#000000",
    "red": "#E53935",
    "blue": "#1E88E5",
    "green": "#43A047",
    "yellow": "#FDD835",
    "grey": "#9E9E9E",
}
SWATCHES = {"white": "⬜", "black": "⬛", "red": "🟥", "blue": "🟦", "green": "🟩", "yellow": "🟨"}
# Colour names a user may reply with, besides #RRGGBB (English; web colour values).
NAMED = {
    **PALETTE,
    "gray": "#9E9E9E",
    "orange": "#FB8C00",
    "purple": "#8E24AA",
    "violet": "#8E24AA",
    "pink": "#EC407A",
    "brown": "#6D4C41",
    "beige": "#F5F5DC",
    "navy": "#000080",
    "teal": "#008080",
    "cyan": "#00BCD4",
    "turquoise": "#40E0D0",
    "gold": "#FFD700",
    "silver": "#C0C0C0",
    "cream": "#FFFDD0",
    "lime": "#C0CA33",
}
CROP_KEYS = {"none": "", "subj": "subject", "square": "square", "45": "4:5", "916": "9:16"}
