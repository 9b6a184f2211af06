//! CSV import of the catalogue: systems, platforms, SKUs and compatibility,
//! with the rules of [`crate::csv_import`].

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{
    abutment_sku, enums::ConnectionType, implant_system, manufacturer, platform, sku_platform,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use super::{
    name_key,
    service::{SkuInput, SkuValues},
    units,
};
use crate::csv_import::{
    Cells, ImportError, ImportReport, Problems, RowError, Table, check_unique, fail_if_any,
    insert_batched, message_of, parse_rows,
};

struct SystemRow {
    manufacturer: String,
    system: String,
    connection: ConnectionType,
    notes: Option<String>,
}

pub(crate) async fn systems(
    db: &impl ConnectionTrait,
    table: &Table,
    mut errors: Problems,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let rows = parse_rows(table, &mut errors, |c| {
        let manufacturer = c.req("manufacturer");
        let system = c.req("system");
        let connection = c.enumeration::<ConnectionType>("connection", None);
        let notes = c.opt("notes").map(str::to_owned);
        Some(SystemRow {
            manufacturer: manufacturer?,
            system: system?,
            connection: connection?,
            notes,
        })
    });
    check_unique(
        table,
        rows.iter()
            .map(|(l, r)| (*l, (name_key(&r.manufacturer), name_key(&r.system)))),
        "system",
        &mut errors,
    );
    fail_if_any(errors)?;

    let now = Utc::now();
    let mut makers: HashMap<String, manufacturer::Model> = manufacturer::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.name_key.clone(), m))
        .collect();
    let existing: HashMap<(i64, String), implant_system::Model> = implant_system::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| ((s.manufacturer_id, s.name_key.clone()), s))
        .collect();
    for (_, r) in rows {
        let mkey = name_key(&r.manufacturer);
        let maker = match makers.get(&mkey) {
            Some(m) => m.clone(),
            None => {
                let m = manufacturer::ActiveModel {
                    name: Set(r.manufacturer.trim().to_owned()),
                    name_key: Set(mkey.clone()),
                    country: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                makers.insert(mkey, m.clone());
                m
            }
        };
        let skey = name_key(&r.system);
        let name = r.system.trim().to_owned();
        match existing.get(&(maker.id, skey.clone())) {
            Some(s) if s.name == name && s.connection == r.connection && s.notes == r.notes => {
                report.unchanged += 1
            }
            Some(s) => {
                let mut am: implant_system::ActiveModel = s.clone().into();
                am.name = Set(name);
                am.connection = Set(r.connection);
                am.notes = Set(r.notes);
                am.updated_at = Set(now);
                am.update(db).await?;
                report.updated += 1;
            }
            None => {
                implant_system::ActiveModel {
                    manufacturer_id: Set(maker.id),
                    name: Set(name),
                    name_key: Set(skey),
                    connection: Set(r.connection),
                    notes: Set(r.notes),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                report.created += 1;
            }
        }
    }
    Ok(())
}

/// Systems by (manufacturer key, system key), for resolving references.
async fn system_index(
    db: &impl ConnectionTrait,
) -> Result<HashMap<(String, String), implant_system::Model>, DbErr> {
    let makers: HashMap<i64, String> = manufacturer::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name_key))
        .collect();
    Ok(implant_system::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| {
            makers
                .get(&s.manufacturer_id)
                .map(|mk| ((mk.clone(), s.name_key.clone()), s))
        })
        .collect())
}

struct PlatformRow {
    manufacturer: String,
    system: String,
    platform: String,
    diameter_um: i32,
    index_positions: Option<i32>,
}

