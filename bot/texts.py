"""Everything the bot says, in one place, in English: each text is marked for the
catalogues (`N_`, or `P_` with a plural) and translated where it is said (`i18n.Words`).

Placeholders stay as they are in every language; `make messages` gathers the texts into
`bot/locales/bot.pot` and each language's .po."""

from __future__ import annotations

from services.contract.wire import MODELS, Model

from .i18n import N_, P_, Words

# TRANSLATORS: the two models' names, on buttons and in captions.
MODEL_NAMES: dict[str, str] = {"fast": N_("Fast"), "precise": N_("Precise")}
MODEL_ICONS: dict[Model, str] = {"fast": "⚡", "precise": "🎯"}
assert tuple(MODEL_NAMES) == MODELS

START = N_(
    "Hi! I remove backgrounds from photos.\n\n"
    "Send me a photo, or better, an image as a file (📎 → File) to keep full quality. "
    "I'll ask which model to use:\n"
    "• <b>Fast</b>: a second or so, good for most photos.\n"
    "• <b>Precise</b>: finer edges for hair, fur and products.\n\n"
    "You get a transparent PNG, and if you like, a mask and a white-background JPG, "
    "a new background or a crop.\n\n"
    "Example: send a picture of your cat, tap <b>Precise</b>, and I send back "
    "<code>cat.png</code> with the background gone.\n\n"
    "/settings: your defaults · /usage: what you've used · /language: my language · "
    "/help: this message"
)
# The bot's commands and their descriptions in Telegram's menu (/stats is for admins only).
COMMANDS = {
    "start": N_("What this bot does"),
    "help": N_("How to use it"),
    "settings": N_("Default model, outputs and format"),
    "usage": N_("How much you've used"),
    "language": N_("Change my language"),
    "removebg": N_("In a group: reply to an image with it"),
}

GROUP_HELLO = N_(
    "Hi! I remove backgrounds from images. Reply to a photo or image file with /removebg "
    "(or put /removebg in an image's caption) and I'll post the cut-out here for everyone. "
    "Only the person who asked can press the buttons. Admins: /settings sets this group's "
    "defaults, /language its language."
)
REMOVEBG_HOWTO = N_(
    "Reply to a photo or an image file with /removebg, or send an image with /removebg in "
    "its caption, and I'll cut it out."
)
CHOOSE = N_("Choose a model. The toggles below set what you get back.")
ALBUM_PARTLY_SEEN = N_(
    "I can only see this photo of the album: group privacy lets me read just the messages "
    "that start with a command. Reply /removebg to each of the others, or have an admin make "
    "me an admin here, and I'll take whole albums."
)
ALBUM_WHICH = P_(
    "This photo is part of an album of {count}. Which should I do?",
    "This photo is part of an album of {count}. Which should I do?",
)
ALBUM_THIS = N_("This photo")
ALBUM_ALL = P_("All {count}", "All {count}")
CHOOSE_ALBUM = P_(
    "{count} image. Choose a model for all of them; the toggles set what you get back.",
    "{count} images. Choose a model for all of them; the toggles set what you get back.",
)
UNITS = P_("{count} unit", "{count} units")
# TRANSLATORS: {when} says when, already in this language: "in 5 hours"; {fast} and
# {precise} are bare numbers of units.
QUOTA_REACHED = N_(
    "You've used today's {units} (Fast costs {fast}, Precise {precise}). "
    "You can continue {when}, at midnight UTC."
)
# TRANSLATORS: {when} says when, already in this language: "in 40 seconds".
SLOW_DOWN = N_("You're sending images faster than I can take them. You can continue {when}.")
USAGE_LEFT = N_("Left today: {left} of {units} (Fast costs {fast}, Precise {precise}).")
STICKER_ADDED = N_("Added to your sticker set: {link}")
STICKER_FAILED = N_("Telegram didn't let me add that sticker. Please try again later.")
# TRANSLATORS: the title of a user's own sticker set; {name} is their first name.
STICKER_SET_TITLE = N_("{name}'s cut-outs")
# TRANSLATORS: the title of a shared cut-out (the image with its background removed: a word
# apart from "crop") whose file has no name.
CUTOUT = N_("Cut-out")
PHOTO_TIP = N_(
    "Tip: Telegram compresses photos. Send the image as a file (📎 → File) to keep full quality."
)
STARTING = N_("⏳ Starting…")
QUEUED = N_("⏳ Waiting for your previous image to finish…")
IN_LINE = N_("⏳ Got it! Your image is in line and starts soon.")
WAITING_FOR_ENGINE = N_("⏳ In the queue; other people's images are being done first…")
REMOVING = N_("✂️ Removing the background ({model})…")
COMPOSING = N_("🎨 Composing the new look…")
# TRANSLATORS: which image of an album is being done, after the status: "(2 of 5)".
IMAGE_OF = N_("({index} of {count})")
# TRANSLATORS: {seconds} is a number such as 1.5; "s" is seconds.
SECONDS = N_("{seconds} s")


def seconds(t: Words, value: float) -> str:
    """A time as "1.5 s" ("1,5 s" in German)."""
    return t(SECONDS, seconds=t.number(value))


DONE = N_("✅ {model} · {time} · {files}")
IMAGES = P_("{count} image", "{count} images")
SOME_FAILED = P_("{count} could not be done: {reason}", "{count} could not be done: {reason}")
RESUMED = N_("The bot restarted; picking your image up again…")
LOST = N_("Sorry, the bot restarted and lost track of your image. Please send it again.")

