"""A data folder (or several, as one corpus) as a value: read, check, cache, merge, look up.

>>> import toolkit
>>> ds = toolkit.open()
>>> ds["estimates"].height > 0
True
"""

__all__ = ["PARQUET_FORMAT", "SHIPPED", "TEXTS", "Dataset", "coerce", "data_folder", "describe_source", "descriptor_of",
           "find_texts", "open", "read_folder", "validate", "validate_corpus"]

from toolkit.dataset.lookup import describe_source
from toolkit.dataset.opening import coerce, open, validate, validate_corpus  # noqa: F401
from toolkit.dataset.reading import data_folder, descriptor_of, find_texts, read_folder  # noqa: F401
from toolkit.dataset.value import PARQUET_FORMAT, SHIPPED, TEXTS, Dataset  # noqa: F401
