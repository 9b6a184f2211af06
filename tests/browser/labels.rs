//! A UDI label printed and decoded: the demo warehouse user opens a lot's
//! page, follows "Print the UDI label", sees the label page (sizes, the
//! per-unit serial); the browser's own picture of the label (a screenshot of
//! the element, as Chromium draws the SVG) is decoded by an independent
//! reader (rxing), and `scan` reads the decoded text back to the lot's GTIN,
//! lot, expiry and serial. A sales rep is refused the label.

use abutment_erp::{
    access::{Role, service},
    config::ApiLimits,
};
use fantoccini::Locator;
use serde_json::{Value, json};

use crate::{Browser, support};

const ENTER: char = '\u{E007}';

async fn sign_in(b: &Browser, base: &str, name: &str, password: &str) {
    let c = &b.client;
    c.goto(&format!("{base}/signin")).await.unwrap();
    c.find(Locator::Css("#name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(&format!("{password}{ENTER}"))
        .await
        .unwrap();
}

/// The text a DataMatrix in a PNG picture reads as, and its symbology
/// identifier (`]d2` for GS1 mode), by rxing.
fn decode_png(png_bytes: &[u8]) -> (String, String) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let (w, h) = (info.width, info.height);
    let luma: Vec<u8> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| {
            if channels >= 3 {
                ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000)
                    as u8
            } else {
                p[0]
            }
        })
        .collect();
    let r = rxing::helpers::detect_in_luma_with_hints(
        luma,
        w,
        h,
        Some(rxing::BarcodeFormat::DATA_MATRIX),
        &mut rxing::DecodeHints::default(),
    )
    .expect("rxing reads the label in the screenshot");
    let symbology = match r
        .getRXingResultMetadata()
        .get(&rxing::RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        Some(rxing::RXingResultMetadataValue::SymbologyIdentifier(s)) => s.clone(),
        _ => String::new(),
    };
    (r.getText().to_owned(), symbology)
}

async fn released_lot(app: &support::TestApp) -> Value {
    app.data(
        "{ stock(filter: {state: RELEASED, location: \"MAIN/STOCK/A-01\"}, first: 50) { edges { node {
             lot { id lotNumber expiryDate sku { gtin } } } } } }",
        json!({}),
    )
    .await["stock"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["lot"].clone())
        .find(|l| l["expiryDate"].is_string() && l["sku"]["gtin"].is_string())
        .expect("a released finished lot with an expiry")
}

#[tokio::test]
async fn a_label_printed_from_the_lot_page_is_decoded_from_the_screen_and_scans_back() {
    let app = support::TestApp::new().await;
    let demo = service::create_demo_users(&app.db).await.unwrap();
    let wh = demo.iter().find(|d| d.role == Role::Warehouse).unwrap();
    let rep = demo.iter().find(|d| d.role == Role::Sales).unwrap();
    let lot = released_lot(&app).await;
    let id = lot["id"].as_str().unwrap();
    let base = support::serve(&app, ApiLimits::default()).await;
    let b = Browser::start().await;
    let c = &b.client;
    c.set_window_size(1280, 900).await.unwrap();

    sign_in(&b, &base, &wh.name, &wh.password).await;
    b.wait_text("h1", |t| t == "Scan station").await;
    let q: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    c.goto(&format!("{base}/warehouse/lot?id={q}"))
        .await
        .unwrap();
    c.find(Locator::Css("#lot-label"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("#label-hri", |t| t.contains("(01)")).await;

    for serial in ["", "SN-0042"] {
        if !serial.is_empty() {
            let f = c.find(Locator::Css("#serial")).await.unwrap();
            f.clear().await.unwrap();
            f.send_keys(&format!("{serial}{ENTER}")).await.unwrap();
            b.wait_text("#label-hri", |t| t.contains("(21)")).await;
        }
        b.screenshot(if serial.is_empty() {
            "label-lot"
        } else {
            "label-unit"
        })
        .await;
        let png = c
            .find(Locator::Css("#label svg"))
            .await
            .unwrap()
            .screenshot()
            .await
            .unwrap();
        let (text, symbology) = decode_png(&png);
        assert_eq!(symbology, "]d2", "GS1 mode (FNC1 first): {text:?}");
        let s = app
            .data(
                "query($c: String!) { scan(code: $c) { gtin lotNumber expiryDate serial lot { id } } }",
                json!({ "c": text }),
            )
            .await["scan"]
            .clone();
        assert_eq!(s["gtin"], lot["sku"]["gtin"], "{s}");
        assert_eq!(s["lotNumber"], lot["lotNumber"]);
        assert_eq!(s["expiryDate"], lot["expiryDate"]);
        assert_eq!(s["lot"]["id"], lot["id"]);
        if serial.is_empty() {
            assert!(s["serial"].is_null(), "{s}");
        } else {
            assert_eq!(s["serial"], serial);
        }
    }
    // The larger stock.
    c.find(Locator::Css("#size-100x50"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("body.size-100x50")).await.unwrap();

    // A sales rep is refused the label.
    c.delete_all_cookies().await.unwrap();
    sign_in(&b, &base, &rep.name, &rep.password).await;
    b.wait_text("h1", |t| !t.is_empty()).await;
    c.goto(&format!("{base}/labels/lot?id={q}")).await.unwrap();
    b.wait_text("h1", |t| t == "Not allowed").await;
    b.close().await;
}
