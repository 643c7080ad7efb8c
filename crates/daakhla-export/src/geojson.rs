//! GeoJSON (RFC 7946): a FeatureCollection of points, written a feature at a time.

use crate::Cell;
use serde_json::{Map, Value, json};
use std::io::{self, Write};

pub(crate) struct GeoJsonWriter<W: Write> {
    out: io::BufWriter<W>,
    first: bool,
}

impl<W: Write> GeoJsonWriter<W> {
    pub fn new(out: W) -> io::Result<GeoJsonWriter<W>> {
        let mut out = io::BufWriter::new(out);
        out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        Ok(GeoJsonWriter { out, first: true })
    }

    /// A point at (latitude, longitude); GeoJSON writes longitude first.
    pub fn write_feature<'c>(
        &mut self,
        (latitude, longitude): (f64, f64),
        properties: impl Iterator<Item = (&'static str, &'c Cell)>,
    ) -> io::Result<()> {
        let properties: Map<String, Value> = properties
            .map(|(key, cell)| {
                let value = match cell {
                    Cell::Empty => Value::Null,
                    Cell::Number(n) => json!(n),
                    Cell::Text(t) => json!(t),
                };
                (key.to_string(), value)
            })
            .collect();
        let feature = json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
            "properties": properties,
        });
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, &feature)?;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"\n]}\n")?;
        self.out.into_inner().map_err(|e| e.into_error())
    }
}
