"""lookup(): forgiving on case, accents and spelling; helpful on a miss."""

import pytest

import toolkit


@pytest.mark.parametrize("a,b", [
    ("Dagestan", "Daghestan"), ("DAGHESTAN", "daghestan"), ("Chechnya", "Chechen Republic"),
    ("IS", "Islamic State"), ("ISIS", "islamic state"), ("FSB", "Federal Security Service"),
    ("JMA", "Jaish al-Muhajireen wal-Ansar"), ("North Ossetia-Alania", "North Ossetia–Alania"),
    ("Türkiye", "turkey"), ("bandit underground", "Islamist insurgency"), ("Melikov's", "Sergei Melikov"),
])
def test_aliases_resolve_to_the_same_record(a, b):
    assert toolkit.lookup(a) == toolkit.lookup(b)


def test_lookup_returns_the_record():
    e = toolkit.lookup("Dagestan")
    assert (e.entity_id, e.entity_type, e.name) == ("daghestan", "place", "Daghestan")
    assert e.record["iso_3166"] == "RU-DA"
    assert "<table>" in e._repr_html_()


def test_miss_suggests_closest_canonical_name():
    with pytest.raises(toolkit.UnknownName) as err:
        toolkit.lookup("Daghestn")
    assert str(err.value) == "no actor or place called 'Daghestn'; did you mean 'Daghestan' or 'Daghestanis'?"
    assert isinstance(err.value, LookupError)


def test_miss_without_close_name_says_so():
    with pytest.raises(toolkit.UnknownName) as err:
        toolkit.lookup("Atlantis")
    assert err.value.suggestions == []


def test_kind_narrows():
    assert toolkit.lookup("Moscow", kind="actor").entity_id == "russian_government"
    with pytest.raises(toolkit.UnknownName):
        toolkit.lookup("Moscow", kind="place")
