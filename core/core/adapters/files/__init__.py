"""File storage adapters: a local folder (the embedded default) and S3-compatible servers.

The S3 adapter is imported from `core.adapters.files.s3` by whoever configures it: botocore
and aiohttp add about 25 MB to every process that imports them, and a process that keeps its
files in a folder never needs them.
"""

from core.adapters.files.keys import checked_key
from core.adapters.files.local import LocalFileStorage

__all__ = ["LocalFileStorage", "checked_key"]
