//! 기부금 영수증: the donation receipt's form — its fields laid out once, then printed as an HTML
//! page or as a PDF (A4, NanumGothic embedded and subset to the glyphs used, so it prints the
//! same anywhere; no external service).

use hamkke_persistence::repo::receipts::ReceiptDocument;
use hamkke_persistence::repo::stock::Designation;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use krilla::Document;

/// The receipt's content, ready to print.
#[derive(Debug, Clone)]
pub struct ReceiptForm {
    pub number: String,
    /// `재발급 (n회) — 최초 발급 YYYY-MM-DD` on a reissue.
    pub reissue: Option<String>,
    /// Titled tables of label and value.
    pub sections: Vec<(&'static str, Vec<(String, String)>)>,
    /// The issue date, `YYYY년 MM월 DD일`.
    pub date: String,
    pub org: String,
}

/// `1234567` → `1,234,567원`.
pub fn won(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}{out}원", if n < 0 { "-" } else { "" })
}

/// The form's fields from an issued receipt.
pub fn form(d: &ReceiptDocument) -> ReceiptForm {
    use hamkke_domain::labels::Label;
    let don = &d.donation;
    let purpose = match &don.designation {
        Designation::None => "비지정 기탁".to_owned(),
        Designation::Org(_) => "지정기탁 (기관 지정)".to_owned(),
        Designation::Campaign(_) => "지정기탁 (캠페인 지정)".to_owned(),
        Designation::Group(f) => format!("지정기탁 ({})", f.label(false)),
    };
    let (kind, item, quantity, amount) = match don.kind.as_str() {
        "cash" => ("금전", "-".to_owned(), "-".to_owned(), don.amount.map(won)),
        _ => (
            "현물",
            d.resource_name.clone().unwrap_or_default(),
            don.quantity.map(|q| q.to_string()).unwrap_or_default(),
            d.value.map(won),
        ),
    };
    let issued = d.receipt.last_issued_at + chrono::Duration::hours(9);
    let reissue = (d.receipt.reissues > 0).then(|| {
        format!(
            "재발급 ({}회) — 최초 발급 {}",
            d.receipt.reissues,
            (d.receipt.issued_at + chrono::Duration::hours(9)).format("%Y-%m-%d")
        )
    });
    let donor_id_label = if don.donor_kind == "company" {
        "사업자등록번호"
    } else {
        "주민등록번호"
    };
    let dash = |v: Option<&str>| v.unwrap_or("-").to_owned();
    let row = |l: &str, v: String| (l.to_owned(), v);
    ReceiptForm {
        number: d.receipt.number(),
        reissue,
        sections: vec![
            (
                "1. 기부자",
                vec![
                    row("성명(법인명)", don.donor_name.clone()),
                    row(donor_id_label, dash(d.donor_identifier.as_deref())),
                    row("주소(연락처)", dash(don.donor_contact.as_deref())),
                ],
            ),
            (
                "2. 기부금 단체",
                vec![
                    row("단체명", d.org_name.clone()),
                    row(
                        "고유번호(사업자등록번호)",
                        dash(d.org_registration_no.as_deref()),
                    ),
                ],
            ),
            (
                "3. 기부 내용",
                vec![
                    row("유형", kind.to_owned()),
                    row("구분", purpose),
                    row(
                        "기부 연월일",
                        don.received_on.format("%Y년 %m월 %d일").to_string(),
                    ),
                    row("품명", item),
                    row("수량", quantity),
                    row("금액", amount.unwrap_or_else(|| "-".into())),
                ],
            ),
        ],
        date: issued.format("%Y년 %m월 %d일").to_string(),
        org: d.org_name.clone(),
    }
}