pub(crate) async fn platforms(
    db: &impl ConnectionTrait,
    table: &Table,
    mut errors: Problems,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let (lo, hi) = units::limits::diameter();
    let rows = parse_rows(table, &mut errors, |c| {
        let manufacturer = c.req("manufacturer");
        let system = c.req("system");
        let platform = c.req("platform");
        let diameter = c.req_decimal("diameter_mm").and_then(|d| {
            units::to_milli(d, "diameter_mm", "mm", lo, hi)
                .map_err(|e| c.fail("diameter_mm", message_of(e)))
                .ok()
        });
        let index_positions = c.int("index_positions", 1, 12);
        Some(PlatformRow {
            manufacturer: manufacturer?,
            system: system?,
            platform: platform?,
            diameter_um: diameter?,
            index_positions,
        })
    });
    let systems = system_index(db).await?;
    check_unique(
        table,
        rows.iter().map(|(l, r)| {
            (
                *l,
                (
                    name_key(&r.manufacturer),
                    name_key(&r.system),
                    name_key(&r.platform),
                ),
            )
        }),
        "platform",
        &mut errors,
    );
    let mut resolved = Vec::with_capacity(rows.len());
    for (line, r) in rows {
        match systems.get(&(name_key(&r.manufacturer), name_key(&r.system))) {
            Some(s) => resolved.push((s.id, r)),
            None => errors.push(RowError {
                file: table.file.clone(),
                line,
                column: Some("system".into()),
                message: format!(
                    "unknown implant system `{}` of `{}`; import it in systems.csv first",
                    r.system, r.manufacturer
                ),
            }),
        }
    }
    fail_if_any(errors)?;

    let now = Utc::now();
    let existing: HashMap<(i64, String), platform::Model> = platform::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| ((p.system_id, p.name_key.clone()), p))
        .collect();
    for (system_id, r) in resolved {
        let key = name_key(&r.platform);
        let name = r.platform.trim().to_owned();
        match existing.get(&(system_id, key.clone())) {
            Some(p)
                if p.name == name
                    && p.diameter_um == r.diameter_um
                    && p.index_positions == r.index_positions =>
            {
                report.unchanged += 1
            }
            Some(p) => {
                let mut am: platform::ActiveModel = p.clone().into();
                am.name = Set(name);
                am.diameter_um = Set(r.diameter_um);
                am.index_positions = Set(r.index_positions);
                am.updated_at = Set(now);
                am.update(db).await?;
                report.updated += 1;
            }
            None => {
                platform::ActiveModel {
                    system_id: Set(system_id),
                    name: Set(name),
                    name_key: Set(key),
                    diameter_um: Set(r.diameter_um),
                    index_positions: Set(r.index_positions),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                report.created += 1;
            }
        }
    }
    Ok(())
}

/// The CSV column behind a SKU input field, for error messages.
fn sku_column(field: &str) -> &'static str {
    match field {
        "articleNumber" => "article_number",
        "gtin" => "gtin",
        "name" => "name",
        "gingivalHeight" => "gingival_height_mm",
        "angulation" => "angulation_deg",
        "postHeight" => "post_height_mm",
        "diameter" => "diameter_mm",
        "shelfLifeMonths" => "shelf_life_months",
        _ => "row",
    }
}

pub(crate) async fn skus(
    db: &impl ConnectionTrait,
    table: &Table,
    mut errors: Problems,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let mut values: Vec<(u64, SkuValues)> = Vec::with_capacity(table.rows.len());
    let parsed = parse_rows(table, &mut errors, sku_input);
    for (line, input) in parsed {
        match input.validate("") {
            Ok(v) => values.push((line, v)),
            Err(errs) => errors.extend(errs.into_iter().map(|e| RowError {
                file: table.file.clone(),
                line,
                column: e.field().map(|f| sku_column(f).to_owned()),
                message: message_of(e),
            })),
        }
    }
    let existing: HashMap<String, abutment_sku::Model> = abutment_sku::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.article_number.clone(), m))
        .collect();
    check_skus(table, &values, &existing, &mut errors);
    fail_if_any(errors)?;

    let mut new_rows = Vec::new();
    for (_, v) in values {
        match existing.get(&v.article_number) {
            Some(m) if v.same_as(m) => report.unchanged += 1,
            Some(m) => {
                let mut am: abutment_sku::ActiveModel = m.clone().into();
                v.apply(&mut am);
                let m = am.update(db).await?;
                super::service::sync_fit_keys(db, &m).await?;
                report.updated += 1;
            }
            None => {
                new_rows.push(v.into_new());
                report.created += 1;
            }
        }
    }
    insert_batched::<abutment_sku::Entity, _>(db, new_rows).await?;
    Ok(())
}

