"""Everything the bot says, in one place."""

from __future__ import annotations

from services.contract.wire import MODELS, Model

MODEL_NAMES: dict[str, str] = {model: model.capitalize() for model in MODELS}  # Fast, Precise
MODEL_ICONS: dict[Model, str] = {"fast": "⚡", "precise": "🎯"}

START = (
    "Hi! I remove backgrounds from photos.\n\n"
    "Send me a photo, or better, an image as a file (📎 → File) to keep full quality. "
    "I'll ask which model to use:\n"
    "• <b>Fast</b>: a second or so, good for most photos.\n"
    "• <b>Precise</b>: finer edges for hair, fur and products.\n\n"
    "You get a transparent PNG, and if you like, a mask and a white-background JPG.\n\n"
    "Example: send a picture of your cat, tap <b>Precise</b>, and I send back "
    "<code>cat.png</code> with the background gone.\n\n"
    "/settings: your defaults · /usage: what you've used · /help: this message"
)
COMMANDS = [
    ("start", "What this bot does"),
    ("help", "How to use it"),
    ("settings", "Default model, outputs and format"),
    ("usage", "How much you've used"),
    ("removebg", "In a group: reply to an image with it"),
]

GROUP_HELLO = (
    "Hi! I remove backgrounds from images. Reply to a photo or image file with /removebg "
    "(or put /removebg in an image's caption) and I'll post the cut-out here for everyone. "
    "Only the person who asked can press the buttons. Admins: /settings sets this group's "
    "defaults."
)
REMOVEBG_HOWTO = (
    "Reply to a photo or an image file with /removebg, or send an image with /removebg in "
    "its caption, and I'll cut it out."
)
CHOOSE = "Choose a model. The toggles below set what you get back."
ALBUM_PARTLY_SEEN = (
    "I can only see this photo of the album: group privacy lets me read just the messages "
    "that start with a command. Reply /removebg to each of the others, or have an admin make "
    "me an admin here, and I'll take whole albums."
)
ALBUM_WHICH = "This photo is part of an album of {count}. Which should I do?"
ALBUM_THIS = "This photo"
ALBUM_ALL = "All {count}"
CHOOSE_ALBUM = "{count} images. Choose a model for all of them; the toggles set what you get back."
QUOTA_REACHED = (
    "You've used today's {limit} units (Fast costs {fast}, Precise {precise}). "
    "You can continue in {wait}, at midnight UTC."
)
SLOW_DOWN = "You're sending images faster than I can take them. You can continue in {wait}."
USAGE_LEFT = "Left today: {left} of {limit} units (Fast costs {fast}, Precise {precise})."
STICKER_ADDED = "Added to your sticker set: {link}"
STICKER_FAILED = "Telegram didn't let me add that sticker. Please try again later."
PHOTO_TIP = (
    "Tip: Telegram compresses photos. Send the image as a file (📎 → File) to keep full quality."
)
STARTING = "⏳ Starting…"
QUEUED = "⏳ Waiting for your previous image to finish…"
IN_LINE = "⏳ Got it! Your image is in line and starts soon."
WAITING_FOR_ENGINE = "⏳ In the queue; other people's images are being done first…"
DOWNLOADING = "⬇️ Downloading your image…"
REMOVING = "✂️ Removing the background ({model})…"
COMPOSING = "🎨 Composing the new look…"
DONE = "✅ {model} · {seconds:.1f} s · {files}"
IMAGES = "{count} images"
SOME_FAILED = "{count} could not be done: {reason}"
REDO_HINT = "Try the other model or other outputs:"
RESUMED = "The bot restarted; picking your image up again…"
LOST = "Sorry, the bot restarted and lost track of your image. Please send it again."

NOT_AN_IMAGE = (
    "That file isn't an image I can read. Send a JPEG, PNG, WebP, GIF, BMP, TIFF or HEIC image."
)
TOO_BIG = (
    "That file is too big: bots can only download files up to 20 MB from Telegram. "
    "Please send a smaller image."
)
BACKEND_DOWN = "The background-removal service is unavailable right now. Please try again later."
BACKEND_BUSY = "The background-removal service is busy. Please try again in a little while."
BACKEND_TIMEOUT = "That took too long and I gave up. Please try again, or try the Fast model."
BACKEND_MISCONFIGURED = (
    "The background-removal service refused this bot's credentials. The bot's admin needs to fix "
    "its settings; please try again later."
)
REJECTED = "I couldn't process that image: {reason}"
TELEGRAM_FAILED = "Telegram didn't let me fetch or send the files. Please try again."
UNEXPECTED = "Something went wrong on my side. Please try again."
BACKGROUND = "🎨 Background: {name}"
CROP = "✂️ Crop: {name}"
BACK = "« Back"
NEW_BACKGROUND = "🎨 New background"
NEW_CROP = "✂️ New crop"
BACKGROUND_NAMES = {
    "": "Transparent",
    "blur": "Blur",
    "photo": "Photo",
    "white": "White",
    "black": "Black",
    "red": "Red",
    "blue": "Blue",
    "green": "Green",
    "yellow": "Yellow",
    "grey": "Grey",
}
BACKGROUND_CUSTOM = "Custom colour…"
BACKGROUND_PHOTO = "🖼 Photo…"
CROP_NAMES = {"": "None", "subject": "Subject", "square": "Square", "4:5": "4:5", "9:16": "9:16"}
ASK_COLOUR = (
    "Reply with a colour for the background: a hex code such as <code>#FF8800</code>, or a "
    "name such as <i>navy</i> or <i>beige</i>."
)
NOT_A_COLOUR = (
    "I don't know that colour. Send a hex code such as <code>#FF8800</code>, or a name such as "
    "<i>orange</i>."
)
COLOUR_SET = "Background set to {name}. Now choose a model."
ASK_PHOTO = "Send me the photo to put behind your image. The next image you send becomes it."
BAD_BACKGROUND_PHOTO = (
    "I couldn't use the background photo you chose. Please pick another, or another background."
)
PHOTO_SET = "Got it: that photo is the background. Now choose a model."
STALE_BUTTON = "This button has expired. Please send the image again."
NOT_YOURS = "That button belongs to someone else's image."
ALREADY_RUNNING = "Already on it!"

SETTINGS = (
    "<b>Your defaults</b>\n"
    "These apply to every new image. With “Ask each time” off, images are processed at once."
)
SETTINGS_SAVED = "Saved."
GROUP_SETTINGS = (
    "<b>This group's defaults</b>\n"
    "They apply to every /removebg here, whoever asks. Only admins can change them."
)
GROUP_SETTINGS_ADMINS_ONLY = "Only this group's admins can change its defaults."

USAGE = "<b>Your usage</b>\nToday: {today}\nLast 30 days: {month}"
NO_USAGE = "nothing yet"
STATS_REFUSED = "Sorry, /stats is only for the bot's admins."
