"""File storage adapters: a local folder (the embedded default) and S3-compatible servers."""

from core.adapters.files.keys import checked_key
from core.adapters.files.local import LocalFileStorage
from core.adapters.files.s3 import S3FileStorage

__all__ = ["LocalFileStorage", "S3FileStorage", "checked_key"]
