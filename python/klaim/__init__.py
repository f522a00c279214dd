"""klaim: label every sentence of diplomatic news as demand, denial, warning,
procedural or other.

>>> import klaim
>>> clf = klaim.Classifier.default()
>>> clf.predict(["Rusia menuntut NATO menghentikan ekspansi."])
['demand']
"""
import os as _os

from ._klaim import (
    Classifier,
    DataError,
    KlaimError,
    ModelFormatError,
    TrainingError,
    __version__,
    _after_fork_in_child,
)

__all__ = [
    "Classifier",
    "KlaimError",
    "ModelFormatError",
    "DataError",
    "TrainingError",
    "__version__",
]

# rayon's worker threads do not survive fork(); a child that inherited a used
# pool falls back to computing on its own thread.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork_in_child)
