"""The background menu's colours and the crops, by the keys their buttons carry, and the colour
names a user may type. Nothing here imports the rest of the bot but its languages."""

from __future__ import annotations

from .i18n import N_

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
# Colour names a user may reply with, besides #RRGGBB (web colour values): these in English,
# and each language's own words for them from the catalogues.
NAMED = {
    # TRANSLATORS: colour names a user may type for a background: lower case, as people type;
    # give two or more names, separated by commas, where people use both ("grey, gray").
    N_("white"): PALETTE["white"],
    N_("black"): PALETTE["black"],
    N_("red"): PALETTE["red"],
    N_("blue"): PALETTE["blue"],
    N_("green"): PALETTE["green"],
    N_("yellow"): PALETTE["yellow"],
    N_("grey"): PALETTE["grey"],
    "gray": PALETTE["grey"],
    N_("orange"): "#FB8C00",
    N_("purple"): "#8E24AA",
    N_("violet"): "#8E24AA",
    N_("pink"): "#EC407A",
    N_("brown"): "#6D4C41",
    N_("beige"): "#F5F5DC",
    N_("navy"): "#000080",
    N_("teal"): "#008080",
    N_("cyan"): "#00BCD4",
    N_("turquoise"): "#40E0D0",
    N_("gold"): "#FFD700",
    N_("silver"): "#C0C0C0",
    N_("cream"): "#FFFDD0",
    N_("lime"): "#C0CA33",
}
CROP_KEYS = {"none": "", "subj": "subject", "square": "square", "45": "4:5", "916": "9:16"}
