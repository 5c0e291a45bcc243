"""scan.concat: many CSV files of one header in one parse give each file's rows exactly as reading it alone does,
each row with its file (``__folder``) and its row in that file (``__row``)."""

import io

import polars as pl
import pytest

from toolkit.dataset import scan

HEADER = ["a", "b"]
BODIES = [
    b"1,x\n2,y\n",            # plain
    b'"q, r",z\n"",w\n',      # a quoted first value with a comma; a quoted empty one (an empty string)
    b",v\n3,\n",              # an empty first value (null)
    b"\n4,u\n",               # a blank first line (a row of nulls, as polars reads it alone)
    b"",                      # a header and no row
    b"5,t",                   # no newline at the end
    b'"multi\nline",s\n',     # a quoted value over two lines
    b"6,\xc3\xa9\r\n7,o\r\n",  # CRLF lines, UTF-8
]


def alone(raw: bytes) -> list[tuple]:
    return pl.read_csv(io.BytesIO(raw), infer_schema=False).rows()


def test_each_file_reads_as_it_does_alone():
    raws = [b"a,b\n" + body if not body.endswith(b"\r\n") else b"a,b\r\n" + body for body in BODIES]
    df, left, odd = scan.concat(raws, HEADER)
    assert left == []
    for i, raw in enumerate(raws):
        mine = df.filter(pl.col("__folder") == i)
        assert mine.select(HEADER).rows() == alone(raw), BODIES[i]
        assert mine["__row"].to_list() == list(range(1, mine.height + 1))


@pytest.mark.parametrize("bad", [b"a,b\n1,\x1d\n", b"b,a\n1,2\n", b"a,b\n\xff,1\n", b"a,b\r1,2\r"])
def test_a_file_not_in_the_plain_form_is_left_to_read_alone(bad):
    raws = [b"a,b\n1,x\n", bad, b"a,b\n2,y\n"]
    df, left, odd = scan.concat(raws, HEADER)
    assert left == [1]
    assert sorted(df["__folder"].unique().to_list()) == [0, 2]
    assert df.select(HEADER).rows() == alone(raws[0]) + alone(raws[2])
