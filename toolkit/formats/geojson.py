"""A dataset's places as a GeoJSON FeatureCollection (RFC 7946: WGS 84, rings counter-clockwise).

Every place is a feature with all its attributes: its outline where ``toolkit.geo`` has one (federal
subjects, countries, a district as the union of its subjects), a point for a place with coordinates,
and no geometry otherwise (nothing is invented for "Europe").

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
    for row, shape in zip(places.to_dicts(), gdf.geometry):
        if shape is None and row.get("lat") is not None and row.get("lon") is not None:
            geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        else:
            geometry = shapely.geometry.mapping(shapely.orient_polygons(shape)) if shape is not None else None
        props = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        props = {k: (str(v) if v is not None and not isinstance(v, (int, float, bool, str, list)) else v)
                 for k, v in props.items()}
        features.append({"type": "Feature", "id": row["place_id"], "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}
