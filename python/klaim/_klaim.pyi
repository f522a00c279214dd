from os import PathLike
from typing import Any, Iterable, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

class KlaimError(Exception): ...
class ModelFormatError(KlaimError): ...
class DataError(KlaimError): ...
class TrainingError(KlaimError): ...

_Path = Union[str, PathLike[str]]

class Classifier:
    """A sentence classifier for diplomatic news. Immutable and thread-safe."""

    @staticmethod
    def default() -> Classifier: ...
    @staticmethod
    def load(path: _Path) -> Classifier: ...
    @staticmethod
    def fit(
        texts: Iterable[str],
        labels: Iterable[str],
        *,
        algorithm: str = "logistic",
        alpha: Optional[float] = None,
        max_features: Optional[int] = None,
        min_df: Optional[int] = None,
        max_iter: Optional[int] = None,
        word_ngrams: Optional[int] = None,
        char_min: Optional[int] = None,
        char_max: Optional[int] = None,
        stems: bool = True,
        cues: bool = True,
        shape: bool = True,
    ) -> Classifier:
        """Trains on sentences and labels. algorithm: "logistic" or "one-vs-rest"; None takes the
        defaults of `klaim train` (alpha 0.5, max_features 4096, min_df 2, max_iter 60, word_ngrams 2,
        character n-grams off)."""
    def save(self, path: _Path) -> None: ...
    @property
    def labels(self) -> list[str]: ...
    def predict(self, texts: Iterable[str]) -> list[str]: ...
    def predict_proba(self, texts: Iterable[str]) -> npt.NDArray[np.float32]: ...
    def segment(self, text: str) -> list[dict[str, Any]]:
        """Sentences of raw page text: start, end (so text[start:end] is the sentence), text, boilerplate."""
    def classify(self, text: str, *, min_confidence: Optional[float] = None) -> list[dict[str, Any]]:
        """One dict per sentence of raw page text: start, end (str indices), text, label, confidence,
        probabilities, boilerplate, low_confidence, model_label. Below min_confidence the label becomes
        "other"; confidence stays the probability of model_label."""
    def classify_pages(
        self, pages: Iterable[str], *, min_confidence: Optional[float] = None
    ) -> list[list[dict[str, Any]]]:
        """classify for many raw pages, pages in parallel: one list of sentence dicts per page."""
    def evaluate(self, texts: Iterable[str], labels: Iterable[str]) -> dict[str, Any]: ...
    def info(self) -> dict[str, Any]: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes | bytearray | memoryview) -> Classifier: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

def run_cli(argv: list[str]) -> int: ...
def _after_fork_in_child() -> None: ...
