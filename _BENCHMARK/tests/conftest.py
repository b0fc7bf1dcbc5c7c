"""The bench's own modules (`bench`) import as `python -m bench` runs them, from _BENCHMARK."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
