import base64

# A 1×1 PNG: enough for an upload that must be an image.
_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def tiny_png() -> bytes:
    return base64.b64decode(_PNG)
