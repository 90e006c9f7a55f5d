//! Whether an answer may be sent gzipped.

use actix_web::http::header::{Encoding, Preference, Quality, QualityItem};

/// Whether an `Accept-Encoding` value lets the answer be sent gzipped: it
/// names gzip (or `*`, gzip unnamed) with a weight above zero.
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut star = false;
    let items = accept_encoding.split(',').filter_map(|i| i.trim().parse::<QualityItem<Preference<Encoding>>>().ok());
    for QualityItem { item, quality } in items {
        match item {
            Preference::Specific(coding)
                if coding == Encoding::gzip() || coding.to_string().eq_ignore_ascii_case("x-gzip") =>
            {
                return quality > Quality::ZERO;
            }
            Preference::Any => star = quality > Quality::ZERO,
            Preference::Specific(_) => {}
        }
    }
    star
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn gzip_is_sent_only_to_clients_that_weigh_it_above_zero() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("x-gzip"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip(""));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("*, gzip;q=0"));
        assert!(!accepts_gzip("gzip;q=0.0, *"));
        assert!(!accepts_gzip("*;q=0"));
    }
}
