//! Reading an uploaded list: CSV (UTF-8 or EUC-KR) or XLSX within size limits, its columns by
//! every Korean or English name they go by, Korean date forms.

use super::*;

/// The fields a column may hold, by every name it goes by.
pub(super) const COLUMNS: &[(&str, &[&str])] = &[
    ("row_key", &["row_key", "행키", "행번호키"]),
    (
        "resource_id",
        &["resource_id", "resource", "자원", "자원id", "자원명"],
    ),
    (
        "benefit_type",
        &[
            "benefit_type",
            "benefit_type_id",
            "급여유형",
            "급여",
            "지원유형",
        ],
    ),
    ("person_id", &["person_id", "대상자id"]),
    ("rrn", &["rrn", "주민등록번호", "주민번호"]),
    ("name", &["name", "성명", "이름", "대상자"]),
    ("birth_date", &["birth_date", "생년월일"]),
    ("granted_on", &["granted_on", "지급일", "지원일", "제공일"]),
    ("amount", &["amount", "금액", "지원금액"]),
    ("quantity", &["quantity", "수량"]),
    ("case_id", &["case_id", "사례id", "사례번호id"]),
    (
        "provider",
        &["provider", "provider_org_id", "제공기관", "지원기관"],
    ),
    ("note", &["note", "비고", "메모"]),
];

/// A field's canonical name for a header cell, if it is one of ours.
pub(super) fn field_of(header: &str) -> Option<&'static str> {
    let h: String = header
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    COLUMNS
        .iter()
        .find(|(_, names)| names.contains(&h.as_str()))
        .map(|(f, _)| *f)
}

/// One row: its line (the header is line 1) and its cells by field.
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) cells: HashMap<&'static str, String>,
}

impl Row {
    pub(super) fn get(&self, field: &str) -> Option<&str> {
        self.cells
            .get(field)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

/// A line of the file: its number and its cells (`Err` for a line that is not valid CSV).
pub(super) type GridLine = (u64, Result<Vec<String>, ()>);

/// The upload's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Cells an XLSX sheet may hold (an import of 200,000 cells is far beyond any list a district
/// sends; a sheet that claims more is a mistake or a bomb).
pub(super) const XLSX_MAX_CELLS: usize = 200_000;
/// Columns read from a row; cells further right are ignored.
pub(super) const XLSX_MAX_COLUMNS: usize = 64;
/// Bytes an XLSX file may inflate to, all its parts together.
pub(super) const XLSX_MAX_INFLATED: u64 = 50 * 1024 * 1024;

/// Refuses an XLSX file whose parts inflate beyond the budget, before anything is expanded in
/// memory: every part is inflated into nothing and counted (sizes the archive states may lie).
pub(super) fn check_inflated_size(data: &[u8]) -> Result<(), DomainError> {
    use std::io::Read;
    let too_large = || {
        DomainError::invalid(
            "body",
            "xlsx_too_large",
            "the workbook inflates to more than 50 MB; split the list",
        )
    };
    let unreadable =
        || DomainError::invalid("body", "invalid_xlsx", "the file is not an XLSX workbook");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(data)).map_err(|_| unreadable())?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|_| unreadable())?;
        if total.saturating_add(part.size()) > XLSX_MAX_INFLATED {
            return Err(too_large());
        }
        let left = XLSX_MAX_INFLATED - total;
        let n = std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|_| unreadable())?;
        total += n;
        if total > XLSX_MAX_INFLATED {
            return Err(too_large());
        }
    }
    Ok(())
}

/// What a list's total rows say in a cell (합계, 계, 소계, 총계): such a row is skipped.
fn is_total(cell: &str) -> bool {
    let c: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(c.as_str(), "합계" | "계" | "소계" | "총계" | "누계")
}

/// The header row: the first of the first ten lines with at least three known column names (a
/// title or blank rows may stand above it), else the first line.
fn header_index(grid: &[GridLine]) -> usize {
    grid.iter()
        .take(10)
        .position(|(_, cells)| {
            cells
                .as_ref()
                .is_ok_and(|c| c.iter().filter(|h| field_of(h).is_some()).count() >= 3)
        })
        .unwrap_or(0)
}

/// A list read: how, its rows, the rows that could not be read and the total rows skipped (by
/// the sheet's row numbers).
pub(super) struct Table {
    pub(super) encoding: String,
    pub(super) rows: Vec<Row>,
    pub(super) errors: Vec<RowError>,
    pub(super) totals: Vec<u64>,
}