/// A row of skus.csv as a SKU input, every bad cell reported.
fn sku_input(c: &mut Cells<'_>) -> Option<SkuInput> {
    let article_number = c.req("article_number");
    let gtin = c.req("gtin");
    let name = c.req("name");
    let abutment_type = c.enumeration("type", None);
    let material = c.enumeration("material", None);
    // Range checks here too, so a row with several bad cells reports them all.
    let gingival = c.req_decimal("gingival_height_mm");
    let gingival = c.in_range(
        "gingival_height_mm",
        "mm",
        gingival,
        units::limits::gingival(),
    );
    let angulation = c.req_decimal("angulation_deg");
    let angulation = c.in_range(
        "angulation_deg",
        "°",
        angulation,
        units::limits::angulation(),
    );
    let post = c.decimal("post_height_mm");
    let post = c.in_range("post_height_mm", "mm", post, units::limits::post_height());
    let diameter = c.decimal("diameter_mm");
    let diameter = c.in_range("diameter_mm", "mm", diameter, units::limits::diameter());
    if let Some(g) = c.opt("gtin").map(str::to_owned)
        && let Err(m) = super::gtin::normalize(&g)
    {
        c.fail("gtin", m);
    }
    let engaging = c.boolean("engaging");
    let sterile = c.boolean("sterile");
    let shelf = c.int("shelf_life_months", i32::MIN, i32::MAX);
    let status = c.enumeration("status", Some(entity::enums::SkuStatus::Active));
    Some(SkuInput {
        article_number: article_number?,
        gtin: gtin?,
        name: name?,
        abutment_type: abutment_type?,
        material: material?,
        gingival_height_mm: gingival?,
        angulation_deg: angulation?,
        post_height_mm: post,
        diameter_mm: diameter,
        engaging: engaging?,
        sterile: sterile?,
        shelf_life_months: shelf,
        status: status?,
    })
}

/// Article numbers and GTINs once each in the file, and no GTIN that
/// already belongs to another SKU.
fn check_skus(
    table: &Table,
    values: &[(u64, SkuValues)],
    existing: &HashMap<String, abutment_sku::Model>,
    errors: &mut Problems,
) {
    check_unique(
        table,
        values.iter().map(|(l, v)| (*l, v.article_number.clone())),
        "article_number",
        errors,
    );
    check_unique(
        table,
        values.iter().map(|(l, v)| (*l, v.gtin.clone())),
        "gtin",
        errors,
    );
    let gtin_owner: HashMap<&str, &str> = existing
        .values()
        .map(|m| (m.gtin.as_str(), m.article_number.as_str()))
        .collect();
    for (line, v) in values {
        if let Some(owner) = gtin_owner.get(v.gtin.as_str())
            && *owner != v.article_number
        {
            errors.push(RowError {
                file: table.file.clone(),
                line: *line,
                column: Some("gtin".into()),
                message: format!("GTIN {} already belongs to SKU {owner}", v.gtin),
            });
        }
    }
}

struct CompatRow {
    sku: abutment_sku::Model,
    sku_id: i64,
    platform_id: i64,
    source: String,
    notes: Option<String>,
}

/// A row of compatibility.csv as read: article number, manufacturer,
/// system, platform, source (upper case), notes.
type CompatCells = (String, String, String, String, String, Option<String>);