/// The form as a page to print.
pub fn html(f: &ReceiptForm) -> String {
    let esc = crate::routes::agenda::esc;
    let reissue = f
        .reissue
        .as_deref()
        .map(|r| format!("<p class=\"reissue\">{}</p>", esc(r)))
        .unwrap_or_default();
    let mut body = String::new();
    for (title, rows) in &f.sections {
        body.push_str(&format!("<h2>{title}</h2><table>"));
        for (label, value) in rows {
            body.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(label),
                esc(value)
            ));
        }
        body.push_str("</table>");
    }
    format!(
        "<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\">\
<title>기부금 영수증 {number}</title>\
<style>body{{font-family:sans-serif;margin:2em;max-width:48em}}h1{{text-align:center;letter-spacing:.3em}}\
table{{border-collapse:collapse;width:100%;margin-bottom:1.2em}}th,td{{border:1px solid #333;padding:.35em .5em;text-align:left}}\
th{{background:#f0f0f0;width:11em}}.reissue{{color:#b00;font-weight:bold}}.sign{{text-align:right;margin-top:2em}}\
@media print{{body{{margin:0}}}}</style></head><body>\
<h1>기부금 영수증</h1><p>일련번호: <strong>{number}</strong></p>{reissue}{body}\
<p>위와 같이 기부금을 기부받았음을 증명합니다.</p>\
<p class=\"sign\">{date}<br>기부금 수령인: {org} (인)</p></body></html>",
        number = esc(&f.number),
        date = esc(&f.date),
        org = esc(&f.org),
    )
}

/// The embedded font: NanumGothic (SIL Open Font License 1.1, `assets/fonts`).
static FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/NanumGothic.ttf");

static FONT: std::sync::LazyLock<Option<Font>> =
    std::sync::LazyLock::new(|| Font::new(FONT_BYTES.to_vec().into(), 0));

/// A4 in points.
const PAGE: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 56.0;
const LABEL_WIDTH: f32 = 150.0;
const ROW: f32 = 22.0;
const SIZE: f32 = 10.5;

/// About how wide `text` is at `size` (Hangul and other wide letters a full em, the rest
/// about half): enough to centre a title and to wrap a long value.
fn width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum::<f32>()
        * size
}

/// `text` broken into lines no wider than `max`.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in text.chars() {
        let last = lines.last_mut();
        if let Some(line) = last {
            let mut next = line.clone();
            next.push(c);
            if width(&next, size) > max && !line.is_empty() {
                lines.push(c.to_string());
                continue;
            }
            *line = next;
        }
    }
    lines
}

/// Why a PDF could not be made (the embedded font unreadable, or the writer's own error).
#[derive(Debug, thiserror::Error)]
#[error("the receipt could not be rendered as PDF")]
pub struct PdfError;