NOT_AN_IMAGE = N_(
    "That file isn't an image I can read. Send a JPEG, PNG, WebP, GIF, BMP, TIFF or HEIC image."
)
TOO_BIG = N_(
    "That file is too big: bots can only download files up to 20 MB from Telegram. "
    "Please send a smaller image."
)
BACKEND_DOWN = N_(
    "The background-removal service is unavailable right now. Please try again later."
)
BACKEND_BUSY = N_("The background-removal service is busy. Please try again in a little while.")
BACKEND_TIMEOUT = N_("That took too long and I gave up. Please try again, or try the Fast model.")
BACKEND_MISCONFIGURED = N_(
    "The background-removal service refused this bot's credentials. The bot's admin needs to fix "
    "its settings; please try again later."
)
# TRANSLATORS: {reason} is the service's own words, in English.
REJECTED = N_("I couldn't process that image: {reason}")
TELEGRAM_FAILED = N_("Telegram didn't let me fetch or send the files. Please try again.")
UNEXPECTED = N_("Something went wrong on my side. Please try again.")

# Buttons
MASK = N_("Mask")
WHITE_BACKGROUND = N_("White background")
STICKER = N_("Sticker")
FORMAT = N_("Format: {format} ↻")
QUALITY = N_("Quality: {quality} ↻")
MODEL = N_("Model: {model} ↻")
ASK_EACH_TIME = N_("Ask each time")
REDO_WITH = N_("↻ Redo with {model}")
OTHER_OUTPUTS = N_("⚙ Other outputs")
SHARE = N_("↗ Share")
ADD_STICKER = N_("➕ Add to my sticker set")
TRY_AGAIN = N_("↻ Try again")
BACKGROUND = N_("🎨 Background: {name}")
CROP = N_("✂️ Crop: {name}")
BACK = N_("« Back")
NEW_BACKGROUND = N_("🎨 New background")
NEW_CROP = N_("✂️ New crop")
BACKGROUND_NAMES = {
    # TRANSLATORS: no background: the cut-out stays see-through.
    "": N_("Transparent"),
    # TRANSLATORS: the photo's own background, blurred.
    "blur": N_("Blur"),
    # TRANSLATORS: another photo the user sends, as the background.
    "photo": N_("Photo"),
    "white": N_("White"),
    "black": N_("Black"),
    "red": N_("Red"),
    "blue": N_("Blue"),
    "green": N_("Green"),
    "yellow": N_("Yellow"),
    "grey": N_("Grey"),
}
BACKGROUND_CUSTOM = N_("Custom colour…")
BACKGROUND_PHOTO = N_("🖼 Photo…")
CROP_NAMES = {
    # TRANSLATORS: no crop: the whole photo.
    "": N_("None"),
    # TRANSLATORS: a crop tight around the subject.
    "subject": N_("Subject"),
    "square": N_("Square"),
    "4:5": "4:5",
    "9:16": "9:16",
}
ASK_COLOUR = N_(
    "Reply with a colour for the background: a hex code such as <code>#FF8800</code>, or a "
    "name such as <i>navy</i> or <i>beige</i>."
)
NOT_A_COLOUR = N_(
    "I don't know that colour. Send a hex code such as <code>#FF8800</code>, or a name such as "
    "<i>orange</i>."
)
# TRANSLATORS: {name} is a button's name ("Red") or a hex code ("#FF8800").
COLOUR_SET = N_("Background set to {name}. Now choose a model.")
ASK_PHOTO = N_("Send me the photo to put behind your image. The next image you send becomes it.")
BAD_BACKGROUND_PHOTO = N_(
    "I couldn't use the background photo you chose. Please pick another, or another background."
)
PHOTO_SET = N_("Got it: that photo is the background. Now choose a model.")
STALE_BUTTON = N_("This button has expired. Please send the image again.")
NOT_YOURS = N_("That button belongs to someone else's image.")
ALREADY_RUNNING = N_("Already on it!")

SETTINGS = N_(
    "<b>Your defaults</b>\n"
    "These apply to every new image. With “Ask each time” off, images are processed at once."
)
SETTINGS_SAVED = N_("Saved.")
# TRANSLATORS: {name} is a colour's hex code ("#FF8800").
DEFAULT_COLOUR_SAVED = N_("Saved. Default background: {name}.")
GROUP_SETTINGS = N_(
    "<b>This group's defaults</b>\n"
    "They apply to every /removebg here, whoever asks. Only admins can change them."
)
GROUP_SETTINGS_ADMINS_ONLY = N_("Only this group's admins can change its defaults.")

LANGUAGE = N_("Which language should I speak with you?")
GROUP_LANGUAGE = N_("Which language should I speak in this group?")
# TRANSLATORS: the button that follows the language of the user's Telegram app.
LANGUAGE_AUTO = N_("Same as my Telegram app")
# TRANSLATORS: the group's language follows each asker's Telegram app.
GROUP_LANGUAGE_AUTO = N_("Each person's own")
GROUP_LANGUAGE_ADMINS_ONLY = N_("Only this group's admins can change its language.")
# TRANSLATORS: said once the user picks this language; name the language itself.
LANGUAGE_SAVED = N_("Done! I'll speak English from now on.")

USAGE = N_("<b>Your usage</b>\nToday: {today}\nLast 30 days: {month}")
NO_USAGE = N_("nothing yet")
USED = P_("{count} image: {models}", "{count} images: {models}")
FAILED = P_("{count} failed", "{count} failed")
STATS_REFUSED = N_("Sorry, /stats is only for the bot's admins.")
STATS_HEADING = N_("<b>Last 30 days</b> (since {date})")
STATS_JOBS = N_("Jobs: {jobs} · errors: {errors} ({rate})")
STATS_GROUPS = N_("In groups: {jobs} ({share})")
STATS_TIMES = N_("Total time p50 {p50} · p95 {p95}")
STATS_PER_DAY = N_("<b>Per day and model</b>")
STATS_TOP_USERS = N_("<b>Top users</b>")
STATS_NONE = N_("none")