/// Reads the file into header fields and rows; a file that is not a table is refused whole
/// (nothing is imported), a bad row is that row's error. Rows keep the sheet's numbers (line
/// numbers of a CSV, row numbers of a sheet: the same list gives the same numbers either way).
/// `dated`: the list must have a `granted_on` (지급일) column (allocations; a target list has none).
pub(super) fn read_table(format: Format, data: &[u8], dated: bool) -> Result<Table, DomainError> {
    let bad = |code: &'static str, msg: &str| DomainError::invalid("body", code, msg);
    let (encoding, grid): (&str, Vec<GridLine>) = match format {
        Format::Csv => {
            let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
            let (encoding, text) = match std::str::from_utf8(body) {
                Ok(t) => ("utf-8", std::borrow::Cow::Borrowed(t)),
                Err(_) => match encoding_rs::EUC_KR
                    .decode_without_bom_handling_and_without_replacement(body)
                {
                    Some(t) => ("cp949", t),
                    None => {
                        return Err(bad(
                            "invalid_encoding",
                            "the file is neither UTF-8 nor CP949 (EUC-KR) text",
                        ))
                    }
                },
            };
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let grid = reader
                .records()
                .map(|r| match r {
                    Ok(r) => (
                        r.position().map_or(0, |p| p.line()),
                        Ok(r.iter().map(str::to_owned).collect()),
                    ),
                    Err(e) => (e.position().map_or(0, |p| p.line()), Err(())),
                })
                .collect();
            (encoding, grid)
        }
        Format::Xlsx => {
            use calamine::{DataRef, Reader};
            check_inflated_size(data)?;
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(data))
                    .map_err(|_| bad("invalid_xlsx", "the file is not an XLSX workbook"))?;
            let sheet = book
                .sheet_names()
                .first()
                .cloned()
                .ok_or_else(|| bad("invalid_xlsx", "the workbook has no sheet"))?;
            let mut cells = book
                .worksheet_cells_reader(&sheet)
                .map_err(|_| bad("invalid_xlsx", "the first sheet cannot be read"))?;
            let text = |c: &DataRef| match c {
                DataRef::Empty => String::new(),
                DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
                DataRef::SharedString(s) => (*s).to_owned(),
                DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                    format!("{}", *f as i64)
                }
                DataRef::Float(f) => f.to_string(),
                DataRef::Int(i) => i.to_string(),
                DataRef::Bool(b) => b.to_string(),
                DataRef::DateTime(d) => d
                    .as_datetime()
                    .map(|t| t.date().to_string())
                    .unwrap_or_default(),
                DataRef::Error(_) => String::new(),
            };
            // Cells are read one by one and counted, so a sheet that claims millions of cells
            // is refused before it is expanded in memory.
            let mut rows: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
            let mut seen = 0usize;
            while let Some(cell) = cells
                .next_cell()
                .map_err(|_| bad("invalid_xlsx", "the first sheet cannot be read"))?
            {
                seen += 1;
                if seen > XLSX_MAX_CELLS {
                    return Err(bad(
                        "xlsx_too_large",
                        "the sheet has more than 200,000 cells; split the list",
                    ));
                }
                let (row, col) = cell.get_position();
                let value = text(cell.get_value());
                if value.is_empty() || col as usize >= XLSX_MAX_COLUMNS {
                    continue;
                }
                let line = rows.entry(row).or_default();
                if line.len() <= col as usize {
                    line.resize(col as usize + 1, String::new());
                }
                line[col as usize] = value;
            }
            let grid = rows
                .into_iter()
                .map(|(row, cells)| (u64::from(row) + 1, Ok(cells)))
                .collect();
            ("xlsx", grid)
        }
    };
    let skip = header_index(&grid);
    let mut grid = grid.into_iter().skip(skip);
    let header = match grid.next() {
        Some((_, Ok(h))) => h,
        _ => return Err(bad("invalid_csv", "the first line must be a header row")),
    };
    let fields: Vec<Option<&'static str>> = header.iter().map(|h| field_of(h)).collect();
    let has = |f: &str| fields.contains(&Some(f));
    if dated && !has("granted_on") {
        return Err(bad(
            "missing_column",
            "the header has no `granted_on` (지급일) column",
        ));
    }
    if !has("resource_id") && !has("benefit_type") {
        return Err(bad(
            "missing_column",
            "the header needs a `resource_id` (자원) or `benefit_type` (급여유형) column",
        ));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut totals = Vec::new();
    for (line, cells) in grid {
        match cells {
            Ok(cells) if cells.iter().all(|c| c.trim().is_empty()) => {}
            Ok(cells) if cells.iter().any(|c| is_total(c)) => totals.push(line),
            Ok(cells) => rows.push(Row {
                line,
                cells: fields
                    .iter()
                    .zip(cells)
                    .filter_map(|(f, c)| f.map(|f| (f, c)))
                    .collect(),
            }),
            Err(()) => errors.push(RowError {
                row: line,
                field: String::new(),
                message: "the line is not valid CSV".into(),
            }),
        }
    }
    Ok(Table {
        encoding: encoding.to_owned(),
        rows,
        errors,
        totals,
    })
}

