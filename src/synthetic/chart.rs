//! Growth figures: rows kept in a CSV (one per store, workload, scale and
//! measure; a run replaces its own store's rows of a workload and keeps the
//! rest) and one SVG chart per workload of cost against data size.

use std::{collections::BTreeMap, path::Path};

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// One figure of the growth bench.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrowthRow {
    /// `sqlite` or `postgres`.
    pub store: String,
    /// `compat_lookup`, `trace_forward`, `batch_match`.
    pub workload: String,
    /// The data's multiple of the smallest size (1, 10, 100).
    pub scale: usize,
    /// Rows of the table that grows (fits, lots).
    pub size: u64,
    /// What `size` counts.
    pub size_unit: String,
    /// What was timed: the operation, or its floor.
    pub measure: String,
    /// Timings, or the one timing of a single run.
    pub n: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// Reads a growth CSV (none yet: no rows).
pub fn read_csv(path: &Path) -> anyhow::Result<Vec<GrowthRow>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut r = csv::Reader::from_path(path)?;
    Ok(r.deserialize().collect::<Result<_, _>>()?)
}

/// Writes the rows, sorted by workload, store, measure and scale.
pub fn write_csv(path: &Path, rows: &mut [GrowthRow]) -> anyhow::Result<()> {
    rows.sort_by(|a, b| {
        (&a.workload, &a.store, &a.measure, a.scale).cmp(&(
            &b.workload,
            &b.store,
            &b.measure,
            b.scale,
        ))
    });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut w = csv::Writer::from_path(path)?;
    for r in rows.iter() {
        w.serialize(r)?;
    }
    w.flush()?;
    Ok(())
}

/// `old` with every row of a (store, workload) that `new` has replaced by `new`'s.
pub fn merge(old: Vec<GrowthRow>, new: &[GrowthRow]) -> Vec<GrowthRow> {
    let mut out: Vec<GrowthRow> = old
        .into_iter()
        .filter(|o| {
            !new.iter()
                .any(|n| n.store == o.store && n.workload == o.workload)
        })
        .collect();
    out.extend(new.iter().cloned());
    out
}

/// Draws one workload's rows as an SVG: p95 against size, both on log
/// scales, a line per store and measure.
pub fn chart(path: &Path, title: &str, rows: &[GrowthRow]) -> anyhow::Result<()> {
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows {
        series
            .entry(format!("{} {}", r.store, r.measure))
            .or_default()
            .push((r.size as f64, r.p95_ms.max(1e-3)));
    }
    if series.is_empty() {
        return Ok(());
    }
    for pts in series.values_mut() {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let xs = rows.iter().map(|r| r.size as f64);
    let ys = rows.iter().map(|r| r.p95_ms.max(1e-3));
    let (x0, x1) = (xs.clone().fold(f64::MAX, f64::min), xs.fold(0.0, f64::max));
    let (y0, y1) = (ys.clone().fold(f64::MAX, f64::min), ys.fold(0.0, f64::max));
    let unit = rows.first().map(|r| r.size_unit.as_str()).unwrap_or("rows");
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("chart {}: {e}", path.display());
    let root = SVGBackend::new(path, (760, 460)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut c = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            (x0 / 1.5..x1 * 1.5).log_scale(),
            (y0 / 2.0..y1 * 2.0).log_scale(),
        )
        .map_err(|e| err(&e))?;
    c.configure_mesh()
        .x_desc(format!("data size ({unit}, log scale)"))
        .y_desc("p95 ms (log scale)")
        .draw()
        .map_err(|e| err(&e))?;
    for (i, (label, pts)) in series.into_iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        c.draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
        c.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))
            .map_err(|e| err(&e))?;
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
