"""A dataset's places as a GeoJSON FeatureCollection (RFC 7946: WGS 84, rings counter-clockwise).

Every place is a feature with all its attributes: its outline where ``toolkit.geo`` has one (federal
subjects, countries, a district as the union of its subjects), a point for a place with coordinates,
and no geometry otherwise (nothing is invented for "Europe"). A ``drawn_as`` stand-in (a district drawn as
its region on the maps) is a view's choice, not the place's shape: the export keeps the place's own point, or
no geometry, and the ``drawn_as`` attribute says what the maps draw.

>>> import toolkit
>>> doc = collection(toolkit.open())
>>> doc["type"], len(doc["features"]) == toolkit.open()["places"].height
('FeatureCollection', True)
"""

from __future__ import annotations


def collection(ds) -> dict:
    from toolkit import geo
    import shapely

    places = ds["places"]
    gdf = geo.join(places, ds=ds)
    features = []
    shapes = dict(zip(places["place_id"], gdf.geometry))
    for row, shape in zip(places.to_dicts(), gdf.geometry):
        stand_in = shapes.get(row.get("drawn_as")) if row.get("drawn_as") else None
        if shape is not None and stand_in is not None and shape.equals(stand_in):
            shape = None  # the stand-in's outline is not this place's
        if shape is None and row.get("lat") is not None and row.get("lon") is not None:
            geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        else:
            geometry = shapely.geometry.mapping(shapely.orient_polygons(shape)) if shape is not None else None
        props = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        props = {k: (str(v) if v is not None and not isinstance(v, (int, float, bool, str, list)) else v)
                 for k, v in props.items()}
        features.append({"type": "Feature", "id": row["place_id"], "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}