/// A date as Korean lists write it: `2026-11-20`, `2026.11.20`, `2026.1.5`, `2026/11/20`,
/// `20261120`, `2026년 11월 20일`, a two-digit year (`39.09.09`: the latest such year not in the
/// future), or an Excel serial number (`46346`, days since 1899-12-30).
pub(super) fn parse_date(s: &str) -> Option<NaiveDate> {
    parse_date_as_of(s, chrono::Utc::now().date_naive())
}

pub(super) fn parse_date_as_of(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    use chrono::Datelike;
    let s = s.trim().trim_end_matches('.');
    // 년/월/일 as separators.
    let s: String = s
        .replace(['년', '월'], ".")
        .replace('일', "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let s = s.trim_end_matches('.');
    if let Some(d) = ["%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .filter(|d| d.year() >= 1000)
    {
        return Some(d);
    }
    // Excel's serial numbers (what a date cell becomes when a sheet is saved as CSV unformatted).
    if s.len() <= 5 && s.chars().all(|c| c.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        return (1..=2_958_465)
            .contains(&n)
            .then(|| NaiveDate::from_ymd_opt(1899, 12, 30))
            .flatten()
            .and_then(|base| base.checked_add_signed(chrono::Duration::days(n)));
    }
    // A two-digit year: this century's if that year has come, else the last century's.
    let parts: Vec<&str> = s.split(['.', '-', '/']).collect();
    if let [y, m, d] = parts.as_slice() {
        if y.len() == 2 {
            let yy: i32 = y.parse().ok()?;
            let century = if 2000 + yy <= today.year() {
                2000
            } else {
                1900
            };
            return NaiveDate::from_ymd_opt(century + yy, m.parse().ok()?, d.parse().ok()?);
        }
    }
    None
}

/// The birth date a masked RRN still shows (`830519-2******`: born 1983-05-19), by the
/// seventh digit's century.
pub(super) fn birth_of_masked_rrn(raw: &str) -> Option<NaiveDate> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).take(7).collect();
    if digits.len() < 7 {
        return None;
    }
    let century = match digits.as_bytes()[6] {
        b'1' | b'2' | b'5' | b'6' => 1900,
        b'3' | b'4' | b'7' | b'8' => 2000,
        b'9' | b'0' => 1800,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(
        century + digits[0..2].parse::<i32>().ok()?,
        digits[2..4].parse().ok()?,
        digits[4..6].parse().ok()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_people_type_them() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        for (text, want) in [
            ("1939-09-09", d(1939, 9, 9)),
            ("1939.9.9", d(1939, 9, 9)),
            ("1939. 9. 9.", d(1939, 9, 9)),
            ("1939/09/09", d(1939, 9, 9)),
            ("19390909", d(1939, 9, 9)),
            ("1939년 9월 9일", d(1939, 9, 9)),
            ("39.09.09", d(1939, 9, 9)),
            ("26.11.20", d(2026, 11, 20)),
            ("27.01.02", d(1927, 1, 2)),
            ("46346", d(2026, 11, 20)),
            ("14497", d(1939, 9, 9)),
            ("", None),
            ("1939.13.01", None),
            ("아무날", None),
        ] {
            assert_eq!(parse_date_as_of(text, today), want, "{text}");
        }
    }

    #[test]
    fn masked_rrns_still_tell_the_birth_date() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(birth_of_masked_rrn("830519-2******"), d(1983, 5, 19));
        assert_eq!(birth_of_masked_rrn("050101-3******"), d(2005, 1, 1));
        assert_eq!(birth_of_masked_rrn("830519-*******"), None);
    }

    #[test]
    fn headers_may_stand_below_a_title() {
        let line = |n, cells: &[&str]| (n, Ok(cells.iter().map(|c| c.to_string()).collect()));
        let grid = vec![
            line(1, &["2026년 명단"]),
            line(2, &["", "", ""]),
            line(3, &["연번", "성명", "생년월일", "지급일"]),
        ];
        assert_eq!(header_index(&grid), 2);
        assert!(is_total(" 합 계 ") && is_total("소계") && !is_total("김계순"));
    }
}
