"""Errors raised by the engine, each with a message a user can read.

EngineError
 ├── ImageError                 the input can't be used (the user can fix it)
 │    ├── EmptyImageError
 │    ├── NotAnImageError
 │    ├── CorruptImageError      broken or truncated
 │    ├── UnsupportedImageError  an image, but a format or mode we don't take
 │    └── ImageTooLargeError     too many bytes or pixels (decompression bombs too)
 ├── BadOptionError             an option the engine can't follow (a colour, a crop)
 └── ModelError
      ├── UnknownModelError
      └── ModelUnavailableError  weights missing, bad checksum, or failed to load
"""


class EngineError(Exception):
    """Base class; `str(error)` is safe to show to a user."""


class ImageError(EngineError):
    pass


class EmptyImageError(ImageError):
    def __init__(self) -> None:
        super().__init__("The file is empty. Please send the image again.")


class NotAnImageError(ImageError):
    def __init__(self) -> None:
        super().__init__(
            "This file is not an image I can read. Send a JPEG, PNG, WebP, GIF, BMP, TIFF or HEIC."
        )


class CorruptImageError(ImageError):
    def __init__(self) -> None:
        super().__init__(
            "This image looks broken or cut off, so I can't read it. Please send it again."
        )


class UnsupportedImageError(ImageError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} images aren't supported. Send a JPEG, PNG, WebP, GIF, BMP, TIFF or HEIC."
        )


class ImageTooLargeError(ImageError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"This image is too large: {detail}.")


class BadOptionError(EngineError):
    """The message names the option and what it takes."""


class ModelError(EngineError):
    pass


class UnknownModelError(ModelError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"Unknown model {name!r}; choose one of: {', '.join(known)}.")


class ModelUnavailableError(ModelError):
    def __init__(self, name: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"The {name} model is not available right now ({reason}).")
