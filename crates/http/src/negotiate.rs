//! Content negotiation by `Accept` (RFC 9110 §12.5.1): each offered media type gets the weight
//! of the most specific range that matches it (`type/subtype` over `type/*` over `*/*`); the
//! heaviest wins and equal weights go to the first offer — JSON for the API's reports, so a
//! generated client that lists every type the contract declares at equal weight gets JSON.

/// The offer `accept` weighs most; the first offer without a usable header or when every
/// offer weighs zero.
pub fn choose<'a>(accept: Option<&str>, offers: &[&'a str]) -> &'a str {
    let Some(first) = offers.first() else {
        return "";
    };
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return first;
    };
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|part| {
            let mut params = part.split(';');
            let range = params.next()?.trim().to_ascii_lowercase();
            if range.is_empty() {
                return None;
            }
            let q = params
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            Some((range, q))
        })
        .collect();
    let weight = |offer: &str| -> f32 {
        let kind = offer.split('/').next().unwrap_or("");
        let mut best: Option<(u8, f32)> = None;
        for (range, q) in &ranges {
            let specificity = if range == offer {
                3
            } else if range.strip_suffix("/*") == Some(kind) {
                2
            } else if range == "*/*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, *q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    };
    let mut chosen = *first;
    let mut chosen_weight = 0.0f32;
    for offer in offers {
        let w = weight(offer);
        if w > chosen_weight {
            chosen = offer;
            chosen_weight = w;
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::choose;

    const JSON: &str = "application/json";
    const CSV: &str = "text/csv";
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    const OFFERS: [&str; 3] = [JSON, CSV, XLSX];

    #[test]
    fn equal_weights_prefer_the_first_offer() {
        // What openapi-generator sends: every declared type at equal weight.
        let generated = format!("{JSON}, {CSV}, {XLSX}, application/problem+json");
        assert_eq!(choose(Some(&generated), &OFFERS), JSON);
        let reversed = format!("{XLSX}, {CSV}, {JSON}");
        assert_eq!(choose(Some(&reversed), &OFFERS), JSON);
    }

    #[test]
    fn weights_and_specificity_decide() {
        assert_eq!(choose(Some(XLSX), &OFFERS), XLSX);
        assert_eq!(choose(Some("text/csv"), &OFFERS), CSV);
        assert_eq!(
            choose(Some(&format!("{JSON};q=0.5, {XLSX}")), &OFFERS),
            XLSX
        );
        assert_eq!(choose(Some("text/*, */*;q=0.1"), &OFFERS), CSV);
        assert_eq!(choose(Some(&format!("*/*, {JSON};q=0")), &OFFERS), CSV);
        assert_eq!(choose(None, &OFFERS), JSON);
        assert_eq!(choose(Some("*/*"), &OFFERS), JSON);
        assert_eq!(choose(Some("image/png"), &OFFERS), JSON);
    }
}