pub(crate) async fn compatibility(
    db: &impl ConnectionTrait,
    table: &Table,
    mut errors: Problems,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let rows: Vec<(u64, CompatCells)> = parse_rows(table, &mut errors, |c| {
        let a = c.req("article_number");
        let m = c.req("manufacturer");
        let s = c.req("system");
        let p = c.req("platform");
        let src = c.req("source");
        let notes = c.opt("notes").map(str::to_owned);
        Some((a?, m?, s?, p?, src?.to_uppercase(), notes))
    });
    let resolved = resolve_fits(db, table, rows, &mut errors).await?;
    check_unique(
        table,
        resolved
            .iter()
            .map(|(l, r)| (*l, (r.sku_id, r.platform_id))),
        "platform",
        &mut errors,
    );
    fail_if_any(errors)?;
    write_fits(db, resolved, report).await
}

/// The SKU and platform of each row; a row naming an unknown SKU, system
/// or platform is reported and left out.
async fn resolve_fits(
    db: &impl ConnectionTrait,
    table: &Table,
    rows: Vec<(u64, CompatCells)>,
    errors: &mut Problems,
) -> Result<Vec<(u64, CompatRow)>, ImportError> {
    let skus: HashMap<String, abutment_sku::Model> = abutment_sku::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.article_number.clone(), m))
        .collect();
    let systems = system_index(db).await?;
    let platforms: HashMap<(i64, String), i64> = platform::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| ((p.system_id, p.name_key), p.id))
        .collect();
    let mut resolved = Vec::with_capacity(rows.len());
    let mut fail = |line, column: &str, message: String| {
        errors.push(RowError {
            file: table.file.clone(),
            line,
            column: Some(column.to_owned()),
            message,
        })
    };
    for (line, (a, m, s, p, source, notes)) in rows {
        let sku = skus.get(&a).cloned();
        if sku.is_none() {
            fail(
                line,
                "article_number",
                format!("unknown SKU `{a}`; import it in skus.csv first"),
            );
        }
        let platform = match systems.get(&(name_key(&m), name_key(&s))) {
            None => {
                fail(
                    line,
                    "system",
                    format!("unknown implant system `{s}` of `{m}`"),
                );
                None
            }
            Some(sys) => {
                let pid = platforms.get(&(sys.id, name_key(&p))).copied();
                if pid.is_none() {
                    fail(
                        line,
                        "platform",
                        format!("unknown platform `{p}` of {}", sys.name),
                    );
                }
                pid
            }
        };
        if let (Some(sku), Some(platform_id)) = (sku, platform) {
            resolved.push((
                line,
                CompatRow {
                    sku_id: sku.id,
                    sku,
                    platform_id,
                    source,
                    notes,
                },
            ));
        }
    }
    Ok(resolved)
}

/// Writes the fits: new ones (with the SKU's keys), changed source or
/// notes, and counts the unchanged.
async fn write_fits(
    db: &impl ConnectionTrait,
    resolved: Vec<(u64, CompatRow)>,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let wanted: HashSet<i64> = resolved.iter().map(|(_, r)| r.sku_id).collect();
    let existing: HashMap<(i64, i64), sku_platform::Model> = if wanted.is_empty() {
        HashMap::new()
    } else {
        sku_platform::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .filter(|f| wanted.contains(&f.sku_id))
            .map(|f| ((f.sku_id, f.platform_id), f))
            .collect()
    };
    let now = Utc::now();
    let mut new_rows = Vec::new();
    for (_, r) in resolved {
        match existing.get(&(r.sku_id, r.platform_id)) {
            Some(f) if f.source == r.source && f.notes == r.notes => report.unchanged += 1,
            Some(f) => {
                let mut am: sku_platform::ActiveModel = f.clone().into();
                am.source = Set(r.source);
                am.notes = Set(r.notes);
                am.updated_at = Set(now);
                am.update(db).await?;
                report.updated += 1;
            }
            None => {
                let mut am = sku_platform::ActiveModel {
                    sku_id: Set(r.sku_id),
                    platform_id: Set(r.platform_id),
                    source: Set(r.source),
                    notes: Set(r.notes),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                super::service::set_fit_keys(&mut am, &r.sku);
                new_rows.push(am);
                report.created += 1;
            }
        }
    }
    insert_batched::<sku_platform::Entity, _>(db, new_rows).await?;
    Ok(())
}
