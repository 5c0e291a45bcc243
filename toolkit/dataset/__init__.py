"""A data folder (or several, as one corpus) as a value: open, read, check, cache, merge, look up.

>>> import toolkit
>>> ds = toolkit.open()
>>> ds["estimates"].height > 0
True
"""

from toolkit.dataset.value import (  # noqa: F401
    PARQUET_FORMAT, SHIPPED, TEXTS, Dataset, coerce, data_folder, describe_source, descriptor_of, find_texts, open,
    read_folder,
)