/// The form as an A4 PDF in Korean.
pub fn pdf(f: &ReceiptForm) -> Result<Vec<u8>, PdfError> {
    let font = FONT.clone().ok_or(PdfError)?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("기부금 영수증 {}", f.number))
            .language("ko".into())
            .creator("hamkke".into()),
    );
    let settings = PageSettings::from_wh(PAGE.0, PAGE.1).ok_or(PdfError)?;
    let mut page = document.start_page_with(settings);
    let mut s = page.surface();
    let black = Fill::default();
    let shade = Fill {
        paint: rgb::Color::new(240, 240, 240).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    };
    let red = Fill {
        paint: rgb::Color::new(176, 0, 0).into(),
        ..Fill::default()
    };
    let rect = |s: &mut krilla::surface::Surface<'_>, x: f32, y: f32, w: f32, h: f32| {
        if let Some(r) = Rect::from_xywh(x, y, w, h) {
            let mut b = PathBuilder::new();
            b.push_rect(r);
            if let Some(p) = b.finish() {
                s.draw_path(&p);
            }
        }
    };
    let text = |s: &mut krilla::surface::Surface<'_>, x: f32, y: f32, size: f32, t: &str| {
        s.draw_text(
            Point::from_xy(x, y),
            font.clone(),
            size,
            t,
            false,
            TextDirection::Auto,
        );
    };
    let inner = PAGE.0 - 2.0 * MARGIN;
    let title = "기 부 금   영 수 증";
    s.set_fill(Some(black.clone()));
    text(
        &mut s,
        (PAGE.0 - width(title, 22.0)) / 2.0,
        90.0,
        22.0,
        title,
    );
    let mut y = 130.0;
    text(&mut s, MARGIN, y, SIZE, &format!("일련번호: {}", f.number));
    if let Some(r) = &f.reissue {
        s.set_fill(Some(red));
        text(&mut s, MARGIN + 200.0, y, SIZE, r);
        s.set_fill(Some(black.clone()));
    }
    y += 28.0;
    let value_width = inner - LABEL_WIDTH - 12.0;
    for (heading, rows) in &f.sections {
        text(&mut s, MARGIN, y, 12.5, heading);
        y += 10.0;
        for (label, value) in rows {
            let lines = wrap(value, SIZE, value_width);
            let h = ROW.max(lines.len() as f32 * (SIZE + 4.0) + 8.0);
            // The label's shaded cell, then the borders: a frame of thin filled rectangles.
            s.set_fill(Some(shade.clone()));
            rect(&mut s, MARGIN, y, LABEL_WIDTH, h);
            s.set_fill(Some(black.clone()));
            for (x, yy, w, hh) in [
                (MARGIN, y, inner, 0.6),
                (MARGIN, y + h, inner, 0.6),
                (MARGIN, y, 0.6, h),
                (MARGIN + LABEL_WIDTH, y, 0.6, h),
                (MARGIN + inner, y, 0.6, h),
            ] {
                rect(&mut s, x, yy, w, hh);
            }
            text(&mut s, MARGIN + 6.0, y + 15.0, SIZE, label);
            for (i, line) in lines.iter().enumerate() {
                let ly = y + 15.0 + i as f32 * (SIZE + 4.0);
                text(&mut s, MARGIN + LABEL_WIDTH + 6.0, ly, SIZE, line);
            }
            y += h;
        }
        y += 22.0;
    }
    text(
        &mut s,
        MARGIN,
        y + 6.0,
        SIZE,
        "위와 같이 기부금을 기부받았음을 증명합니다.",
    );
    let sign = format!("기부금 수령인: {} (인)", f.org);
    text(
        &mut s,
        PAGE.0 - MARGIN - width(&f.date, SIZE),
        y + 46.0,
        SIZE,
        &f.date,
    );
    text(
        &mut s,
        PAGE.0 - MARGIN - width(&sign, SIZE),
        y + 66.0,
        SIZE,
        &sign,
    );
    s.finish();
    page.finish();
    document.finish().map_err(|_| PdfError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn won_groups_thousands() {
        assert_eq!(won(0), "0원");
        assert_eq!(won(1_000_000), "1,000,000원");
        assert_eq!(won(60_000), "60,000원");
    }

    #[test]
    fn long_values_wrap() {
        let lines = wrap(&"서울특별시 마포구 월드컵로 ".repeat(6), SIZE, 300.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, SIZE) <= 300.0));
    }

    #[test]
    fn the_pdf_embeds_the_korean_font() {
        let f = ReceiptForm {
            number: "2026-0001".into(),
            reissue: Some("재발급 (1회) — 최초 발급 2026-12-01".into()),
            sections: vec![(
                "1. 기부자",
                vec![("성명(법인명)".into(), "마포상회".into())],
            )],
            date: "2026년 12월 05일".into(),
            org: "공덕동 주민센터".into(),
        };
        let bytes = pdf(&f).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("NanumGothic"), "the font is embedded");
        assert!(
            text.contains("/ToUnicode"),
            "the text can be copied and searched"
        );
        assert!(
            bytes.len() < 200_000,
            "subset, not the whole font: {}",
            bytes.len()
        );
    }
}
